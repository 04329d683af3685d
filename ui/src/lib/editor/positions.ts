// Jupyter counts cursor positions in Unicode code points (protocol 5.2), the
// editor in UTF-16 code units: they differ after any character outside the
// Basic Multilingual Plane (𝔽, emoji).

/** The code-point offset of the UTF-16 offset `utf16` in `text`. */
export function toCodePoints(text: string, utf16: number): number {
  let points = 0;
  for (let i = 0; i < utf16 && i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < utf16) i += 1;
    points += 1;
  }
  return points;
}

/** The UTF-16 offset of the code-point offset `points` in `text` (clamped to its end). */
export function fromCodePoints(text: string, points: number): number {
  let i = 0;
  for (let n = 0; n < points && i < text.length; n += 1) {
    const code = text.charCodeAt(i);
    i += code >= 0xd800 && code <= 0xdbff && i + 1 < text.length ? 2 : 1;
  }
  return i;
}
