import { describe, expect, it } from 'vitest';
import { applyFontSize, applyTheme } from './theme';

/** A stand-in for matchMedia's list whose preference the test changes. */
function systemPreference(dark: boolean) {
  const listeners = new Set<() => void>();
  const media = {
    matches: dark,
    addEventListener: (_: string, listener: () => void) => listeners.add(listener),
    removeEventListener: (_: string, listener: () => void) => listeners.delete(listener),
  };
  return {
    media: media as unknown as MediaQueryList,
    listeners,
    change(to: boolean) {
      media.matches = to;
      for (const listener of listeners) listener();
    },
  };
}

describe('applyTheme', () => {
  it('follows the system while the setting is "system", and stops when it is not', () => {
    const root = document.createElement('html');
    const system = systemPreference(false);
    applyTheme('system', root, system.media);
    expect(root.dataset.theme).toBe('light');
    system.change(true);
    expect(root.dataset.theme).toBe('dark');

    applyTheme('light', root, system.media);
    expect(root.dataset.theme).toBe('light');
    expect(system.listeners.size).toBe(0);
    system.change(false);
    system.change(true);
    expect(root.dataset.theme).toBe('light');

    applyTheme('dark', root, system.media);
    expect(root.dataset.theme).toBe('dark');
  });
});

describe('applyFontSize', () => {
  it('sizes the root, which everything is sized from', () => {
    const root = document.createElement('html');
    applyFontSize(20, root);
    expect(root.style.fontSize).toBe('20px');
  });
});
