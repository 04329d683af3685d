// Markdown as Jupyter writes it, to HTML that is safe to put in the window:
// markdown-it with raw HTML off escapes every tag in the source and refuses
// `javascript:`-like links, so a notebook cannot inject markup or script.
// Maths (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`, `\begin{…}`) is cut out before
// markdown can mangle it (`_` and `*` are common in TeX) and left as
// `.md-math` elements holding the TeX as text, for MathJax to typeset.

import MarkdownIt, { type StateBlock, type StateInline } from 'markdown-it';
import { MATH_ENVIRONMENTS, matchMathAt } from './math';

const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

function mathInline(state: StateInline, silent: boolean): boolean {
  const ch = state.src[state.pos];
  if (ch !== '$' && ch !== '\\') return false;
  const math = matchMathAt(state.src, state.pos, true);
  if (!math || math.end > state.posMax) return false;
  if (!silent) {
    const token = state.push('math_inline', 'span', 0);
    token.content = math.tex;
    token.meta = { display: math.display };
  }
  state.pos = math.end;
  return true;
}

/** A display formula on lines of its own: `$$`, `\[` or `\begin{env}` at the start, its closer at the end. */
function mathBlock(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  if (state.sCount[startLine] - state.blkIndent >= 4) return false; // an indented code block
  const start = state.bMarks[startLine] + state.tShift[startLine];
  const first = state.src.slice(start, state.eMarks[startLine]);
  let opener: string;
  let closer: string;
  const env = /^\\begin\{([a-zA-Z]+\*?)\}/.exec(first);
  if (first.startsWith('$$')) [opener, closer] = ['$$', '$$'];
  else if (first.startsWith('\\[')) [opener, closer] = ['\\[', '\\]'];
  else if (env && MATH_ENVIRONMENTS.has(env[1])) [opener, closer] = [env[0], `\\end{${env[1]}}`];
  else return false;

  for (let line = startLine; line < endLine; line += 1) {
    const from = line === startLine ? start + opener.length : state.bMarks[line] + state.tShift[line];
    const text = state.src.slice(from, state.eMarks[line]);
    const at = text.indexOf(closer);
    if (at < 0) continue;
    if (text.slice(at + closer.length).trim() !== '') return false;
    if (silent) return true;
    const close = from + at;
    const token = state.push('math_block', 'div', 0);
    token.content = env ? state.src.slice(start, close + closer.length) : state.src.slice(start + opener.length, close);
    token.map = [startLine, line + 1];
    state.line = line + 1;
    return true;
  }
  return false;
}

md.inline.ruler.before('escape', 'math_inline', mathInline);
md.block.ruler.before('fence', 'math_block', mathBlock, { alt: ['paragraph', 'reference', 'blockquote', 'list'] });
md.renderer.rules.math_inline = (tokens, idx) => {
  const display = (tokens[idx].meta as { display: boolean }).display;
  return `<span class="md-math" data-display="${display}">${md.utils.escapeHtml(tokens[idx].content)}</span>`;
};
md.renderer.rules.math_block = (tokens, idx) =>
  `<div class="md-math" data-display="true">${md.utils.escapeHtml(tokens[idx].content)}</div>\n`;

/** The HTML of a markdown text, maths left as `.md-math` elements. */
export function renderMarkdown(source: string): string {
  return md.render(source);
}
