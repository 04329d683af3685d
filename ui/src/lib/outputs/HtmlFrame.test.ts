import { render } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { frameDocument } from './frame';
import { FRAME_POST_BURST, FRAME_POSTS_PER_SECOND, listenToFrame, PostBudget } from './framePosts';
import HtmlFrame from './HtmlFrame.svelte';

afterEach(() => {
  vi.useRealTimers();
});

/** Posts `data` to the window as the frame's page would. */
const post = (frame: HTMLIFrameElement, data: unknown) =>
  window.dispatchEvent(new MessageEvent('message', { data, source: frame.contentWindow }));

describe('what a frame may post', () => {
  it('is a burst, then a steady rate', () => {
    const budget = new PostBudget(0, 3, 10);
    expect([budget.take(0), budget.take(0), budget.take(0), budget.take(0)]).toEqual([true, true, true, false]);
    expect(budget.wait(0)).toBe(100);
    expect(budget.take(50)).toBe(false);
    expect(budget.wait(50)).toBe(50);
    expect(budget.take(100)).toBe(true);
    expect(budget.take(100)).toBe(false);
    // Time spent idle refills the burst, never beyond it.
    expect(budget.wait(10_000)).toBe(0);
    for (let i = 0; i < 3; i++) expect(budget.take(10_000)).toBe(true);
    expect(budget.take(10_000)).toBe(false);
    // A clock that goes back gives nothing.
    expect(budget.take(5_000)).toBe(false);
  });

  it('reaches the listener of its frame only', () => {
    const [a, b] = [document.createElement('iframe'), document.createElement('iframe')];
    document.body.append(a, b);
    const got: string[] = [];
    const stopA = listenToFrame(a.contentWindow!, (data) => got.push(`a:${data}`));
    const stopB = listenToFrame(b.contentWindow!, (data) => got.push(`b:${data}`));
    post(a, 1);
    post(b, 2);
    window.dispatchEvent(new MessageEvent('message', { data: 3, source: window }));
    window.dispatchEvent(new MessageEvent('message', { data: 4 }));
    stopA();
    post(a, 5);
    post(b, 6);
    stopB();
    post(b, 7);
    expect(got).toEqual(['a:1', 'b:2', 'b:6']);
    a.remove();
    b.remove();
  });
});

describe('an HTML output frame', () => {
  it('drops what its page posts beyond its budget, and applies the last height asked for later', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { container } = render(HtmlFrame, { html: '<p>x</p>' });
    flushSync();
    const frame = container.querySelector('iframe')!;
    const posted: unknown[] = [];
    frame.contentWindow!.postMessage = (message: unknown) => posted.push(message);

    // A script posting heights in a loop: the first ones within the burst
    // are applied, the rest dropped.
    for (let i = 0; i < 10_000; i++) post(frame, { sagedeskFrameHeight: 100 + i });
    flushSync();
    expect(frame.style.height).toBe(`${100 + FRAME_POST_BURST - 1}px`);
    // Its budget spent, even its page's "ready" is dropped.
    post(frame, { sagedeskFrameReady: true });
    expect(posted).toEqual([]);

    // Once the budget allows, the last height it asked for is applied.
    vi.advanceTimersByTime(Math.ceil(1000 / FRAME_POSTS_PER_SECOND));
    flushSync();
    expect(frame.style.height).toBe('2400px');

    // And in time, its page is answered, once.
    vi.advanceTimersByTime(1000);
    post(frame, { sagedeskFrameReady: true });
    post(frame, { sagedeskFrameReady: true });
    expect(posted).toEqual([{ sagedeskFrameDocument: frameDocument('<p>x</p>') }]);
  });

  it('stops listening when it goes', () => {
    const { container, unmount } = render(HtmlFrame, { html: '<p>x</p>' });
    flushSync();
    const frame = container.querySelector('iframe')!;
    const source = frame.contentWindow!;
    const posted: unknown[] = [];
    source.postMessage = (message: unknown) => posted.push(message);
    unmount();
    window.dispatchEvent(new MessageEvent('message', { data: { sagedeskFrameReady: true }, source }));
    expect(posted).toEqual([]);
  });
});
