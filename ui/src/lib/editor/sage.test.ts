import { python } from '@codemirror/lang-python';
import { syntaxTree } from '@codemirror/language';
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { afterEach, describe, expect, it } from 'vitest';
import { sageSyntax } from './sage';
import { editorTheme } from './theme';

let view: EditorView | undefined;
afterEach(() => view?.destroy());

function editor(doc: string): EditorView {
  view = new EditorView({ parent: document.body, state: EditorState.create({ doc, extensions: [editorTheme, python(), sageSyntax()] }) });
  return view;
}

const marked = (name: string) => [...view!.contentDOM.querySelectorAll(`.cm-sage-${name}`)].map((el) => el.textContent);

describe('Sage syntax', () => {
  it('marks generators, as one element over the tokens Python sees', () => {
    editor('R.<x> = QQ[]\nS.<x, y,z> = PolynomialRing(QQ)\nK.<a>=NumberField(x^2+1)');
    expect(marked('generators')).toEqual(['.<x>', '.<x, y,z>', '.<a>']);
  });

  it('marks no generators where there is no assignment', () => {
    editor('b = R.<x> == S\nc = 1.<x> = 2');
    expect(marked('generators')).toEqual([]);
  });

  it('marks ^ as a power, but not ^^ (xor)', () => {
    editor('f = x^2 + y ^ 3\ng = a ^^ b\nx ^= 2');
    expect(marked('power')).toEqual(['^', '^', '^']);
  });

  it('marks .. ranges and the number after them, but not an Ellipsis', () => {
    editor('[1..10]\n[1,3..99]\n(a..b)\nx = ...');
    expect(marked('range')).toEqual(['..', '..', '..']);
    expect(marked('number')).toEqual(['10', '99']);
  });

  it('marks rings as whole words, not as attributes', () => {
    editor('V = QQ^3; W = QQbar; F = GF(7); ZZZ = QQx; RR, CC, RDF, CDF, SR, F.GF, ZZ_x');
    expect(marked('ring')).toEqual(['QQ', 'QQbar', 'GF', 'RR', 'CC', 'RDF', 'CDF', 'SR']);
  });

  it('marks nothing in strings, docstrings, f-strings or comments', () => {
    editor('s = "R.<x> = QQ[] x^2 [1..2]"  # x^2 [1..2] QQ\n"""ZZ^2\nR.<y> = ZZ[]"""\nt = f"{x^2}" \'QQ\'');
    for (const name of ['generators', 'power', 'range', 'ring']) expect(marked(name), name).toEqual([]);
  });

  it('marks again when an edit turns text elsewhere into a string', () => {
    editor('x = 1\ny = x^2 + QQ(1)');
    expect(marked('power')).toEqual(['^']);
    view!.dispatch({ changes: { from: 0, insert: '"""' } });
    expect(syntaxTree(view!.state).length).toBe(view!.state.doc.length);
    expect(marked('power')).toEqual([]);
    expect(marked('ring')).toEqual([]);
  });

  it('leaves the lines after a generator statement parsed as Python', () => {
    // Python's grammar takes `R.<x> = QQ[]` for an error; the recovery must
    // not spill into the next statement, or its colours would be lost.
    const doc = 'R.<x> = QQ[]\ndef f(n):\n    return "s"';
    editor(doc);
    const names: string[] = [];
    syntaxTree(view!.state).iterate({
      from: doc.indexOf('def'),
      enter: (node) => {
        names.push(node.name);
      },
    });
    expect(names).toContain('FunctionDefinition');
    expect(names).toContain('String');
    expect(names).not.toContain('⚠');
  });
});
