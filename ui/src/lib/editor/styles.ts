// CodeMirror's styles under the window's CSP. CodeMirror hands its style
// modules to style-mod, which puts them in a <style> element for a document
// (and in a constructed, adopted sheet only for shadow roots); the CSP
// (`style-src 'self'`) refuses such an element, leaving editors unstyled.
// This makes style-mod use a constructed sheet for the document too, as
// lib/styles.ts does for MathJax: same modules, same order (a module
// mounted later wins), with `getRules()`, style-mod's public API.
// Engines without constructed sheets keep style-mod's own way.

import { StyleModule } from 'style-mod';

interface DocumentStyles {
  sheet: CSSStyleSheet;
  modules: StyleModule[];
}

const documents = new WeakMap<Document, DocumentStyles>();
let installed = false;

function adoptable(root: DocumentOrShadowRoot): root is Document {
  if (!(root instanceof Node) || root.nodeType !== Node.DOCUMENT_NODE) return false;
  const view = (root as Document).defaultView;
  return (
    !!view &&
    'adoptedStyleSheets' in root &&
    typeof view.CSSStyleSheet === 'function' &&
    'replaceSync' in view.CSSStyleSheet.prototype
  );
}

/** Mounts `modules` in `doc`'s constructed sheet, in style-mod's order. */
function mountInSheet(doc: Document, modules: StyleModule[]) {
  let styles = documents.get(doc);
  if (!styles) {
    styles = { sheet: new doc.defaultView!.CSSStyleSheet(), modules: [] };
    documents.set(doc, styles);
    doc.adoptedStyleSheets = [styles.sheet, ...doc.adoptedStyleSheets];
  }
  let changed = false;
  let next = 0;
  for (const module of modules) {
    let index = styles.modules.indexOf(module);
    if (index > -1 && index < next) {
      // Mounted before in another order: it moves to where it is asked for now.
      styles.modules.splice(index, 1);
      next -= 1;
      index = -1;
    }
    if (index === -1) {
      styles.modules.splice(next, 0, module);
      next += 1;
      changed = true;
    } else {
      next = index + 1;
    }
  }
  if (changed) styles.sheet.replaceSync(styles.modules.map((module) => module.getRules()).join('\n'));
}

/** Routes style-mod's document styles to a constructed sheet, once. */
export function installEditorStyles(): void {
  if (installed) return;
  installed = true;
  const mount = StyleModule.mount.bind(StyleModule);
  StyleModule.mount = (root, modules, options) => {
    if (!adoptable(root)) {
      mount(root, modules, options);
      return;
    }
    mountInSheet(root, Array.isArray(modules) ? modules : [modules]);
  };
}
