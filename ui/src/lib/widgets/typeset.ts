// TeX in a widget's text (its description, an HTMLMath value), typeset
// where it stands, by the window's MathJax.

import { hasMath, splitMath } from '../outputs/math';
import { renderMath } from '../outputs/mathjax';

/** Typesets the maths in `element`'s text, leaving its markup as it is. */
export async function typesetIn(element: HTMLElement): Promise<void> {
  const walker = element.ownerDocument.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) texts.push(node as Text);
  await Promise.all(
    texts.map(async (text) => {
      const pieces = splitMath(text.data);
      if (!hasMath(pieces)) return;
      const span = element.ownerDocument.createElement('span');
      text.replaceWith(span);
      await renderMath(span, pieces);
    }),
  );
}
