import { EditorState } from '@codemirror/state';
import { EditorView, runScopeHandlers } from '@codemirror/view';
import { afterEach, expect, it } from 'vitest';
import { splitKey } from './split';

let view: EditorView | undefined;
afterEach(() => view?.destroy());

function press(init: KeyboardEventInit & { keyCode?: number }): boolean {
  return runScopeHandlers(view!, new KeyboardEvent('keydown', { ctrlKey: true, ...init }), 'editor');
}

it('calls onsplit with the cursor offset at Ctrl+Shift+Minus, however the key is reported', () => {
  const offsets: number[] = [];
  const doc = '𝔽 = GF(7)\nx = 𝔽.gen()';
  view = new EditorView({
    parent: document.body,
    state: EditorState.create({ doc, selection: { anchor: doc.indexOf('x') }, extensions: splitKey((at) => offsets.push(at)) }),
  });
  const at = doc.indexOf('x'); // 11: 𝔽 counts as two
  // US layout in WebKitGTK and Chromium: '_' with the Minus key's code.
  expect(press({ key: '_', shiftKey: true, keyCode: 189 })).toBe(true);
  // Firefox's code for Minus; and no code at all.
  expect(press({ key: '_', shiftKey: true, keyCode: 173 })).toBe(true);
  expect(press({ key: '_', shiftKey: true })).toBe(true);
  // A layout whose minus needs Shift.
  expect(press({ key: '-', shiftKey: true, keyCode: 189 })).toBe(true);
  expect(offsets).toEqual([at, at, at, at]);
});

it('leaves Ctrl+Minus, without Shift, alone', () => {
  const offsets: number[] = [];
  view = new EditorView({ parent: document.body, state: EditorState.create({ doc: 'x', extensions: splitKey((at) => offsets.push(at)) }) });
  expect(press({ key: '-', keyCode: 189 })).toBe(false);
  expect(offsets).toEqual([]);
});
