// A widget's HTML (the HTML and HTMLMath widgets' values) comes from the
// kernel, and a notebook's code is not trusted: what the window shows of
// it is kept to markup that cannot act.

import sanitizeHtml from 'sanitize-html';

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
