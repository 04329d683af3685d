// The document an HTML output is shown in: a sandboxed frame (scripts, but no
// same-origin, so no access to the window, its storage or the app's IPC; no
// popups, forms or navigation of the window; links that leave it do
// nothing) loading the shell's `sagedesk-frame` page, whose own policy lets
// its scripts run and fetch nothing (src-tauri/src/frames.rs); the shell
// lets the frame go nowhere else (src-tauri/src/navigation.rs). The window
// posts the page the output's document the first time the page says it is
// ready, and never again. A small script in the document reports the
// content's height, so the frame fits what it shows; what a frame posts is
// bounded (framePosts.ts).

import { hasMath, splitMath } from './math';

import { convertFileSrc } from '@tauri-apps/api/core';

/** The scheme the shell serves the frame page on. */
export const FRAME_SCHEME = 'sagedesk-frame';

/** The frame page's address (`sagedesk-frame://localhost/`, or Windows' form). */
export const frameUrl = (): string => convertFileSrc('', FRAME_SCHEME);

/** What the frame page posts once it listens. */
export interface FrameReadyMessage {
  sagedeskFrameReady: true;
}

/** What the window posts the frame page: the document to show. */
export interface FrameDocumentMessage {
  sagedeskFrameDocument: string;
}

export const isFrameReady = (data: unknown): data is FrameReadyMessage =>
  typeof data === 'object' && data !== null && (data as Partial<FrameReadyMessage>).sagedeskFrameReady === true;

/** What the frame's script posts to the window. */
export interface FrameHeightMessage {
  sagedeskFrameHeight: number;
}

export const FRAME_MIN_HEIGHT = 24;
export const FRAME_MAX_HEIGHT = 2400;
/** Until the frame says how tall it is (or if its script cannot run). */
export const FRAME_DEFAULT_HEIGHT = 160;

const FRAME_CSS =
  'html{color-scheme:light dark}body{margin:0;padding:2px 0;font:14px/1.45 system-ui,sans-serif;overflow-x:auto}' +
  'table{border-collapse:collapse}td,th{padding:2px 8px}';

/**
 * Runs first in the frame's document: a click on a link that leaves the
 * document does nothing. Such a link could only navigate the frame, which
 * the shell refuses, or open a window, which the sandbox refuses, but the
 * webview connects to a new window's address before it refuses it.
 * Links within the document (`#…`) still work.
 */
const LINK_GUARD =
  'addEventListener("click",function(e){var a=e.target&&e.target.closest&&e.target.closest("a[href],area[href]");' +
  'if(a&&a.getAttribute("href").charAt(0)!=="#")e.preventDefault()},true);' +
  'addEventListener("auxclick",function(e){e.preventDefault()},true);';

const HEIGHT_SCRIPT =
  '(function(){var last=0;function post(){var h=Math.ceil(document.documentElement.getBoundingClientRect().height);' +
  'if(h!==last){last=h;parent.postMessage({sagedeskFrameHeight:h},"*")}}' +
  'if(window.ResizeObserver)new ResizeObserver(post).observe(document.documentElement);' +
  'addEventListener("load",post);post()})();';

/**
 * MathJax, served to frames by the shell (src-tauri/src/frames.rs): it
 * typesets the maths in the output's text, as JupyterLab does in HTML
 * outputs (Sage's `table()`, `html()` and `pretty_print` mix tags and TeX).
 */
const MATHJAX_SCRIPT = '<script src="/mathjax.js"></script>';

/** Whether the frame needs MathJax: the HTML has TeX in it, or MathJax 2's script elements. */
export function frameHasMath(html: string): boolean {
  return /<script type="math\/tex/i.test(html) || hasMath(splitMath(html.replace(/<[^>]*>/g, ' ')));
}

/** The document of the frame showing `html`. */
export function frameDocument(html: string): string {
  const maths = frameHasMath(html) ? MATHJAX_SCRIPT : '';
  return (
    '<!doctype html><html><head><meta charset="utf-8"><meta name="color-scheme" content="light dark">' +
    `<script>${LINK_GUARD}</script><style>${FRAME_CSS}</style></head><body>${html}${maths}<script>${HEIGHT_SCRIPT}</script></body></html>`
  );
}

/** The height a frame's message asks for, bounded; null if the message is not one. */
export function frameHeight(data: unknown): number | null {
  if (typeof data !== 'object' || data === null) return null;
  const height = (data as Partial<FrameHeightMessage>).sagedeskFrameHeight;
  if (typeof height !== 'number' || !Number.isFinite(height)) return null;
  return Math.min(FRAME_MAX_HEIGHT, Math.max(FRAME_MIN_HEIGHT, Math.ceil(height)));
}
