import { afterEach, describe, expect, it, vi } from 'vitest';

import { LiveOutputs } from '../outputs/live.svelte';
import { CellWindow, estimateHeight, FIRST_DRAWN } from './window.svelte';

type Callback = (entries: Partial<IntersectionObserverEntry>[]) => void;

/** Stands in for the web view's IntersectionObserver: the test says what is on screen. */
class FakeObserver {
  static last: FakeObserver | null = null;
  watched = new Set<Element>();
  constructor(
    readonly callback: Callback,
    readonly options: IntersectionObserverInit,
  ) {
    FakeObserver.last = this;
  }
  observe(element: Element) {
    this.watched.add(element);
  }
  unobserve(element: Element) {
    this.watched.delete(element);
  }
  disconnect() {
    this.watched.clear();
  }
  report(target: Element, isIntersecting: boolean, height: number) {
    this.callback([{ target, isIntersecting, boundingClientRect: { height } as DOMRectReadOnly }]);
  }
}

const cell = (source: string, outputs: unknown[] = []) =>
  ({ id: 'c', cellType: 'code' as const, source, outputs: new LiveOutputs(outputs as never) }) as never;

describe('estimateHeight', () => {
  it('grows with the source and the outputs', () => {
    const one = estimateHeight(cell('x'));
    const three = estimateHeight(cell('x\ny\nz'));
    expect(three).toBeGreaterThan(one);
    const plotted = estimateHeight(cell('x', [{ output_type: 'display_data', data: { 'image/png': 'AA==' }, metadata: {} }]));
    expect(plotted - one).toBeGreaterThanOrEqual(300);
  });

  it('counts a long stream as the box that scrolls it', () => {
    const long = 'line\n'.repeat(10_000);
    const height = estimateHeight(cell('print', [{ output_type: 'stream', name: 'stdout', text: long }]));
    expect(height).toBeLessThan(1200);
  });
});

describe('CellWindow', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('draws every cell where the web view cannot tell what is on screen', () => {
    vi.stubGlobal('IntersectionObserver', undefined);
    const window = new CellWindow();
    expect(window.drawn('a', 500)).toBe(true);
  });

  it('draws the first cells until measured, then those near the screen, holding the height of the others', () => {
    vi.stubGlobal('IntersectionObserver', FakeObserver);
    const window = new CellWindow();
    const scroller = document.createElement('div');
    const near = document.createElement('div');
    const far = document.createElement('div');
    const stopNear = window.watch(near, 'near');
    window.watch(far, 'far');
    const detach = window.attach(scroller);
    const observer = FakeObserver.last!;
    expect(observer.options.root).toBe(scroller);
    expect(observer.watched.size).toBe(2);

    expect(window.drawn('near', 0)).toBe(true);
    expect(window.drawn('far', FIRST_DRAWN)).toBe(false);

    observer.report(far, true, 80);
    expect(window.drawn('far', FIRST_DRAWN)).toBe(true);
    observer.report(far, false, 420);
    expect(window.drawn('far', FIRST_DRAWN)).toBe(false);
    expect(window.heldHeight({ id: 'far' } as never)).toBe(420);

    window.everything = true;
    expect(window.drawn('far', FIRST_DRAWN)).toBe(true);

    stopNear();
    expect(observer.watched.has(near)).toBe(false);
    detach();
    expect(observer.watched.size).toBe(0);
  });
});
