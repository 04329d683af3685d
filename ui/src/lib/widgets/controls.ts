// ipywidgets' controls, with the views that show a widget's HTML made
// safe: the HTML comes from the kernel, and a notebook's code is not
// trusted. It is sanitised (no scripts, handlers, styles, forms or
// frames), and its links open in the system's browser.

import * as controls from '@jupyter-widgets/controls';
import { safeHtml } from './sanitize';

export * from '@jupyter-widgets/controls';

export class HTMLView extends controls.HTMLView {
  update(): void {
    this.content.innerHTML = safeHtml(String(this.model.get('value') ?? ''));
    controls.StringView.prototype.update.call(this);
  }
}

export class HTMLMathView extends controls.HTMLMathView {
  update(): void {
    this.content.innerHTML = safeHtml(String(this.model.get('value') ?? ''));
    this.typeset(this.content);
    controls.StringView.prototype.update.call(this);
  }
}
