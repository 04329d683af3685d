// Finding TeX in text: `$…$`, `$$…$$`, `\(…\)`, `\[…\]` and
// `\begin{env}…\end{env}`, the delimiters Jupyter's front ends typeset. Used
// for `text/latex` outputs, Sage's maths-only `text/html`, and markdown.

/** Maths found in text: the TeX inside the delimiters, whether it is a display, and where it ends. */
export interface MathMatch {
  tex: string;
  display: boolean;
  end: number;
}

/** A piece of text: plain text, or maths to typeset. */
export type MathPiece = { text: string } | { tex: string; display: boolean };

/**
 * The maths starting at `pos` in `src`, if any. `strict` applies the rules
 * markdown needs so that prices stay text ("$5 and $6"): no space just inside
 * a single `$`, and no digit just after the closing one.
 */
export function matchMathAt(src: string, pos: number, strict = false): MathMatch | null {
  if (src.startsWith('$$', pos)) {
    const close = findUnescaped(src, '$$', pos + 2);
    if (close < 0 || close === pos + 2) return null;
    return { tex: src.slice(pos + 2, close), display: true, end: close + 2 };
  }
  if (src[pos] === '$') {
    const first = src[pos + 1];
    if (first === undefined || (strict && /\s/.test(first))) return null;
    let close = findUnescaped(src, '$', pos + 1);
    while (close >= 0 && strict && (/\s/.test(src[close - 1]) || /\d/.test(src[close + 1] ?? ''))) {
      close = findUnescaped(src, '$', close + 1);
    }
    if (close < 0 || close === pos + 1) return null;
    return { tex: src.slice(pos + 1, close), display: false, end: close + 1 };
  }
  if (src.startsWith('\\(', pos) || src.startsWith('\\[', pos)) {
    const display = src[pos + 1] === '[';
    const closer = display ? '\\]' : '\\)';
    const close = src.indexOf(closer, pos + 2);
    if (close < 0) return null;
    return { tex: src.slice(pos + 2, close), display, end: close + 2 };
  }
  const env = /^\\begin\{([a-zA-Z]+\*?)\}/.exec(src.slice(pos, pos + 40));
  if (env && MATH_ENVIRONMENTS.has(env[1])) {
    const closer = `\\end{${env[1]}}`;
    const close = src.indexOf(closer, pos + env[0].length);
    if (close < 0) return null;
    const end = close + closer.length;
    return { tex: src.slice(pos, end), display: true, end };
  }
  return null;
}

/** The environments that are maths on their own (MathJax typesets them); `tabular` and the like are not. */
export const MATH_ENVIRONMENTS = new Set(
  [
    'equation', 'align', 'gather', 'multline', 'flalign', 'alignat', 'eqnarray', 'xalignat', 'xxalignat',
  ]
    .flatMap((name) => [name, `${name}*`])
    .concat(['math', 'displaymath', 'split', 'array', 'matrix', 'pmatrix', 'bmatrix', 'Bmatrix', 'vmatrix', 'Vmatrix', 'smallmatrix', 'cases', 'CD']),
);

/** The next `needle` at or after `from` not preceded by a backslash. */
function findUnescaped(src: string, needle: string, from: number): number {
  let at = src.indexOf(needle, from);
  while (at > 0 && src[at - 1] === '\\') at = src.indexOf(needle, at + 1);
  return at;
}

/** Splits text into plain text and maths (lenient rules: for kernel output, not prose). */
export function splitMath(src: string): MathPiece[] {
  const pieces: MathPiece[] = [];
  let text = '';
  let at = 0;
  while (at < src.length) {
    const ch = src[at];
    const math = ch === '$' || ch === '\\' ? matchMathAt(src, at) : null;
    if (math) {
      if (text) pieces.push({ text });
      text = '';
      pieces.push({ tex: math.tex, display: math.display });
      at = math.end;
    } else if (ch === '\\' && src[at + 1] === '$') {
      text += '$';
      at += 2;
    } else {
      text += ch;
      at += 1;
    }
  }
  if (text) pieces.push({ text });
  return pieces;
}

/** Whether `pieces` hold maths at all. */
export function hasMath(pieces: MathPiece[]): boolean {
  return pieces.some((piece) => 'tex' in piece);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/**
 * The maths of an HTML output that is nothing but maths in text, as Sage's
 * `%display latex` and `show()` give it (`<html>\(\displaystyle …\)</html>`);
 * null for any other HTML, which goes to a sandboxed frame. Nothing of the
 * HTML is interpreted but the wrapper and character references: the result is
 * text and TeX.
 */
export function mathOnlyHtml(html: string): MathPiece[] | null {
  const inner = html
    .trim()
    .replace(/^<html>([\s\S]*)<\/html>$/i, '$1')
    .replace(/^<(div|span|p)>([\s\S]*)<\/\1>$/i, '$2')
    .trim();
  // Sage before 9 wrote its maths as MathJax 2's script elements.
  const pieces: MathPiece[] = [];
  let at = 0;
  for (const script of inner.matchAll(MATH_SCRIPT)) {
    const text = textPieces(inner.slice(at, script.index));
    if (text === null) return null;
    pieces.push(...text, { tex: script[2], display: script[1] !== undefined });
    at = script.index + script[0].length;
  }
  const rest = textPieces(inner.slice(at));
  if (rest === null) return null;
  pieces.push(...rest);
  return hasMath(pieces) ? pieces : null;
}

/** `<script type="math/tex">` and `<script type="math/tex; mode=display">`, with the TeX inside. */
const MATH_SCRIPT = /<script type="math\/tex(; ?mode=display)?">([\s\S]*?)<\/script>/gi;

/** Text with maths in it and no tags, as pieces; null if it holds a tag (it is real HTML). */
function textPieces(text: string): MathPiece[] | null {
  // Any tag, comment or doctype: real HTML.
  if (/<[a-zA-Z/!?]/.test(text)) return null;
  const decoded = text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
  return decoded ? splitMath(decoded) : [];
}
