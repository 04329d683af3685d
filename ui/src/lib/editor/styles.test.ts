import { StyleModule } from 'style-mod';
import { expect, it } from 'vitest';
import { installEditorStyles } from './styles';

it("puts CodeMirror's styles in an adopted sheet, in style-mod's order, with no <style> element", () => {
  // jsdom has constructed sheets but does not adopt them: give the document the property a browser has.
  Object.defineProperty(document, 'adoptedStyleSheets', { value: [], writable: true, configurable: true });
  installEditorStyles();
  const a = new StyleModule({ '.a': { color: 'red' } });
  const b = new StyleModule({ '.b': { color: 'blue' } });
  const c = new StyleModule({ '.c': { color: 'green' } });
  const order = () => [...document.adoptedStyleSheets[0].cssRules].map((rule) => (rule as CSSStyleRule).selectorText);

  StyleModule.mount(document, [a, b]);
  expect(document.adoptedStyleSheets).toHaveLength(1);
  expect(order()).toEqual(['.a', '.b']);
  // Asked for in another order: later modules win, as style-mod orders them.
  StyleModule.mount(document, [b, a]);
  expect(order()).toEqual(['.b', '.a']);
  StyleModule.mount(document, c);
  expect(order()).toEqual(['.c', '.b', '.a']);
  expect(document.adoptedStyleSheets).toHaveLength(1);
  expect(document.querySelector('style')).toBeNull();
});
