// Which cells of an open notebook are drawn: those on screen or within a
// screen's height of it, as JupyterLab's windowing does. A cell further
// away keeps its place (its height, measured when it was last drawn, or
// estimated from its text and outputs) and its prompt, but not its editor
// or outputs, so that a long notebook opens as fast as its first screen and
// holds only what is near in memory. The models stay whole: a cell that
// runs, is found or is printed is drawn again from them.

import { SvelteMap } from 'svelte/reactivity';

import { STREAM_VIEW_LINES } from '../outputs/limits';
import type { CellModel } from './cell.svelte';

/** Cells drawn at first, before the window has been measured. */
export const FIRST_DRAWN = 12;

/** How far beyond the visible part cells are drawn, above and below. */
const MARGIN = '100% 0px 100% 0px';

/** The line height of code and of outputs' text, in pixels (0.875rem in a 16 px root, × 1.4). */
const LINE = 19.6;
/** A cell's padding, gutter and borders, in pixels. */
const CELL_CHROME = 24;
/** A drawn image, before it is measured. */
const IMAGE = 300;
/** The height of the box a stream of more than STREAM_VIEW_LINES lines scrolls in (StreamView's 24rem). */
const STREAM_BOX = 384;

function lines(text: string): number {
  let count = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < text.length - 1; i = text.indexOf('\n', i + 1)) count += 1;
  return count;
}

/** A guess at the height of a cell never drawn, in pixels: it only places the cells after it until it is drawn. */
export function estimateHeight(cell: Pick<CellModel, 'cellType' | 'source'> & { outputs: { items: { output: unknown }[] } }): number {
  let height = CELL_CHROME + lines(cell.source) * LINE * (cell.cellType === 'markdown' ? 1.1 : 1);
  for (const { output } of cell.outputs.items) {
    const out = output as { output_type?: string; text?: unknown; data?: Record<string, unknown>; traceback?: unknown };
    if (out.output_type === 'stream') {
      const count = lines(String(out.text ?? ''));
      height += count > STREAM_VIEW_LINES ? STREAM_BOX : count * LINE;
    } else if (out.output_type === 'error') {
      height += (Array.isArray(out.traceback) ? out.traceback.length : 1) * LINE * 2;
    } else {
      const data = out.data ?? {};
      const image = Object.keys(data).some((mime) => mime.startsWith('image/'));
      height += image ? IMAGE : 2 * LINE;
    }
  }
  return Math.round(height);
}

function drawEveryCell(): boolean {
  try {
    return globalThis.localStorage?.getItem('sagedesk.drawEveryCell') === 'true';
  } catch {
    return false;
  }
}

export class CellWindow {
  /** What the window has measured: a cell id → whether it is near, and its height when last seen. */
  readonly #near = new SvelteMap<string, boolean>();
  readonly #heights = new Map<string, number>();
  readonly #elements = new Map<Element, string>();
  #observer: IntersectionObserver | null = null;
  /** Every cell drawn, for now (to print). */
  everything = $state(false);
  /**
   * Every cell drawn, always: where the web view cannot tell what is on
   * screen, or when the window's storage says so (`sagedesk.drawEveryCell`,
   * the benchmark's baseline and a way round a drawing problem).
   */
  readonly #always = typeof IntersectionObserver === 'undefined' || drawEveryCell();

  /** Starts following what is on screen in `scroller`, the notebook's scrolling box. */
  attach(scroller: HTMLElement): () => void {
    if (this.#always) return () => {};
    this.#observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          const id = this.#elements.get(entry.target);
          if (id === undefined) continue;
          // The height it has now, drawn or held: what it keeps while not drawn.
          if (entry.boundingClientRect.height > 0) this.#heights.set(id, entry.boundingClientRect.height);
          if (this.#near.get(id) !== entry.isIntersecting) this.#near.set(id, entry.isIntersecting);
        }
      },
      { root: scroller, rootMargin: MARGIN },
    );
    for (const element of this.#elements.keys()) this.#observer.observe(element);
    return () => {
      this.#observer?.disconnect();
      this.#observer = null;
    };
  }

  /** Follows the cell `id` drawn as `element`, until the returned function is called. */
  watch(element: Element, id: string): () => void {
    this.#elements.set(element, id);
    this.#observer?.observe(element);
    return () => {
      this.#observer?.unobserve(element);
      this.#elements.delete(element);
      this.#near.delete(id);
    };
  }

  /** Whether the cell `id` at `index` is drawn: it is near the screen (or, before that is known, among the first). */
  drawn(id: string, index: number): boolean {
    if (this.everything || this.#always) return true;
    const near = this.#near.get(id);
    return near ?? index < FIRST_DRAWN;
  }

  /** The height the cell `id` holds while not drawn. */
  heldHeight(cell: CellModel): number {
    return this.#heights.get(cell.id) ?? estimateHeight(cell);
  }
}
