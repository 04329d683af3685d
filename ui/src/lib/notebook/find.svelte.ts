// Find and replace across a whole notebook (Ctrl+F, Ctrl+H), as JupyterLab's
// search does: matches in every cell's source, and optionally in its
// outputs' text, counted, with a current match that next and previous move
// through (wrapping around). Replacing changes sources only.

import { findMatches, type FindQuery, type TextRange } from '../editor/findText';
import { stripAnsi } from '../outputs/ansi';
import { mimeText } from '../outputs/mime';
import type { Output } from '../types';
import type { CellModel } from './cell.svelte';

/** A match: in which cell, in its source or its outputs' text, and where. */
export interface Match extends TextRange {
  cell: CellModel;
  in: 'source' | 'outputs';
}

/** The text of outputs a find looks through: streams, plain text, errors. */
export function outputsText(outputs: readonly Output[]): string {
  return outputs
    .map((output) => {
      switch (output.output_type) {
        case 'stream':
          return output.text + (output.tail ? `\n${output.tail.text}` : '');
        case 'error':
          return stripAnsi(output.traceback.length ? output.traceback.join('\n') : `${output.ename}: ${output.evalue}`);
        default:
          return stripAnsi(mimeText(output.data['text/plain']) ?? '');
      }
    })
    .join('\n');
}

export class NotebookFind {
  query = $state('');
  replacement = $state('');
  caseSensitive = $state(false);
  regexp = $state(false);
  inOutputs = $state(false);
  /** The current match's place in `matches` (kept within them). */
  #current = $state(0);
  readonly #cells: () => CellModel[];

  constructor(cells: () => CellModel[]) {
    this.#cells = cells;
  }

  get options(): FindQuery {
    return { query: this.query, caseSensitive: this.caseSensitive, regexp: this.regexp };
  }

  /** Every match, in the notebook's order: a cell's source, then its outputs. */
  readonly matches: Match[] = $derived.by(() => this.#find());

  #find(): Match[] {
    const options = this.options;
    if (!options.query) return [];
    const found: Match[] = [];
    for (const cell of this.#cells()) {
      for (const range of findMatches(cell.source, options)) found.push({ cell, in: 'source', ...range });
      if (this.inOutputs && cell.cellType === 'code') {
        for (const range of findMatches(outputsText(cell.outputs.outputs), options)) {
          found.push({ cell, in: 'outputs', ...range });
        }
      }
    }
    return found;
  }

  /** The current match's place, from 0; -1 when nothing matches. */
  get index(): number {
    const count = this.matches.length;
    return count === 0 ? -1 : Math.min(this.#current, count - 1);
  }

  get current(): Match | null {
    const matches = this.matches;
    return matches.length === 0 ? null : matches[Math.min(this.#current, matches.length - 1)];
  }

  next(): Match | null {
    return this.#step(1);
  }

  previous(): Match | null {
    return this.#step(-1);
  }

  /** The first match at or after `cell` (the selected one), when the query changes. */
  startAt(cell: CellModel | undefined): void {
    const matches = this.matches;
    const cells = this.#cells();
    const from = cell ? cells.indexOf(cell) : 0;
    const at = matches.findIndex((match) => cells.indexOf(match.cell) >= from);
    this.#current = Math.max(0, at);
  }

  #step(by: 1 | -1): Match | null {
    const count = this.matches.length;
    if (count === 0) return null;
    this.#current = (this.index + by + count) % count;
    return this.current;
  }

  /**
   * Replaces the current match (in a source) with the replacement, through
   * `edit` (the notebook's, so the change is saved), and moves to the next.
   */
  replace(edit: (cell: CellModel, source: string) => void): void {
    const match = this.current;
    if (!match || match.in !== 'source') {
      this.next();
      return;
    }
    const source = match.cell.source;
    edit(match.cell, source.slice(0, match.from) + this.#replacementFor(source.slice(match.from, match.to)) + source.slice(match.to));
    // The match replaced is gone: the same place is now the next one.
    const count = this.matches.length;
    if (count > 0) this.#current = this.#current % count;
  }

  /** Replaces every match in the sources; returns how many. */
  replaceAll(edit: (cell: CellModel, source: string) => void): number {
    let replaced = 0;
    for (const cell of this.#cells()) {
      const ranges = findMatches(cell.source, this.options);
      if (ranges.length === 0) continue;
      let source = cell.source;
      // From the end, so that earlier offsets stay right.
      for (const range of [...ranges].reverse()) {
        source = source.slice(0, range.from) + this.#replacementFor(source.slice(range.from, range.to)) + source.slice(range.to);
      }
      edit(cell, source);
      replaced += ranges.length;
    }
    this.#current = 0;
    return replaced;
  }

  /** What a match becomes: `$1` and the like stand for its groups with a regular expression. */
  #replacementFor(matched: string): string {
    if (!this.regexp) return this.replacement;
    const { query, caseSensitive } = this.options;
    return matched.replace(new RegExp(query, caseSensitive ? 'mu' : 'imu'), this.replacement);
  }
}
