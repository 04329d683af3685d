// Find in a cell: where a query matches a text, and the marks an editor
// shows for them (every match, and the current one more strongly). The
// notebook's find bar uses `findMatches` on each cell's source and hands
// each editor its query and current match; offsets are JavaScript string
// offsets (UTF-16), as the editor counts them.

import { EditorSelection, StateEffect, StateField, type EditorState, type Extension, type TransactionSpec } from '@codemirror/state';
import { Decoration, EditorView, type DecorationSet } from '@codemirror/view';

import { findMatches, type Find, type TextRange } from './findText';

export { findMatches, type Find, type FindQuery, type TextRange } from './findText';

const matchMark = Decoration.mark({ class: 'cm-find-match' });
const currentMatchMark = Decoration.mark({ class: 'cm-find-match cm-find-current' });
const currentMark = Decoration.mark({ class: 'cm-find-current' });

function sameRange(a: TextRange | null, b: TextRange | null): boolean {
  return a === b || (!!a && !!b && a.from === b.from && a.to === b.to);
}

function sameFind(a: Find | null, b: Find | null): boolean {
  if (!a || !b) return a === b;
  return a.query === b.query && a.caseSensitive === b.caseSensitive && a.regexp === b.regexp && sameRange(a.current, b.current);
}

/** A current range that is not empty and lies in a text of `length`. */
function inText(range: TextRange | null, length: number): range is TextRange {
  return !!range && 0 <= range.from && range.from < range.to && range.to <= length;
}

function findMarks(state: EditorState, find: Find | null): DecorationSet {
  if (!find?.query) return Decoration.none;
  const current = inText(find.current, state.doc.length) ? find.current : null;
  const marks = findMatches(state.doc.toString(), find).map(({ from, to }) =>
    (sameRange({ from, to }, current) ? currentMatchMark : matchMark).range(from, to),
  );
  // A current range that is no match of this text (the text changed since it was found).
  if (current && !marks.some((mark) => mark.value === currentMatchMark)) marks.push(currentMark.range(current.from, current.to));
  return Decoration.set(marks, true);
}

const setFind = StateEffect.define<Find | null>();

interface Shown {
  find: Find | null;
  marks: DecorationSet;
}

const findField = StateField.define<Shown>({
  create: () => ({ find: null, marks: Decoration.none }),
  update(shown, transaction) {
    let find = shown.find;
    for (const effect of transaction.effects) if (effect.is(setFind)) find = effect.value;
    if (find === shown.find && (!transaction.docChanged || !find)) return shown;
    if (find === shown.find && find?.current) {
      // Typing while the find bar is open: the current match moves with its text.
      const { changes } = transaction;
      const current = { from: changes.mapPos(find.current.from, 1), to: changes.mapPos(find.current.to, -1) };
      find = { ...find, current: current.from < current.to ? current : null };
    }
    return { find, marks: findMarks(transaction.state, find) };
  },
  provide: (field) => EditorView.decorations.from(field, (shown) => shown.marks),
});

/** The marks of find; `showFind` sets what they show. */
export function findHighlight(): Extension {
  return findField;
}

/**
 * The transaction that makes an editor with `findHighlight` show `find`
 * (null: no marks), scrolling a new current match into view; null when it
 * shows that already. It does not touch the selection or the focus.
 */
export function showFind(state: EditorState, find: Find | null): TransactionSpec | null {
  const shown = state.field(findField, false);
  if (!shown || sameFind(shown.find, find)) return null;
  const next: Find | null = find && { ...find, current: find.current && { ...find.current } };
  const current = next?.query && inText(next.current, state.doc.length) ? next.current : null;
  const scroll =
    current && !sameRange(current, shown.find?.current ?? null)
      ? [EditorView.scrollIntoView(EditorSelection.range(current.from, current.to))]
      : [];
  return { effects: [setFind.of(next), ...scroll] };
}
