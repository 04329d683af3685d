import { describe, expect, it } from 'vitest';
import { safeHtml } from './sanitize';

describe("a widget's HTML", () => {
  it('keeps markup that cannot act, and nothing that can', () => {
    const hostile =
      '<b>bold</b><script>parent.__TAURI_INTERNALS__</script><img src="x" onerror="alert(1)">' +
      '<a href="javascript:alert(1)">a</a><a href="https://doc.sagemath.org/">doc</a>' +
      '<iframe src="https://example.org"></iframe><div style="position:fixed;inset:0">over</div>' +
      '<form action="https://example.org"><input></form><table><tr><td colspan="2">$x^2$</td></tr></table>';
    const safe = safeHtml(hostile);
    expect(safe).toContain('<b>bold</b>');
    expect(safe).toContain('<a href="https://doc.sagemath.org/">doc</a>');
    expect(safe).toContain('<td colspan="2">$x^2$</td>');
    for (const gone of ['<script', 'onerror', 'javascript:', '<iframe', 'style=', '<form', '<input']) {
      expect(safe).not.toContain(gone);
    }
  });

  it('keeps images of the page and data, not from elsewhere by scheme tricks', () => {
    expect(safeHtml('<img src="data:image/png;base64,iVBO" alt="p">')).toBe('<img src="data:image/png;base64,iVBO" alt="p" />');
    expect(safeHtml('<a href="data:text/html,<script>x</script>">x</a>')).toBe('<a>x</a>');
  });
});
