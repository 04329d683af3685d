import { mockConvertFileSrc } from '@tauri-apps/api/mocks';
import { beforeEach } from 'vitest';

// jsdom lays nothing out: CodeMirror measures text through Range rectangles,
// which jsdom does not have. Empty rectangles are what a hidden editor has.

const empty = (): DOMRect => new DOMRect(0, 0, 0, 0);
const emptyList = (): DOMRectList => {
  const list: DOMRect[] = [];
  return Object.assign(list, { item: (i: number) => list[i] ?? null }) as unknown as DOMRectList;
};

Range.prototype.getBoundingClientRect ??= empty;
Range.prototype.getClientRects ??= emptyList;

// jsdom has no matchMedia: a system that prefers light, and never changes.
if (!window.matchMedia) {
  window.matchMedia = (query: string) =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addEventListener: () => {},
      removeEventListener: () => {},
      addListener: () => {},
      removeListener: () => {},
      dispatchEvent: () => false,
    }) as MediaQueryList;
}

// Frames of HTML outputs load the shell's page, whose address the shell's
// internals give (convertFileSrc): as on Linux.
beforeEach(() => mockConvertFileSrc('linux'));
