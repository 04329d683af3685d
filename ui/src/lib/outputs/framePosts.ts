// What HTML output frames may post to the window. A frame's script is the
// notebook's, so it may post anything, as often as it likes: the window
// listens once for all frames and hands each message to its frame's
// listener only (a message from anywhere else is dropped at once), and each
// frame has a budget of messages: a burst, then a steady rate. What it posts
// beyond that is dropped, so a frame posting in a loop costs the window a
// lookup a message, not the work its messages ask for.

/** Messages a frame may post at once. */
export const FRAME_POST_BURST = 20;
/** Messages a frame may post a second, once its burst is spent. */
export const FRAME_POSTS_PER_SECOND = 10;

/** A frame's budget of messages: a token bucket, with time passed in. */
export class PostBudget {
  #tokens: number;
  #at: number;

  constructor(
    now: number,
    readonly burst = FRAME_POST_BURST,
    readonly perSecond = FRAME_POSTS_PER_SECOND,
  ) {
    this.#tokens = burst;
    this.#at = now;
  }

  #refill(now: number): void {
    if (now > this.#at) {
      this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) * this.perSecond) / 1000);
    }
    this.#at = Math.max(this.#at, now);
  }

  /** Takes one message's worth at `now` (ms); false when the frame has posted too much. */
  take(now: number): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds from `now` until a message is allowed again (0: now). */
  wait(now: number): number {
    this.#refill(now);
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) * 1000) / this.perSecond);
  }
}

type Listener = (data: unknown) => void;

const listeners = new Map<MessageEventSource, Listener>();

function dispatch(event: MessageEvent): void {
  if (event.source) listeners.get(event.source)?.(event.data);
}

/**
 * Hands `listener` what the frame whose window is `source` posts to this
 * window; returns the way to stop.
 */
export function listenToFrame(source: MessageEventSource, listener: Listener): () => void {
  if (listeners.size === 0) window.addEventListener('message', dispatch);
  listeners.set(source, listener);
  return () => {
    if (listeners.get(source) !== listener) return;
    listeners.delete(source);
    if (listeners.size === 0) window.removeEventListener('message', dispatch);
  };
}
