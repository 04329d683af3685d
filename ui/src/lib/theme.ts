// The window's light or dark look: `data-theme` on the root element, which
// app.css reads. "system" follows the system's preference as it changes.

import type { Theme } from './types';

const DARK = '(prefers-color-scheme: dark)';

/** Stops following the system's preference, when the last theme did. */
let stopFollowing = () => {};

/**
 * Applies `theme` to `root` now, and for "system" whenever the system's
 * preference changes, until the next call.
 */
export function applyTheme(
  theme: Theme,
  root: HTMLElement = document.documentElement,
  media: MediaQueryList = window.matchMedia(DARK),
): void {
  stopFollowing();
  const set = () => {
    root.dataset.theme = theme === 'system' ? (media.matches ? 'dark' : 'light') : theme;
  };
  set();
  if (theme === 'system') {
    media.addEventListener('change', set);
    stopFollowing = () => media.removeEventListener('change', set);
  } else {
    stopFollowing = () => {};
  }
}

/** Sizes the window's text (everything is sized from it): `fontSize` CSS pixels. */
export function applyFontSize(fontSize: number, root: HTMLElement = document.documentElement): void {
  root.style.fontSize = `${fontSize}px`;
}
