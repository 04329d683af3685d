// Style sheets made at run time (MathJax's). The window's CSP allows style
// sheets from the app's own files only, so a <style> element made by script
// would be refused; a constructed sheet adopted by the document is not
// markup and is allowed (CodeMirror adds its styles the same way). Where
// constructed sheets are missing (older engines, jsdom), a <style> element.

const adopted = new Set<string>();

/** Adds `css` to the document once per `id`. */
export function adoptStyles(id: string, css: string, doc: Document = document): void {
  if (adopted.has(id)) return;
  adopted.add(id);
  const Sheet = doc.defaultView?.CSSStyleSheet;
  if (Sheet && 'adoptedStyleSheets' in doc && 'replaceSync' in Sheet.prototype) {
    const sheet = new Sheet();
    sheet.replaceSync(css);
    doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
    return;
  }
  const style = doc.createElement('style');
  style.id = id;
  style.textContent = css;
  doc.head.append(style);
}
