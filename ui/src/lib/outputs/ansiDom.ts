// Styled ANSI segments as DOM nodes. The text goes in as text nodes, never as
// markup, so nothing a program prints can become HTML. The 16 theme colours
// are classes (ansi.css, with light and dark palettes); other colours are set
// through the element's style object, which a strict CSP allows (a style
// attribute in markup it would refuse).

import { cssColor, isPlain, parseAnsi, type AnsiSegment, type AnsiState, type AnsiStyle } from './ansi';
import './ansi.css';

/** The nodes for `segments`: a text node for plain text, a span for styled text. */
export function segmentNodes(segments: AnsiSegment[], doc: Document = document): DocumentFragment {
  const fragment = doc.createDocumentFragment();
  for (const segment of segments) {
    if (isPlain(segment.style)) {
      fragment.append(doc.createTextNode(segment.text));
      continue;
    }
    const span = doc.createElement('span');
    styleSpan(span, segment.style);
    span.textContent = segment.text;
    fragment.append(span);
  }
  return fragment;
}

function styleSpan(span: HTMLElement, style: AnsiStyle) {
  let fg = style.fg;
  let bg = style.bg;
  if (style.inverse) {
    [fg, bg] = [bg, fg];
    if (fg === null) span.classList.add('ansi-fg-inverse');
    if (bg === null) span.classList.add('ansi-bg-inverse');
  }
  if (typeof fg === 'number' && fg < 16) span.classList.add(`ansi-fg-${fg}`);
  else if (fg !== null) span.style.color = cssColor(fg);
  if (typeof bg === 'number' && bg < 16) span.classList.add(`ansi-bg-${bg}`);
  else if (bg !== null) span.style.backgroundColor = cssColor(bg);
  if (style.bold) span.classList.add('ansi-bold');
  if (style.dim) span.classList.add('ansi-dim');
  if (style.italic) span.classList.add('ansi-italic');
  if (style.underline) span.classList.add('ansi-underline');
  if (style.strike) span.classList.add('ansi-strike');
  if (style.hidden) span.classList.add('ansi-hidden');
}

/** Appends `text` with its ANSI styles to `parent`, continuing from `state`; returns the state after it. */
export function appendAnsi(parent: Node, text: string, state?: AnsiState): AnsiState {
  const parsed = parseAnsi(text, state);
  parent.appendChild(segmentNodes(parsed.segments, parent.ownerDocument ?? document));
  return parsed.state;
}

/** Replaces the children of `parent` with `text` and its styles. */
export function renderAnsi(parent: HTMLElement, text: string): void {
  parent.replaceChildren();
  appendAnsi(parent, text);
}

/** A Svelte attachment: `<pre {@attach ansiText(text)}>` shows `text` with its colours. */
export function ansiText(text: string) {
  return (element: HTMLElement) => {
    renderAnsi(element, text);
  };
}
