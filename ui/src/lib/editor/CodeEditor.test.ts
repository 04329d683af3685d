import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import CodeEditor from './CodeEditor.svelte';

afterEach(cleanup);

const base = { language: 'python' as const, onchange: () => {}, onkey: () => false };
const splitPress = { key: '_', ctrlKey: true, shiftKey: true, keyCode: 189 };

function editorRoot(): HTMLElement {
  return screen.getByTestId('cell-editor').closest('.cm-editor') as HTMLElement;
}

describe('CodeEditor', () => {
  it('shows line numbers when asked, switching them live', async () => {
    const { rerender } = render(CodeEditor, { ...base, value: 'a = 1\nb = 2' });
    expect(editorRoot().querySelector('.cm-lineNumbers')).toBeNull();
    await rerender({ lineNumbers: true });
    const numbers = [...editorRoot().querySelectorAll('.cm-lineNumbers .cm-gutterElement')].map((el) => el.textContent);
    expect(numbers).toContain('2');
    await rerender({ lineNumbers: false });
    expect(editorRoot().querySelector('.cm-lineNumbers')).toBeNull();
  });

  it('splits at the cursor with Ctrl+Shift+Minus only when it has onsplit', async () => {
    const { rerender } = render(CodeEditor, { ...base, value: 'x = 1\ny = 2' });
    const content = screen.getByTestId('cell-editor');
    // Not handled: the event is not cancelled.
    expect(await fireEvent.keyDown(content, splitPress)).toBe(true);
    const onsplit = vi.fn();
    await rerender({ onsplit });
    expect(await fireEvent.keyDown(content, splitPress)).toBe(false);
    // The cursor starts at the beginning.
    expect(onsplit).toHaveBeenCalledWith(0);
  });

  it('marks what find shows, following the prop', async () => {
    const find = { query: 'x', caseSensitive: false, regexp: false, current: { from: 6, to: 7 } };
    const { rerender } = render(CodeEditor, { ...base, value: 'x = 1\nx = 2', find });
    await tick();
    const content = screen.getByTestId('cell-editor');
    expect(content.querySelectorAll('.cm-find-match')).toHaveLength(2);
    expect(content.querySelector('.cm-find-current')?.closest('.cm-line')?.textContent).toBe('x = 2');
    expect(content.contains(document.activeElement)).toBe(false);
    await rerender({ find: { ...find, query: '= 1', current: null } });
    expect([...content.querySelectorAll('.cm-find-match')].map((el) => el.textContent)).toEqual(['= 1']);
    expect(content.querySelector('.cm-find-current')).toBeNull();
    await rerender({ find: null });
    expect(content.querySelector('.cm-find-match')).toBeNull();
  });

  it('marks Sage syntax in code, not in text cells', async () => {
    render(CodeEditor, { ...base, value: 'R.<x> = QQ[]' });
    expect(screen.getByTestId('cell-editor').querySelector('.cm-sage-generators')?.textContent).toBe('.<x>');
    cleanup();
    render(CodeEditor, { ...base, language: 'text', value: 'R.<x> = QQ[]' });
    expect(screen.getByTestId('cell-editor').querySelector('.cm-sage-generators')).toBeNull();
  });
});
