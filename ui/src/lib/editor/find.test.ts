import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { afterEach, describe, expect, it } from 'vitest';
import { findHighlight, findMatches, showFind, type Find } from './find';

const plain = { caseSensitive: false, regexp: false };

describe('findMatches', () => {
  it('finds a plain query everywhere, ignoring case unless asked, with its special characters taken literally', () => {
    const text = 'f = x^2 + X^2; F(x^2)';
    expect(findMatches(text, { query: 'x^2', ...plain })).toEqual([
      { from: 4, to: 7 },
      { from: 10, to: 13 },
      { from: 17, to: 20 },
    ]);
    expect(findMatches(text, { query: 'x^2', caseSensitive: true, regexp: false })).toEqual([
      { from: 4, to: 7 },
      { from: 17, to: 20 },
    ]);
    expect(findMatches('a.b axb', { query: '.', ...plain })).toEqual([{ from: 1, to: 2 }]);
    expect(findMatches(text, { query: '', ...plain })).toEqual([]);
  });

  it('takes a regular expression, with ^ and $ at each line', () => {
    const text = 'R.<x> = QQ[]\nS.<y> = ZZ[]';
    expect(findMatches(text, { query: '[A-Z]{2}', caseSensitive: true, regexp: true })).toEqual([
      { from: 8, to: 10 },
      { from: 21, to: 23 },
    ]);
    expect(findMatches(text, { query: '^\\w', caseSensitive: true, regexp: true })).toEqual([
      { from: 0, to: 1 },
      { from: 13, to: 14 },
    ]);
  });

  it('matches nothing, and does not throw, for an invalid regular expression', () => {
    expect(findMatches('a(b', { query: 'a(', caseSensitive: false, regexp: true })).toEqual([]);
    expect(findMatches('a(b', { query: '[', caseSensitive: false, regexp: true })).toEqual([]);
  });

  it('skips empty matches and ends', () => {
    expect(findMatches('abc', { query: 'x*', caseSensitive: false, regexp: true })).toEqual([]);
    expect(findMatches('aXbXX', { query: 'X*', caseSensitive: true, regexp: true })).toEqual([
      { from: 1, to: 2 },
      { from: 3, to: 5 },
    ]);
    expect(findMatches('𝔽\n𝔽', { query: '$|^', caseSensitive: false, regexp: true })).toEqual([]);
  });

  it('counts offsets in UTF-16 units, with whole characters beyond the BMP', () => {
    const text = '𝔽 = GF(7); É é 𝔽';
    expect(findMatches(text, { query: '𝔽', ...plain })).toEqual([
      { from: 0, to: 2 },
      { from: 16, to: 18 },
    ]);
    expect(findMatches(text, { query: 'é', ...plain })).toEqual([
      { from: 12, to: 13 },
      { from: 14, to: 15 },
    ]);
    // `.` is a whole character, not half of one.
    expect(findMatches('𝔽', { query: '.', caseSensitive: false, regexp: true })).toEqual([{ from: 0, to: 2 }]);
  });
});

describe('find marks', () => {
  let view: EditorView | undefined;
  afterEach(() => view?.destroy());

  function editor(doc: string): EditorView {
    view = new EditorView({ parent: document.body, state: EditorState.create({ doc, extensions: findHighlight() }) });
    return view;
  }

  function show(find: Find | null) {
    const spec = showFind(view!.state, find);
    if (spec) view!.dispatch(spec);
  }

  const marked = (selector: string) => [...view!.contentDOM.querySelectorAll(selector)].map((el) => el.textContent);

  it('marks every match, and the current one more strongly', () => {
    editor('factor(x^2 - 1)\nfactor(120)');
    show({ query: 'FACTOR', ...plain, current: { from: 16, to: 22 } });
    expect(marked('.cm-find-match')).toEqual(['factor', 'factor']);
    expect(view!.contentDOM.querySelectorAll('.cm-find-current')).toHaveLength(1);
    expect(view!.contentDOM.querySelector('.cm-find-current')!.closest('.cm-line')!.textContent).toBe('factor(120)');
  });

  it('follows a changed query, and clears with null or an empty query', () => {
    editor('a = 1; b = 2');
    show({ query: 'a', ...plain, current: null });
    expect(marked('.cm-find-match')).toEqual(['a']);
    show({ query: '\\d', caseSensitive: false, regexp: true, current: null });
    expect(marked('.cm-find-match')).toEqual(['1', '2']);
    show({ query: '(', caseSensitive: false, regexp: true, current: null });
    expect(marked('.cm-find-match')).toEqual([]);
    show({ query: '\\d', caseSensitive: false, regexp: true, current: null });
    show(null);
    expect(marked('.cm-find-match')).toEqual([]);
    show({ query: '', ...plain, current: null });
    expect(marked('.cm-find-match')).toEqual([]);
  });

  it('keeps marking while the text is edited, the current match moving with its text', () => {
    editor('x = 1\ny = x');
    show({ query: 'x', ...plain, current: { from: 10, to: 11 } });
    view!.dispatch({ changes: { from: 0, insert: 'x0 = x\n' } });
    expect(marked('.cm-find-match')).toEqual(['x', 'x', 'x', 'x']);
    expect(marked('.cm-find-current')).toEqual(['x']);
    expect(view!.contentDOM.querySelector('.cm-find-current')!.closest('.cm-line')!.textContent).toBe('y = x');
  });

  it('does not move the cursor or take the focus, and asks for nothing when nothing changed', () => {
    editor('one two one');
    const find = { query: 'one', ...plain, current: { from: 8, to: 11 } };
    show(find);
    expect(view!.state.selection.main.head).toBe(0);
    expect(view!.hasFocus).toBe(false);
    expect(showFind(view!.state, { ...find, current: { ...find.current } })).toBeNull();
    // A current range outside the text (a stale one) marks the matches, nothing more.
    show({ ...find, current: { from: 8, to: 40 } });
    expect(marked('.cm-find-match')).toEqual(['one', 'one']);
    expect(marked('.cm-find-current')).toEqual([]);
  });
});
