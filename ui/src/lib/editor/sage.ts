// Sage's own syntax, marked over Python's highlighting. Sage's preparser
// turns these into Python before running a cell; the Python grammar sees
// them as errors or as something else:
//   R.<x,y> = QQ[]     names the ring's generators (cm-sage-generators on `.<x,y>`)
//   x^2                is a power, as `**` (cm-sage-power; `^^` is Sage's xor)
//   [1..10], [1,3..99] are ranges (cm-sage-range on `..`; `...` is Python's Ellipsis)
//   ZZ QQ RR CC ...    are the basic rings and fields (cm-sage-ring)
// Nothing is marked in strings or comments: the preparser leaves them alone.
//
// Python's grammar recovers from `R.<x> = QQ[]` within that statement, so
// the lines after it keep their colours. In `[1..10]` it takes `10` for an
// error and leaves it uncoloured: it is marked cm-sage-number here.

import { syntaxTree } from '@codemirror/language';
import { Prec, type EditorState, type Extension } from '@codemirror/state';
import { Decoration, MatchDecorator, ViewPlugin, type DecorationSet, type EditorView, type ViewUpdate } from '@codemirror/view';

export const SAGE_RINGS = ['ZZ', 'QQ', 'RR', 'CC', 'RDF', 'CDF', 'GF', 'QQbar', 'SR'];

// One pass for all four. Generators: a name, then `.<...>` followed by an
// assignment (`=` but not `==`), as the preparser requires. Runs of `^` and
// of `.` are matched whole so that `^^` and `...` can be told apart.
const sagePattern = new RegExp(
  String.raw`([A-Za-z_]\w*)(\.<[^<>=\n]+>)(?=\s*=(?!=))|\^+|\.{2,}(\d+)?|\b(?:${SAGE_RINGS.join('|')})\b`,
  'g',
);

const generatorsMark = Decoration.mark({ class: 'cm-sage-generators' });
const powerMark = Decoration.mark({ class: 'cm-sage-power' });
const rangeMark = Decoration.mark({ class: 'cm-sage-range' });
const numberMark = Decoration.mark({ class: 'cm-sage-number' });
const ringMark = Decoration.mark({ class: 'cm-sage-ring' });

const verbatim = new Set(['String', 'FormatString', 'Comment']);

/** The syntax node at `pos`, unless it is in a string or a comment. */
function codeAt(state: EditorState, pos: number) {
  const node = syntaxTree(state).resolveInner(pos, 1);
  for (let up: typeof node | null = node; up; up = up.parent) if (verbatim.has(up.name)) return null;
  return node;
}

const matcher = new MatchDecorator({
  regexp: sagePattern,
  decorate(add, from, to, match, view) {
    const [text, name, generators, digits] = match;
    if (generators) {
      const start = from + name.length;
      if (codeAt(view.state, start)) add(start, to, generatorsMark);
    } else if (text[0] === '^') {
      if (text.length === 1 && codeAt(view.state, from)) add(from, to, powerMark);
    } else if (text[0] === '.') {
      if (text.length - (digits?.length ?? 0) !== 2 || !codeAt(view.state, from)) return;
      add(from, from + 2, rangeMark);
      if (digits) add(from + 2, to, numberMark);
    } else {
      // A ring, but not an attribute that happens to have its name (`F.GF`).
      const node = codeAt(view.state, from);
      if (node && node.name !== 'PropertyName') add(from, to, ringMark);
    }
  },
});

const sageMarks = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = matcher.createDeco(view);
    }
    update(update: ViewUpdate) {
      // A new tree can turn text far from the edit into a string (an opened
      // `"""`): then every visible line is matched again, not just the edited ones.
      this.decorations =
        syntaxTree(update.startState) === syntaxTree(update.state)
          ? matcher.updateDeco(update, this.decorations)
          : matcher.createDeco(update.view);
    }
  },
  { decorations: (plugin) => plugin.decorations },
);

/**
 * Marks Sage's syntax in Python code; goes with `python()`. Low precedence:
 * each mark is one element around the highlighter's, so `.<x,y>` is not
 * split into pieces at its tokens (theme.ts colours what is inside).
 */
export function sageSyntax(): Extension {
  return Prec.low(sageMarks);
}
