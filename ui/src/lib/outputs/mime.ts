// Which representation of a rich output to show, and reading its data.

import type { MimeBundle } from '../types';
import { hasMath, mathOnlyHtml, splitMath, type MathPiece } from './math';

/** How an output is shown, with what it needs. */
export type Rendering =
  | { kind: 'math'; mime: 'text/latex' | 'text/html'; pieces: MathPiece[] }
  | { kind: 'image'; mime: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/svg+xml'; src: string; width?: number; height?: number }
  | { kind: 'html'; html: string }
  | { kind: 'markdown'; source: string }
  | { kind: 'pdf'; data: string; bytes: number }
  | { kind: 'widget'; mime: typeof WIDGET_VIEW; modelId: string; text: string }
  | { kind: 'json'; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'none'; mimes: string[] };

/**
 * The order representations are tried in, richest first. Maths comes before
 * everything: it is typeset in the window, where HTML has to go to a
 * sandboxed frame; images before HTML for the same reason. `text/latex` is
 * taken only when it holds maths MathJax can typeset, `text/html` in the
 * window only when it is nothing but maths (Sage's `%display latex`).
 */
export const MIME_ORDER = [
  // An ipywidget (a slider, `@interact`): drawn by the notebook's widget
  // manager, its text shown while the kernel does not have it.
  'application/vnd.jupyter.widget-view+json',
  'text/latex',
  'text/html+math',
  'image/svg+xml',
  'image/png',
  'image/jpeg',
  // Sage's animate(...).show() in a notebook.
  'image/gif',
  'text/html',
  'text/markdown',
  // Not shown in the window (WebKitGTK has no PDF viewer): offered to
  // open in the system's viewer or to save.
  'application/pdf',
  'application/json',
  'text/plain',
] as const;

/** nbformat allows text as one string or as a list of lines. */
export function mimeText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((line) => typeof line === 'string')) return value.join('');
  return null;
}

/** The width and height nbformat's metadata gives for an image, when it does. */
function imageSize(metadata: MimeBundle, mime: string): { width?: number; height?: number } {
  const entry = metadata[mime];
  const source = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : metadata;
  const size: { width?: number; height?: number } = {};
  if (typeof source.width === 'number' && source.width > 0) size.width = source.width;
  if (typeof source.height === 'number' && source.height > 0) size.height = source.height;
  return size;
}

/** A data URL for an image: base64 for PNG, JPEG and GIF (whitespace in it dropped), the text for SVG. */
export function imageSource(mime: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/svg+xml', data: string): string {
  if (mime === 'image/svg+xml') return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(data)}`;
  return `data:${mime};base64,${data.replace(/\s+/g, '')}`;
}

/** The MIME type of a widget's output. */
export const WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json';

/** How many bytes the base64 `data` (no whitespace) decodes to. */
function base64Bytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.floor((data.length * 3) / 4) - padding;
}

/** How to show the output whose data and metadata these are. */
export function choose(data: MimeBundle, metadata: MimeBundle = {}): Rendering {
  for (const mime of MIME_ORDER) {
    const key = mime === 'text/html+math' ? 'text/html' : mime;
    if (!(key in data)) continue;
    const value = data[key];
    if (mime === WIDGET_VIEW) {
      const modelId = (value as { model_id?: unknown } | null)?.model_id;
      if (typeof modelId !== 'string' || modelId === '') continue;
      return { kind: 'widget', mime, modelId, text: mimeText(data['text/plain']) ?? '' };
    }
    if (mime === 'application/json') {
      return { kind: 'json', text: JSON.stringify(value, null, 2) ?? 'null' };
    }
    const text = mimeText(value);
    if (text === null) continue;
    switch (mime) {
      case 'text/latex': {
        const pieces = splitMath(text);
        if (hasMath(pieces)) return { kind: 'math', mime, pieces };
        break;
      }
      case 'text/html+math': {
        const pieces = mathOnlyHtml(text);
        if (pieces) return { kind: 'math', mime: 'text/html', pieces };
        break;
      }
      case 'image/svg+xml':
      case 'image/png':
      case 'image/jpeg':
      case 'image/gif':
        return { kind: 'image', mime, src: imageSource(mime, text), ...imageSize(metadata, mime) };
      case 'text/html':
        return { kind: 'html', html: text };
      case 'text/markdown':
        return { kind: 'markdown', source: text };
      case 'application/pdf': {
        const data = text.replace(/\s+/g, '');
        if (!data.startsWith('JVBERi0')) break; // "%PDF-", the core checks it whole
        return { kind: 'pdf', data, bytes: base64Bytes(data) };
      }
      case 'text/plain':
        return { kind: 'text', text };
    }
  }
  return { kind: 'none', mimes: Object.keys(data) };
}
