//! A notebook as one HTML file that shows it offline: each cell with its
//! prompts, markdown rendered, code monospaced, outputs as the window shows
//! them ([`super::outputs`]), maths typeset by the MathJax embedded in the
//! page ([`super::mathjax`]) when there is maths to typeset.
//!
//! Everything from the notebook is escaped ([`super::escape`]) or shown in
//! a sandboxed frame ([`super::frame`]). The page's Content-Security-Policy
//! fetches nothing: every image is a `data:` URL, every script and style
//! is inline, and those of the page are its own.

use crate::notebook::{CellKind, Notebook};

use super::{ansi, escape, frame, markdown, mathjax, outputs};

/// The page of `notebook`, titled `title` (its name).
pub(crate) fn page(notebook: &Notebook, title: &str) -> String {
    let mut math = false;
    let mut body = String::new();
    // Anchors by position: ids a notebook older than nbformat 4.5 is given
    // when read are new each time, and an export is the same each time.
    for (n, cell) in notebook.cells.iter().enumerate() {
        let id = n + 1;
        let source = cell.source_text();
        match &cell.kind {
            CellKind::Code {
                execution_count,
                outputs,
            } => {
                let count = execution_count.map_or(" ".to_owned(), |count| count.to_string());
                body.push_str(&format!(
                    "<section class=\"cell code\" id=\"cell-{id}\">\n\
                     <div class=\"input\"><div class=\"prompt\">In&nbsp;[{count}]:</div>\
                     <pre class=\"source\"><code>{}</code></pre></div>\n",
                    escape::text(&source)
                ));
                if !outputs.is_empty() {
                    body.push_str("<div class=\"outputs\">\n");
                    body.push_str(&outputs::outputs_html(outputs, &mut math));
                    body.push_str("</div>\n");
                }
                body.push_str("</section>\n");
            }
            CellKind::Markdown => {
                let (html, has_math) = markdown::to_html(&source, cell.attachments.as_ref());
                math |= has_math;
                body.push_str(&format!(
                    "<section class=\"cell markdown\" id=\"cell-{id}\">\n{html}</section>\n"
                ));
            }
            CellKind::Raw => body.push_str(&format!(
                "<section class=\"cell raw\" id=\"cell-{id}\"><pre>{}</pre></section>\n",
                escape::text(&source)
            )),
        }
    }
    let mut page =
        String::with_capacity(body.len() + if math { mathjax::BUNDLE.len() } else { 0 } + 8_192);
    page.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"SageDesk\">\n\
         <title>{}</title>\n<style>\n{STYLESHEET}{}</style>\n</head>\n<body>\n<main>\n",
        frame::POLICY,
        escape::text(title),
        ansi::STYLESHEET,
    ));
    page.push_str(&body);
    page.push_str("</main>\n");
    page.push_str(&format!("<script>{}</script>\n", frame::PAGE_SCRIPT));
    if math {
        page.push_str(&format!("<script>{}</script>\n", mathjax::notice()));
        page.push_str(&format!("<script>{}</script>\n", mathjax::CONFIG));
        page.push_str("<script>");
        page.push_str(mathjax::BUNDLE);
        page.push_str("</script>\n");
        page.push_str(&format!("<script>{}</script>\n", mathjax::TYPESET));
    }
    page.push_str("</body>\n</html>\n");
    page
}

/// The page's look: Jupyter's layout (prompts in a left column), light,
/// readable printed.
const STYLESHEET: &str = "\
:root{color-scheme:light;--prompt:9ch}\
body{margin:0;background:#fff;color:#1f2328;font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif}\
main{max-width:1100px;margin:0 auto;padding:24px 16px 64px}\
.cell{margin:0 0 14px}\
.input,.output{display:grid;grid-template-columns:var(--prompt) minmax(0,1fr);column-gap:8px}\
.prompt{font:13px/1.6 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:#6e7781;text-align:right;padding-top:6px;white-space:nowrap}\
.output .prompt{color:#bc4c00}\
pre{margin:0;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;overflow-wrap:anywhere}\
pre.source{background:#f6f8fa;border:1px solid #d0d7de;border-radius:4px;padding:6px 8px}\
.outputs{margin-top:4px}.output-body{padding:6px 0;min-width:0;overflow-x:auto}\
pre.stderr{background:#fff5f5;padding:4px 6px}pre.error{background:#fff5f5;padding:6px}\
.cell.markdown,.cell.raw{margin-left:calc(var(--prompt) + 8px)}\
.cell.markdown img,.output-image{max-width:100%;height:auto}\
.cell.markdown table{border-collapse:collapse}.cell.markdown td,.cell.markdown th{border:1px solid #d0d7de;padding:3px 8px}\
.cell.markdown code{background:#f6f8fa;padding:0 3px;border-radius:3px}\
.cell.markdown pre{background:#f6f8fa;padding:6px 8px}.cell.markdown pre code{padding:0}\
.cell.raw pre{color:#57606a}\
iframe.html-output{display:block;width:100%;height:160px;border:0}\
.math[data-display=true]{display:block;margin:.5em 0;text-align:center;overflow-x:auto}\
.output-math .math[data-display=true],.output-math mjx-container[display=true]{text-align:left!important}\
.output-none{color:#6e7781;font-style:italic}\
@media print{main{max-width:none;padding:0}pre.source{border-color:#bbb}section.cell{break-inside:avoid-page}}\n";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notebook::{Cell, Notebook};
    use serde_json::json;

    fn notebook(cells: Vec<Cell>) -> Notebook {
        let mut notebook = Notebook::new_sage("10.8");
        notebook.cells = cells;
        notebook
    }

    /// The page with the MathJax bundle cut out, for looking at.
    fn without_bundle(page: &str) -> String {
        page.replace(mathjax::BUNDLE, "[bundle]")
    }

    #[test]
    fn a_hostile_cell_cannot_leave_its_place() {
        let attack =
            "</script><script>alert(1)</script></code></pre><!-- <img src=x onerror=alert(2)>";
        let mut code = Cell::code("c1".into(), attack);
        code.set_nbformat_outputs(
            vec![json!({"output_type": "stream", "name": "stdout", "text": attack})],
            Some(1),
        );
        let page = page(
            &notebook(vec![
                code,
                Cell::markdown("m1".into(), &format!("{attack} $x$")),
                Cell::raw("r1".into(), attack),
            ]),
            "</title><script>alert(3)</script>",
        );
        let page = without_bundle(&page);
        // The page's own scripts only: the frame script, MathJax's notice,
        // configuration, bundle and typesetting.
        assert_eq!(page.matches("<script>").count(), 5, "{page}");
        assert!(!page.contains("<img"), "{page}");
        assert!(!page.contains("<!--"), "{page}");
        assert!(
            page.contains("<title>&lt;/title&gt;&lt;script&gt;alert(3)&lt;/script&gt;</title>")
        );
        assert_eq!(
            page.matches("&lt;/script&gt;&lt;script&gt;alert(1)")
                .count(),
            4,
            "{page}"
        );
    }

    #[test]
    fn mathjax_comes_only_with_maths() {
        let plain = page(&notebook(vec![Cell::code("c".into(), "1+1")]), "plain");
        assert!(!plain.contains(mathjax::BUNDLE));
        assert!(plain.len() < 20_000, "{}", plain.len());
        let maths = page(
            &notebook(vec![Cell::markdown("m".into(), "$x^2$")]),
            "maths",
        );
        assert!(maths.contains(mathjax::BUNDLE));
        assert!(maths.contains("<span class=\"math\" data-display=\"false\">x^2</span>"));
    }

    #[test]
    fn cells_have_their_prompts() {
        let mut run = Cell::code("c1".into(), "factor(2^64+1)");
        run.set_nbformat_outputs(
            vec![
                json!({"output_type": "execute_result", "execution_count": 4,
                        "data": {"text/plain": "274177 * 67280421310721"}, "metadata": {}}),
            ],
            Some(4),
        );
        let page = page(&notebook(vec![run, Cell::code("c2".into(), "")]), "t");
        assert!(
            page.contains(
                "In&nbsp;[4]:</div><pre class=\"source\"><code>factor(2^64+1)</code></pre>"
            )
        );
        assert!(page.contains("Out[4]:"));
        assert!(page.contains("274177 * 67280421310721"));
        assert!(page.contains("In&nbsp;[ ]:"));
        assert!(!page.contains("src=\"http"));
    }
}
