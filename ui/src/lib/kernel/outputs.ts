// The UI's copy of a cell's outputs, kept in step with the core's by applying
// the updates it sends: this mirrors `apply_update` in src/kernel/outputs/update.rs
// exactly (same checks, same errors), so that the updates taken since a run
// started bring the list to exactly the core's outputs.
//
// Offsets: the core counts bytes, this counts UTF-16 units, but every
// position either side uses is found by searching for "\n", an ASCII
// character, so both cut the text at the same places.

import { formatBytes } from '../size';
import type { Output, OutputUpdate, StreamOutput } from '../types';

/** An update that does not fit the list: the list is not the one the updates were taken for. */
export class UpdateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpdateError';
  }

  static noOutput(index: number, len: number): UpdateError {
    return new UpdateError(`no output at index ${index}: the list has ${len}`);
  }

  static notStream(index: number): UpdateError {
    return new UpdateError(`output ${index} is not a stream with the text this update expects`);
  }
}

/**
 * A copy of an output the list can own: streams are changed in place by
 * later updates, so they must not share their objects with the update (as
 * Rust's `output.clone()`).
 */
function owned(output: Output): Output {
  if (output.output_type !== 'stream') return output;
  const copy: StreamOutput = { output_type: 'stream', name: output.name, text: output.text };
  if (output.tail) copy.tail = { ...output.tail };
  return copy;
}

/** Where the live text of the stream at `index` is: `tail` once cut, else the output itself. */
function liveHolder(outputs: Output[], index: number): { text: string } {
  const output = outputs[index];
  if (output?.output_type !== 'stream') throw UpdateError.notStream(index);
  return output.tail ?? output;
}

/**
 * Applies one update to a listener's list of outputs, in place.
 *
 * @throws UpdateError when the update does not fit the list.
 */
export function applyUpdate(outputs: Output[], update: OutputUpdate): void {
  const len = outputs.length;
  switch (update.kind) {
    case 'clear':
      outputs.length = 0;
      return;
    case 'insert':
      if (update.index > len) throw UpdateError.noOutput(update.index, len);
      outputs.splice(update.index, 0, owned(update.output));
      return;
    case 'replace':
      if (update.index >= len) throw UpdateError.noOutput(update.index, len);
      outputs[update.index] = owned(update.output);
      return;
    case 'remove':
      if (update.index + update.count > len) {
        throw UpdateError.noOutput(update.index + update.count - 1, len);
      }
      outputs.splice(update.index, update.count);
      return;
    case 'appendText': {
      const live = liveHolder(outputs, update.index);
      live.text += update.text;
      return;
    }
    case 'rewriteLine': {
      const live = liveHolder(outputs, update.index);
      live.text = live.text.slice(0, live.text.lastIndexOf('\n') + 1) + update.text;
      return;
    }
    case 'trimText': {
      const output = outputs[update.index];
      if (output?.output_type !== 'stream' || !output.tail) throw UpdateError.notStream(update.index);
      const tail = output.tail;
      const cut = afterLines(tail.text, update.lines);
      if (cut === null) throw UpdateError.notStream(update.index);
      tail.text = tail.text.slice(cut);
      tail.omitted_lines = update.omitted_lines;
      tail.omitted_bytes = update.omitted_bytes;
      return;
    }
  }
}

/** Where the text after its first `lines` lines (each through its `\n`) starts; null if it has fewer. */
export function afterLines(text: string, lines: number): number | null {
  let cut = 0;
  for (let i = 0; i < lines; i += 1) {
    const next = text.indexOf('\n', cut);
    if (next < 0) return null;
    cut = next + 1;
  }
  return cut;
}

/** The line that stands for the left-out middle of a stream, as the core writes it into the notebook. */
export function omittedTextMarker(lines: number, bytes: number): string {
  if (lines === 0) return `… ${formatBytes(bytes)} of one line not kept …`;
  if (lines === 1) return `… 1 line (${formatBytes(bytes)}) not kept …`;
  return `… ${groupDigits(lines)} lines (${formatBytes(bytes)}) not kept …`;
}

/** `999000` → `999,000`. */
export function groupDigits(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
