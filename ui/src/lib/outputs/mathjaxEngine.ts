// MathJax 3, bundled (no CDN): TeX in, SVG out. SVG needs no web fonts (the
// glyphs are paths in the SVG), so nothing is fetched. Loaded on first use
// by mathjax.ts, so a window without maths never pays for it.
//
// Packages: what Sage's LaTeX output and course notes use. Left out on
// purpose: `html` (\href, \class, \style: links and styles from a notebook
// would act on the app's window) and `require`/`autoload` (which would load
// those on demand).

import { browserAdaptor } from 'mathjax-full/js/adaptors/browserAdaptor.js';
import { RegisterHTMLHandler } from 'mathjax-full/js/handlers/html.js';
import { TeX } from 'mathjax-full/js/input/tex.js';
import 'mathjax-full/js/input/tex/ams/AmsConfiguration.js';
import 'mathjax-full/js/input/tex/amscd/AmsCdConfiguration.js';
import 'mathjax-full/js/input/tex/base/BaseConfiguration.js';
import 'mathjax-full/js/input/tex/boldsymbol/BoldsymbolConfiguration.js';
import 'mathjax-full/js/input/tex/braket/BraketConfiguration.js';
import 'mathjax-full/js/input/tex/cancel/CancelConfiguration.js';
import 'mathjax-full/js/input/tex/color/ColorConfiguration.js';
import 'mathjax-full/js/input/tex/configmacros/ConfigMacrosConfiguration.js';
import 'mathjax-full/js/input/tex/newcommand/NewcommandConfiguration.js';
import 'mathjax-full/js/input/tex/noundefined/NoUndefinedConfiguration.js';
import 'mathjax-full/js/input/tex/verb/VerbConfiguration.js';
import { mathjax } from 'mathjax-full/js/mathjax.js';
import { SVG } from 'mathjax-full/js/output/svg.js';
import { adoptStyles } from '../styles';
import { EXTRA_MACROS, SAGE_MACROS } from './macros';

const PACKAGES = [
  'base',
  'ams',
  'amscd',
  'newcommand',
  'configmacros',
  'noundefined',
  'boldsymbol',
  'braket',
  'cancel',
  'color',
  'verb',
];

const adaptor = browserAdaptor();
RegisterHTMLHandler(adaptor);

const tex = new TeX({
  packages: PACKAGES,
  macros: { ...EXTRA_MACROS, ...SAGE_MACROS },
});
// `local`: each formula carries the glyphs it uses, so formulas can be
// added and removed one by one.
const svg = new SVG({ fontCache: 'local' });
const doc = mathjax.document(document, { InputJax: tex, OutputJax: svg });

let styled = false;

/**
 * The typeset formula: an `mjx-container` holding an SVG. A TeX error is
 * typeset as MathJax's red error message, as Jupyter shows it.
 */
export function typesetNow(source: string, display: boolean): HTMLElement {
  const node = doc.convert(source, { display, em: 16, ex: 8, containerWidth: 80 * 16 }) as HTMLElement;
  if (!styled) {
    styled = true;
    adoptStyles('mathjax-svg', adaptor.textContent(svg.styleSheet(doc) as HTMLElement));
  }
  return node;
}
