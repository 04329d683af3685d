import { afterEach, describe, expect, it } from 'vitest';
import { frameDocument } from './frame';

/** A frame showing `html` in the document frameDocument makes, its scripts run. */
function show(html: string): Document {
  const frame = document.createElement('iframe');
  document.body.append(frame);
  const shown = frame.contentDocument!;
  shown.open();
  shown.write(frameDocument(html));
  shown.close();
  return shown;
}

/** Clicks `element` as a person would; true if the click went ahead (was not cancelled). */
function click(element: Element, button = 0): boolean {
  const view = element.ownerDocument.defaultView!;
  return element.dispatchEvent(new view.MouseEvent(button === 0 ? 'click' : 'auxclick', { bubbles: true, cancelable: true, button }));
}

afterEach(() => {
  document.body.replaceChildren();
});

describe("an HTML output's document", () => {
  it('does nothing on a click on a link that leaves it, and follows links within it', () => {
    const shown = show(
      '<a id="away" href="https://example.org/">away</a> <a id="blank" href="https://example.org/" target="_blank"><b>new</b></a>' +
        '<map><area id="area" href="https://example.org/"></map> <a id="within" href="#part">within</a> <a id="plain">no link</a>',
    );
    const byId = (id: string) => shown.getElementById(id)!;
    expect(click(byId('away'))).toBe(false);
    expect(click(byId('blank').querySelector('b')!)).toBe(false);
    expect(click(byId('area'))).toBe(false);
    expect(click(byId('blank'), 1)).toBe(false);
    expect(click(byId('within'))).toBe(true);
    expect(click(byId('plain'))).toBe(true);
  });

  it("keeps links from leaving when the output's own script runs first on clicks", () => {
    const shown = show(
      '<script>addEventListener("click", function (e) { e.stopImmediatePropagation(); }, true);</script>' +
        '<a id="blank" href="https://example.org/" target="_blank">new</a>',
    );
    expect(click(shown.getElementById('blank')!)).toBe(false);
  });
});

describe('maths in frames', () => {
  it('gives MathJax to frames whose text has TeX, and not to others', async () => {
    const { frameHasMath } = await import('./frame');
    expect(frameHasMath('<table><tr><td>\\(x^2\\)</td><td>$\\frac{1}{2}$</td></tr></table>')).toBe(true);
    expect(frameHasMath('<html><script type="math/tex; mode=display">x</script></html>')).toBe(true);
    expect(frameHasMath('<table><tr><td>1</td><td>2</td></tr></table>')).toBe(false);
    expect(frameDocument('<p>$x$</p>')).toContain('<script src="/mathjax.js"></script>');
    expect(frameDocument('<p>plain</p>')).not.toContain('mathjax');
  });
});
