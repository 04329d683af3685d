import { describe, expect, it } from 'vitest';
import { run } from '../kernel/fixtures';
import { renderMarkdown } from './markdown';
import { matchMathAt, mathOnlyHtml, splitMath } from './math';
import { choose, imageSource, mimeText } from './mime';

describe('choose', () => {
  it('typesets the LaTeX of %display latex rather than framing its HTML', () => {
    const [result] = run('run-latex').outputs;
    if (result.output_type !== 'execute_result') throw new Error('fixture changed');
    const rendering = choose(result.data);
    expect(rendering).toEqual({
      kind: 'math',
      mime: 'text/latex',
      pieces: [{ tex: '\\displaystyle -{\\left(x^{2} - 2\\right)} \\cos\\left(x\\right) + 2 \\, x \\sin\\left(x\\right)', display: false }],
    });
  });

  it("typesets Sage's maths-only HTML when there is no LaTeX", () => {
    expect(choose({ 'text/html': '<html>\\(\\displaystyle \\Bold{F}_{7}\\)</html>', 'text/plain': 'F7' })).toEqual({
      kind: 'math',
      mime: 'text/html',
      pieces: [{ tex: '\\displaystyle \\Bold{F}_{7}', display: false }],
    });
  });

  it('frames any other HTML, and prefers an image to it', () => {
    const table = '<table><tr><td>\\(1\\)</td></tr></table>';
    expect(choose({ 'text/html': table, 'text/plain': '1' })).toEqual({ kind: 'html', html: table });
    expect(choose({ 'text/html': '<b>x</b>', 'image/png': 'iVBO Rw==\n' })).toMatchObject({
      kind: 'image',
      mime: 'image/png',
      src: 'data:image/png;base64,iVBORw==',
    });
  });

  it('takes images in the order SVG, PNG, JPEG, with their size from the metadata', () => {
    expect(choose({ 'image/jpeg': '/9j/', 'image/png': 'iVBO' }, { 'image/png': { width: 320, height: 240 } })).toEqual({
      kind: 'image',
      mime: 'image/png',
      src: 'data:image/png;base64,iVBO',
      width: 320,
      height: 240,
    });
    expect(choose({ 'image/jpeg': '/9j/' })).toMatchObject({ mime: 'image/jpeg', src: 'data:image/jpeg;base64,/9j/' });
    // An animation from Sage's animate(...).show().
    expect(choose({ 'image/gif': 'R0lGOD lh', 'text/plain': 'Animation' })).toMatchObject({
      kind: 'image',
      mime: 'image/gif',
      src: 'data:image/gif;base64,R0lGODlh',
    });
    expect(choose({ 'image/svg+xml': ['<svg>', '</svg>'], 'image/png': 'x' })).toMatchObject({ mime: 'image/svg+xml' });
  });

  it('shows a widget before anything else, with its text for when the kernel does not have it', () => {
    const data = {
      'application/vnd.jupyter.widget-view+json': { model_id: 'abc', version_major: 2, version_minor: 0 },
      'text/plain': 'IntSlider(value=3)',
    };
    expect(choose(data)).toEqual({ kind: 'widget', mime: 'application/vnd.jupyter.widget-view+json', modelId: 'abc', text: 'IntSlider(value=3)' });
    // No model id: not a widget to show.
    expect(choose({ 'application/vnd.jupyter.widget-view+json': {}, 'text/plain': 't' })).toEqual({ kind: 'text', text: 't' });
  });

  it('offers a PDF, after images, HTML and markdown, when its data begins as a PDF does', () => {
    expect(choose({ 'application/pdf': 'JVBERi0x LjQK', 'text/plain': '<PDF>' })).toEqual({ kind: 'pdf', data: 'JVBERi0xLjQK', bytes: 9 });
    expect(choose({ 'application/pdf': 'JVBERi0xLjQKJeLjz9MK', 'image/png': 'iVBO' })).toMatchObject({ kind: 'image' });
    expect(choose({ 'application/pdf': 'PGh0bWw+', 'text/plain': '<PDF>' })).toEqual({ kind: 'text', text: '<PDF>' });
  });

  it('falls back to plain text; LaTeX without maths does not count', () => {
    expect(choose({ 'text/latex': '\\begin{tabular}{ll}a & b\\end{tabular}', 'text/plain': 'a b' })).toEqual({
      kind: 'text',
      text: 'a b',
    });
    expect(choose({ 'text/plain': ['274177 * ', '67280421310721'] })).toEqual({ kind: 'text', text: '274177 * 67280421310721' });
    expect(choose({ 'application/json': { a: 1 }, 'text/plain': '{}' })).toEqual({ kind: 'json', text: '{\n  "a": 1\n}' });
    expect(choose({ 'text/markdown': '**b**', 'text/plain': 'b' })).toEqual({ kind: 'markdown', source: '**b**' });
    expect(choose({ 'application/x-unknown': 'x' })).toEqual({ kind: 'none', mimes: ['application/x-unknown'] });
  });
});

describe('mimeText and imageSource', () => {
  it('joins nbformat line lists and refuses other values', () => {
    expect(mimeText(['a\n', 'b'])).toBe('a\nb');
    expect(mimeText(3)).toBeNull();
  });

  it('puts SVG into a URL as text, so it is shown as an image and never as markup', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
    const src = imageSource('image/svg+xml', svg);
    expect(src.startsWith('data:image/svg+xml;charset=utf-8,%3Csvg')).toBe(true);
    expect(decodeURIComponent(src.slice(src.indexOf(',') + 1))).toBe(svg);
  });
});

describe('maths in text', () => {
  it('finds every delimiter Jupyter knows', () => {
    expect(splitMath('a $x$ b $$y$$ \\(z\\) \\[w\\] \\begin{align}v\\end{align}')).toEqual([
      { text: 'a ' },
      { tex: 'x', display: false },
      { text: ' b ' },
      { tex: 'y', display: true },
      { text: ' ' },
      { tex: 'z', display: false },
      { text: ' ' },
      { tex: 'w', display: true },
      { text: ' ' },
      { tex: '\\begin{align}v\\end{align}', display: true },
    ]);
    expect(splitMath('costs \\$5')).toEqual([{ text: 'costs $5' }]);
  });

  it('leaves prices alone under the strict rules of prose', () => {
    expect(matchMathAt('$5 and $6', 0, true)).toBeNull();
    expect(matchMathAt('$ x$', 0, true)).toBeNull();
    expect(matchMathAt('$x$', 0, true)).toEqual({ tex: 'x', display: false, end: 3 });
  });

  it('takes HTML as maths only when it is nothing but maths and text', () => {
    expect(mathOnlyHtml('<html>\\(x &lt; y\\) &amp; more</html>')).toEqual([{ tex: 'x < y', display: false }, { text: ' & more' }]);
    expect(mathOnlyHtml('<html>\\(x\\)<script>alert(1)</script></html>')).toBeNull();
    expect(mathOnlyHtml('<img src=x onerror=alert(1)>\\(x\\)')).toBeNull();
    expect(mathOnlyHtml('no maths here')).toBeNull();
    // Sage before 9: MathJax 2's script elements.
    expect(mathOnlyHtml('<html><script type="math/tex; mode=display">\\frac{1}{2} < x</script></html>')).toEqual([
      { tex: '\\frac{1}{2} < x', display: true },
    ]);
    expect(mathOnlyHtml('<html>a <script type="math/tex">x</script> b</html>')).toEqual([
      { text: 'a ' },
      { tex: 'x', display: false },
      { text: ' b' },
    ]);
    expect(mathOnlyHtml('<script type="math/tex">x</script><b>bold</b>')).toBeNull();
    expect(mathOnlyHtml('<script type="text/javascript">alert(1)</script>')).toBeNull();
  });
});

describe('renderMarkdown', () => {
  it('renders markdown and keeps maths out of its way', () => {
    const html = renderMarkdown('# Title\n\nThe set $\\ZZ_{>0}$ and *emphasis*.\n\n$$\n\\int_0^1 x_i^2 \\, dx\n$$\n');
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<span class="md-math" data-display="false">\\ZZ_{&gt;0}</span>');
    expect(html).toContain('<em>emphasis</em>');
    expect(html).toContain('<div class="md-math" data-display="true">\n\\int_0^1 x_i^2 \\, dx\n</div>');
  });

  it('escapes raw HTML and refuses script links', () => {
    const html = renderMarkdown('<script>alert(1)</script> <img src=x onerror=alert(1)> [a](javascript:alert(1))');
    const div = document.createElement('div');
    div.innerHTML = html;
    expect(div.querySelector('script, img')).toBeNull();
    expect(div.querySelector('a')).toBeNull();
    expect(div.textContent).toContain('<script>alert(1)</script>');
  });

  it('does not take code for maths', () => {
    const html = renderMarkdown('`$x$` and\n\n```\n$$y$$\n```\n');
    expect(html).not.toContain('md-math');
  });
});
