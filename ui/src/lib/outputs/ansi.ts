// ANSI escape sequences in kernel text (IPython colours its tracebacks and
// help, programs colour their output): SGR sequences become styles, every
// other escape sequence and control character is dropped. Parsing can resume
// where it stopped, so a stream arriving in pieces, cut in the middle of a
// sequence, comes out as if it had arrived whole.

/** A palette index (0–15 as the theme's colours, 16–255 the xterm cube and greys) or `#rrggbb`. */
export type AnsiColor = number | string;

export interface AnsiStyle {
  fg: AnsiColor | null;
  bg: AnsiColor | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
  strike: boolean;
  hidden: boolean;
}

/** Where parsing stopped: the style in force and an escape sequence begun but not ended. */
export interface AnsiState {
  style: AnsiStyle;
  pending: string;
}

/** A run of text in one style. */
export interface AnsiSegment {
  text: string;
  style: AnsiStyle;
}

export const PLAIN: Readonly<AnsiStyle> = Object.freeze({
  fg: null,
  bg: null,
  bold: false,
  dim: false,
  italic: false,
  underline: false,
  inverse: false,
  strike: false,
  hidden: false,
});

export function initialState(): AnsiState {
  return { style: { ...PLAIN }, pending: '' };
}

export function isPlain(style: AnsiStyle): boolean {
  return (Object.keys(PLAIN) as Array<keyof AnsiStyle>).every((key) => style[key] === PLAIN[key]);
}

const ESC = '\x1b';
/** C0 controls other than tab and line feed, and DEL: never shown. */
const CONTROLS = /[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]/g;

/**
 * Splits `text` into styled segments, starting from `state` (which is not
 * changed); returns the segments and the state to continue from.
 */
export function parseAnsi(text: string, state: AnsiState = initialState()): { segments: AnsiSegment[]; state: AnsiState } {
  const input = state.pending + text;
  let style: AnsiStyle = { ...state.style };
  const segments: AnsiSegment[] = [];
  const emit = (piece: string) => {
    const clean = piece.replace(CONTROLS, '');
    if (clean === '') return;
    const last = segments[segments.length - 1];
    if (last && last.style === style) last.text += clean;
    else segments.push({ text: clean, style });
  };

  let at = 0;
  while (at < input.length) {
    const esc = input.indexOf(ESC, at);
    if (esc < 0) {
      emit(input.slice(at));
      at = input.length;
      break;
    }
    emit(input.slice(at, esc));
    const end = sequenceEnd(input, esc);
    if (end === null) {
      // Begun but not ended: kept for the next piece of text.
      return { segments, state: { style, pending: input.slice(esc) } };
    }
    const sequence = input.slice(esc, end);
    if (sequence.startsWith(`${ESC}[`) && sequence.endsWith('m')) {
      style = applySgr(style, sequence.slice(2, -1));
    }
    at = end;
  }
  return { segments, state: { style, pending: '' } };
}

/** The text without escape sequences and control characters. */
export function stripAnsi(text: string): string {
  return parseAnsi(text)
    .segments.map((segment) => segment.text)
    .join('');
}

/** Where the escape sequence at `start` ends (exclusive), or null if `text` ends first. */
function sequenceEnd(text: string, start: number): number | null {
  const kind = text[start + 1];
  if (kind === undefined) return null;
  if (kind === '[') {
    // CSI: parameter bytes 0x30–0x3f, intermediate bytes 0x20–0x2f, one final byte 0x40–0x7e.
    for (let i = start + 2; i < text.length; i += 1) {
      const code = text.charCodeAt(i);
      if (code >= 0x40 && code <= 0x7e) return i + 1;
      if (code < 0x20 || code > 0x3f) return i; // malformed: drop what came so far
    }
    return null;
  }
  if (kind === ']' || kind === 'P' || kind === '_' || kind === '^') {
    // OSC and other strings (hyperlinks, titles): end at BEL or ST (ESC \).
    for (let i = start + 2; i < text.length; i += 1) {
      if (text[i] === '\x07') return i + 1;
      if (text[i] === ESC) {
        if (i + 1 >= text.length) return null;
        return text[i + 1] === '\\' ? i + 2 : i;
      }
    }
    return null;
  }
  // Any other escape: ESC and one character.
  return start + 2;
}

/** The style after the SGR parameters `params` (`1;31`, `38;5;208`, `38:2:255:0:0`). */
export function applySgr(style: AnsiStyle, params: string): AnsiStyle {
  const next = { ...style };
  const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  for (let i = 0; i < codes.length; i += 1) {
    const code = codes[i];
    if (code === 0) Object.assign(next, PLAIN);
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 7) next.inverse = true;
    else if (code === 8) next.hidden = true;
    else if (code === 9) next.strike = true;
    else if (code === 22) next.bold = next.dim = false;
    else if (code === 23) next.italic = false;
    else if (code === 24) next.underline = false;
    else if (code === 27) next.inverse = false;
    else if (code === 28) next.hidden = false;
    else if (code === 29) next.strike = false;
    else if (code >= 30 && code <= 37) next.fg = code - 30;
    else if (code === 39) next.fg = null;
    else if (code >= 40 && code <= 47) next.bg = code - 40;
    else if (code === 49) next.bg = null;
    else if (code >= 90 && code <= 97) next.fg = code - 90 + 8;
    else if (code >= 100 && code <= 107) next.bg = code - 100 + 8;
    else if (code === 38 || code === 48) {
      const [color, used] = extendedColor(codes, i + 1);
      if (color !== undefined) {
        if (code === 38) next.fg = color;
        else next.bg = color;
      }
      i += used;
    }
  }
  return next;
}

/** `5;n` or `2;r;g;b` after a 38 or 48: the colour and how many codes it took. */
function extendedColor(codes: number[], at: number): [AnsiColor | undefined, number] {
  const mode = codes[at];
  if (mode === 5) {
    const n = codes[at + 1];
    return [Number.isInteger(n) && n >= 0 && n <= 255 ? n : undefined, 2];
  }
  if (mode === 2) {
    const rgb = codes.slice(at + 1, at + 4);
    if (rgb.length === 3 && rgb.every((c) => Number.isInteger(c) && c >= 0 && c <= 255)) {
      return [`#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`, 4];
    }
    return [undefined, 4];
  }
  return [undefined, 0];
}

/** The CSS colour of a palette entry from 16 up, or of an `#rrggbb` colour. */
export function cssColor(color: AnsiColor): string {
  if (typeof color === 'string') return color;
  if (color >= 232) {
    const level = 8 + (color - 232) * 10;
    return `rgb(${level}, ${level}, ${level})`;
  }
  const cube = color - 16;
  const levels = [0, 95, 135, 175, 215, 255];
  return `rgb(${levels[Math.floor(cube / 36)]}, ${levels[Math.floor(cube / 6) % 6]}, ${levels[cube % 6]})`;
}
