// Typesetting TeX, with MathJax loaded on first use (it is most of the
// bundle's weight).

import type { MathPiece } from './math';

type Engine = typeof import('./mathjaxEngine');

let engine: Promise<Engine> | null = null;

function load(): Promise<Engine> {
  engine ??= import('./mathjaxEngine').catch((error: unknown) => {
    engine = null;
    throw error;
  });
  return engine;
}

/**
 * Loads MathJax ahead of the first formula (a workspace was opened, so
 * notebooks are coming), once the window is idle; a failure is left for
 * the first formula to meet.
 */
export function preloadMath(): void {
  const start = () => void load().catch(() => {});
  if (typeof requestIdleCallback === 'function') requestIdleCallback(start, { timeout: 2000 });
  else setTimeout(start, 0);
}

/** Formulas asked for and not typeset yet, and who waits for them all. */
let pending = 0;
let waiting: (() => void)[] = [];

function wakeWaiting() {
  const waiters = waiting;
  waiting = [];
  for (const wake of waiters) wake();
}

/** The formula typeset by MathJax (an `mjx-container`). */
export async function typeset(tex: string, display: boolean): Promise<HTMLElement> {
  pending += 1;
  try {
    const { typesetNow } = await load();
    const node = typesetNow(tex, display);
    node.setAttribute('data-tex', tex);
    return node;
  } finally {
    pending -= 1;
    if (pending === 0) wakeWaiting();
  }
}

/**
 * Text and maths as nodes, into `parent` (its children replaced). While
 * MathJax loads, and if it cannot, the TeX shows as code.
 */
export async function renderMath(parent: HTMLElement, pieces: MathPiece[]): Promise<void> {
  const doc = parent.ownerDocument;
  const placeholders = pieces.map((piece) => {
    if ('text' in piece) return doc.createTextNode(piece.text);
    const code = doc.createElement('code');
    code.className = piece.display ? 'tex display' : 'tex';
    code.textContent = piece.tex;
    return code;
  });
  parent.replaceChildren(...placeholders);
  await Promise.all(
    pieces.map(async (piece, i) => {
      if (!('tex' in piece)) return;
      try {
        placeholders[i].replaceWith(await typeset(piece.tex, piece.display));
      } catch (error) {
        console.error('MathJax could not typeset', piece.tex, error);
      }
    }),
  );
}

/** Resolves once every formula asked for so far is typeset (or has failed): before printing. */
export function mathSettled(): Promise<void> {
  if (pending === 0) return Promise.resolve();
  return new Promise((resolve) => waiting.push(resolve));
}
