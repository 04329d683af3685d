// Sage's LaTeX macros, as `sage.misc.latex_macros.sage_mathjax_macros()`
// gives them in SageMath 10.8 (read from the kernel of the app's image):
// Sage's own LaTeX output uses them (`\Bold{F}_{7}`, `\ZZ`), and people
// write them in markdown cells. `\lt` and `\gt` are MathJax built-ins.

/** A macro's body, or its body and number of arguments. */
export type Macro = string | [string, number];

export const SAGE_MACROS: Record<string, Macro> = {
  ZZ: '\\Bold{Z}',
  NN: '\\Bold{N}',
  RR: '\\Bold{R}',
  CC: '\\Bold{C}',
  QQ: '\\Bold{Q}',
  QQbar: '\\overline{\\QQ}',
  GF: ['\\Bold{F}_{#1}', 1],
  Zp: ['\\Bold{Z}_{#1}', 1],
  Qp: ['\\Bold{Q}_{#1}', 1],
  Zmod: ['\\ZZ/#1\\ZZ', 1],
  CDF: '\\Bold{C}',
  CIF: '\\Bold{C}',
  CLF: '\\Bold{C}',
  RDF: '\\Bold{R}',
  RIF: '\\Bold{I} \\Bold{R}',
  RLF: '\\Bold{R}',
  SL: '\\mathrm{SL}',
  PSL: '\\mathrm{PSL}',
  lcm: '\\mathop{\\operatorname{lcm}}',
  dist: '\\mathrm{dist}',
  im: '\\mathop{\\operatorname{im}}',
  rank: '\\mathop{\\operatorname{rank}}',
  PP: '\\Bold{P}',
  OO: '\\mathcal{O}',
  Bold: ['\\mathbf{#1}', 1],
};

/**
 * Macros people use in Sage notebooks that Sage does not define: Sage prints
 * a fraction field as `\mathrm{Frac}(…)`, but `\Frac` is common in course
 * notes.
 */
export const EXTRA_MACROS: Record<string, Macro> = {
  Frac: '\\operatorname{Frac}',
};
