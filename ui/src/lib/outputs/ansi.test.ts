import { describe, expect, it } from 'vitest';
import { run } from '../kernel/fixtures';
import { applySgr, cssColor, initialState, parseAnsi, PLAIN, stripAnsi } from './ansi';
import { appendAnsi, renderAnsi } from './ansiDom';

/** The segments as [text, what differs from plain] pairs, easier to read in assertions. */
function spans(text: string) {
  return parseAnsi(text).segments.map(({ text, style }) => {
    const styled = Object.fromEntries(
      Object.entries(style).filter(([key, value]) => value !== PLAIN[key as keyof typeof PLAIN]),
    );
    return [text, styled] as const;
  });
}

describe('parseAnsi', () => {
  it('turns SGR colours and resets into styles', () => {
    expect(spans('\x1b[31mZeroDivisionError\x1b[39m: rational division by zero')).toEqual([
      ['ZeroDivisionError', { fg: 1 }],
      [': rational division by zero', {}],
    ]);
    expect(spans('a\x1b[1;4;92mb\x1b[22mc\x1b[0md')).toEqual([
      ['a', {}],
      ['b', { bold: true, underline: true, fg: 10 }],
      ['c', { underline: true, fg: 10 }],
      ['d', {}],
    ]);
    expect(spans('\x1b[mplain')).toEqual([['plain', {}]]);
  });

  it('reads 256-colour and true-colour forms, with ; or :', () => {
    expect(spans('\x1b[38;5;208ma\x1b[48;2;0;128;255mb\x1b[38:2:1:2:3mc')).toEqual([
      ['a', { fg: 208 }],
      ['b', { fg: 208, bg: '#0080ff' }],
      ['c', { fg: '#010203', bg: '#0080ff' }],
    ]);
    expect(cssColor(208)).toBe('rgb(255, 135, 0)');
    expect(cssColor(16)).toBe('rgb(0, 0, 0)');
    expect(cssColor(244)).toBe('rgb(128, 128, 128)');
  });

  it('drops other escape sequences and control characters, keeps tabs and line breaks', () => {
    expect(stripAnsi('a\x1b[2K\x1b[1Gb\x1b]8;;https://x.org\x07link\x1b]8;;\x1b\\\x07\x00\tc\r\nd')).toBe('ablink\tc\nd');
  });

  it('carries the style and a sequence cut in two across pieces', () => {
    const first = parseAnsi('red: \x1b[3');
    expect(first.segments.map((s) => s.text)).toEqual(['red: ']);
    expect(first.state.pending).toBe('\x1b[3');
    const second = parseAnsi('1mhot\nstill', first.state);
    expect(second.segments).toEqual([{ text: 'hot\nstill', style: { ...PLAIN, fg: 1 } }]);
    const third = parseAnsi(' red\x1b[0m', second.state);
    expect(third.segments[0].style.fg).toBe(1);
    expect(third.state).toEqual(initialState());
  });

  it('keeps text that only looks like markup as text', () => {
    expect(stripAnsi('<script>alert(1)</script> &amp;')).toBe('<script>alert(1)</script> &amp;');
  });

  it('leaves the style it was given alone', () => {
    const style = { ...PLAIN };
    applySgr(style, '1;31');
    expect(style).toEqual(PLAIN);
  });
});

describe('ANSI in the DOM', () => {
  it('shows markup as text, never as elements', () => {
    const pre = document.createElement('pre');
    renderAnsi(pre, '\x1b[1m<img src=x onerror=alert(1)>\x1b[0m & <b>');
    expect(pre.textContent).toBe('<img src=x onerror=alert(1)> & <b>');
    expect(pre.querySelector('img, b')).toBeNull();
    expect(pre.querySelector('span.ansi-bold')?.textContent).toBe('<img src=x onerror=alert(1)>');
  });

  it('colours a real Sage traceback with theme classes', () => {
    const [error] = run('run-error').outputs;
    if (error.output_type !== 'error') throw new Error('fixture changed');
    const pre = document.createElement('pre');
    renderAnsi(pre, error.traceback.join('\n'));
    expect(pre.textContent).toContain('ZeroDivisionError: rational division by zero');
    expect(pre.textContent).not.toContain('\x1b');
    const red = [...pre.querySelectorAll('span.ansi-fg-1')].map((span) => span.textContent);
    expect(red).toContain('ZeroDivisionError');
  });

  it('uses the style object for colours beyond the 16 of the theme, and swaps for inverse', () => {
    const pre = document.createElement('pre');
    let state = appendAnsi(pre, '\x1b[38;5;208mo');
    state = appendAnsi(pre, '\x1b[7mi', state);
    const [orange, inverse] = pre.querySelectorAll('span');
    expect(orange.style.color).toBe('rgb(255, 135, 0)');
    expect(orange.getAttribute('class')).toBeNull();
    expect(inverse.style.backgroundColor).toBe('rgb(255, 135, 0)');
    expect(inverse.classList.contains('ansi-fg-inverse')).toBe(true);
    expect(state.style.inverse).toBe(true);
  });
});
