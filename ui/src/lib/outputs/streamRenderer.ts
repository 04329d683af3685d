// A stream output in the DOM, kept up to date by small changes: appended text
// becomes new nodes at the end, a rewritten line redraws that line only, and
// lines dropped from the front of a cut stream's tail are removed. A batch
// never redraws the whole output, so a cell printing for minutes costs each
// batch its own text only.
//
// The live text is drawn as chunks of complete lines, each remembering the
// ANSI style it started in, then the open (unterminated) line: the only part
// a rewrite (`\r`) can change.

import { afterLines, omittedTextMarker } from '../kernel/outputs';
import type { StreamOutput } from '../types';
import { initialState, parseAnsi, type AnsiState } from './ansi';
import { appendAnsi, segmentNodes } from './ansiDom';

/** A change to the live text of a stream, as the output updates make them. */
export type StreamChange =
  | { kind: 'append'; text: string }
  | { kind: 'rewrite'; text: string }
  | { kind: 'trim'; lines: number };

interface Chunk {
  element: HTMLElement;
  text: string;
  start: AnsiState;
  lines: number;
}

function countLines(text: string): number {
  let n = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) n += 1;
  return n;
}

export class StreamRenderer {
  readonly #head: HTMLElement;
  readonly #marker: HTMLElement;
  readonly #closed: HTMLElement;
  readonly #open: HTMLElement;
  #chunks: Chunk[] = [];
  #closedLines = 0;
  #headLines = 0;
  /** The style in force where the open line starts. */
  #openState: AnsiState = initialState();
  #openText = '';

  constructor(root: HTMLElement) {
    const doc = root.ownerDocument;
    const part = (className: string) => {
      const element = doc.createElement('span');
      element.className = className;
      return element;
    };
    this.#head = part('stream-head');
    this.#marker = part('stream-marker');
    this.#closed = part('stream-lines');
    this.#open = part('stream-open');
    this.#marker.setAttribute('role', 'note');
    root.replaceChildren(this.#head, this.#marker, this.#closed, this.#open);
  }

  /** Lines shown (line breaks in the head and the live text, and the marker). */
  get lines(): number {
    return this.#headLines + (this.#marker.hidden ? 0 : 1) + this.#closedLines;
  }

  /** Draws `output` from scratch. */
  show(output: StreamOutput): void {
    const cut = output.tail !== undefined;
    this.#head.replaceChildren();
    this.#headLines = 0;
    if (cut) {
      appendAnsi(this.#head, output.text.endsWith('\n') || output.text === '' ? output.text : `${output.text}\n`);
      this.#headLines = countLines(output.text);
    }
    this.#showMarker(output);
    this.#closed.replaceChildren();
    this.#chunks = [];
    this.#closedLines = 0;
    this.#openState = initialState();
    this.#openText = '';
    this.#open.replaceChildren();
    this.#append(output.tail ? output.tail.text : output.text);
  }

  /** Applies one change; `output` is the stream after it (for the omitted counts). */
  change(output: StreamOutput, change: StreamChange): void {
    switch (change.kind) {
      case 'append':
        this.#append(change.text);
        break;
      case 'rewrite':
        this.#openText = '';
        this.#append(change.text);
        break;
      case 'trim':
        this.#trim(change.lines);
        this.#showMarker(output);
        break;
    }
  }

  #showMarker(output: StreamOutput) {
    this.#marker.hidden = !output.tail;
    this.#marker.textContent = output.tail ? omittedTextMarker(output.tail.omitted_lines, output.tail.omitted_bytes) : '';
  }

  #append(text: string) {
    const combined = this.#openText + text;
    const lastBreak = combined.lastIndexOf('\n');
    if (lastBreak >= 0) {
      const complete = combined.slice(0, lastBreak + 1);
      const element = this.#closed.ownerDocument.createElement('span');
      const parsed = parseAnsi(complete, this.#openState);
      element.append(segmentNodes(parsed.segments, element.ownerDocument));
      const lines = countLines(complete);
      this.#chunks.push({ element, text: complete, start: this.#openState, lines });
      this.#closed.append(element);
      this.#closedLines += lines;
      this.#openState = parsed.state;
      this.#openText = combined.slice(lastBreak + 1);
    } else {
      this.#openText = combined;
    }
    this.#drawOpen();
  }

  #drawOpen() {
    this.#open.replaceChildren(segmentNodes(parseAnsi(this.#openText, this.#openState).segments, this.#open.ownerDocument));
  }

  /** Removes the first `lines` complete lines of the live text. */
  #trim(lines: number) {
    let left = lines;
    while (left > 0 && this.#chunks.length > 0) {
      const chunk = this.#chunks[0];
      if (chunk.lines <= left) {
        chunk.element.remove();
        this.#chunks.shift();
        this.#closedLines -= chunk.lines;
        left -= chunk.lines;
        continue;
      }
      const cut = afterLines(chunk.text, left) ?? chunk.text.length;
      const dropped = parseAnsi(chunk.text.slice(0, cut), chunk.start);
      chunk.start = dropped.state;
      chunk.text = chunk.text.slice(cut);
      chunk.lines -= left;
      this.#closedLines -= left;
      chunk.element.replaceChildren(segmentNodes(parseAnsi(chunk.text, chunk.start).segments, chunk.element.ownerDocument));
      left = 0;
    }
  }
}
