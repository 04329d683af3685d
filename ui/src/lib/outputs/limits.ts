/**
 * Lines of a stream shown at full height; a longer stream is shown in a
 * scrolling box of bounded height (which follows new text while it is
 * scrolled to its end), with a button to show it all. The core already
 * keeps at most ~1,000 lines of a stream (500 first, 500 last).
 */
export const STREAM_VIEW_LINES = 200;
