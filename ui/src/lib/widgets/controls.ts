// ipywidgets' controls, with the views that show a widget's HTML made
// safe: the HTML comes from the kernel, and a notebook's code is not
// trusted. It is sanitised (no scripts, handlers, styles, forms or
// frames), and its links open in the system's browser.

import * as controls from '@jupyter-widgets/controls';
import sanitizeHtml from 'sanitize-html';

export * from '@jupyter-widgets/controls';

/** The HTML a widget shows, kept to markup that cannot act. */
export function safeHtml(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'span', 'del', 'ins', 'sub', 'sup'],
    allowedAttributes: {
      a: ['href', 'title'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      td: ['colspan', 'rowspan'],
      th: ['colspan', 'rowspan'],
      '*': ['class'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['data'] },
  });
}

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
