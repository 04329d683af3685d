//! A cell's outputs in the exported page, each in the representation the
//! window would show: the same order of preference
//! (`ui/src/lib/outputs/mime.ts`), maths first (typeset in the page),
//! images next, HTML in a sandboxed frame ([`super::frame`]), then
//! markdown, JSON and plain text. Outputs are read as the window reads
//! them ([`stored_output`]), whatever the file holds, but whole: an export
//! keeps everything the file has.

use serde_json::{Map, Value};

use crate::notebook::{MimeBundle, Output, stored_output};

use super::markdown::math_element;
use super::math::{Piece, has_math, math_only_html, split_math};
use super::{ansi, escape, frame, markdown};

/// How one rich output is shown.
#[derive(Debug, PartialEq)]
enum Rendering {
    Math(Vec<Piece>),
    Image {
        src: String,
        width: Option<String>,
        height: Option<String>,
    },
    Html(String),
    Markdown(String),
    /// A PDF document, as a link that saves it: its data URL and size.
    Pdf {
        src: String,
        bytes: usize,
    },
    Json(String),
    Text(String),
    /// None of its types can be shown: their names.
    Nothing(Vec<String>),
}

/// The HTML of a code cell's stored outputs; `math` is set when one of
/// them holds maths to typeset.
pub(crate) fn outputs_html(outputs: &[Map<String, Value>], math: &mut bool) -> String {
    let mut out = String::new();
    for stored in outputs {
        let (prompt, body) = match stored_output(stored) {
            Output::Stream { name, text, .. } => {
                let class = if name == "stderr" { "stderr" } else { "stdout" };
                (
                    None,
                    format!(
                        "<pre class=\"stream {class}\">{}</pre>",
                        ansi::to_html(&text)
                    ),
                )
            }
            Output::DisplayData { data, metadata, .. } => (None, rich(&data, &metadata, math)),
            Output::ExecuteResult {
                execution_count,
                data,
                metadata,
            } => (Some(execution_count), rich(&data, &metadata, math)),
            Output::Error {
                ename,
                evalue,
                traceback,
            } => {
                let text = if traceback.is_empty() {
                    format!("{ename}: {evalue}")
                } else {
                    traceback.join("\n")
                };
                (
                    None,
                    format!("<pre class=\"error\">{}</pre>", ansi::to_html(&text)),
                )
            }
        };
        let prompt = match prompt {
            Some(count) if count > 0 => format!("Out[{count}]:"),
            Some(_) => "Out[ ]:".to_owned(),
            None => String::new(),
        };
        out.push_str(&format!(
            "<div class=\"output\"><div class=\"prompt\">{prompt}</div><div class=\"output-body\">{body}</div></div>\n"
        ));
    }
    out
}

/// The HTML of a display or result with these data and metadata.
fn rich(data: &MimeBundle, metadata: &MimeBundle, math: &mut bool) -> String {
    match choose(data, metadata) {
        Rendering::Math(pieces) => {
            *math = true;
            let mut html = String::from("<div class=\"output-math\">");
            for piece in pieces {
                match piece {
                    Piece::Text(text) => escape::push_text(&mut html, &text),
                    Piece::Tex { tex, display } => html.push_str(&math_element(&tex, display)),
                }
            }
            html.push_str("</div>");
            html
        }
        Rendering::Image { src, width, height } => {
            let mut html = format!(
                "<img class=\"output-image\" alt=\"\" src=\"{}\"",
                escape::attr(&src)
            );
            for (name, value) in [("width", width), ("height", height)] {
                if let Some(value) = value {
                    html.push_str(&format!(" {name}=\"{value}\""));
                }
            }
            html.push('>');
            html
        }
        Rendering::Html(html) => frame::iframe(&html),
        Rendering::Markdown(source) => {
            let (html, has_math) = markdown::to_html(&source, None);
            *math |= has_math;
            format!("<div class=\"output-markdown\">{html}</div>")
        }
        Rendering::Pdf { src, bytes } => format!(
            "<a class=\"output-document\" download=\"output.pdf\" href=\"{}\">PDF document, {}</a>",
            escape::attr(&src),
            crate::size::decimal(bytes as u64)
        ),
        Rendering::Json(text) => {
            format!("<pre class=\"output-json\">{}</pre>", escape::text(&text))
        }
        Rendering::Text(text) => {
            format!("<pre class=\"output-text\">{}</pre>", ansi::to_html(&text))
        }
        Rendering::Nothing(mimes) => format!(
            "<div class=\"output-none\">an output this page cannot show ({})</div>",
            escape::text(&mimes.join(", "))
        ),
    }
}

/// The representation to show, richest first, as the window chooses it.
fn choose(data: &MimeBundle, metadata: &MimeBundle) -> Rendering {
    let text = |mime: &str| data.get(mime).and_then(Value::as_str);
    if let Some(latex) = text("text/latex") {
        let pieces = split_math(latex);
        if has_math(&pieces) {
            return Rendering::Math(pieces);
        }
    }
    if let Some(pieces) = text("text/html").and_then(math_only_html) {
        return Rendering::Math(pieces);
    }
    for mime in ["image/svg+xml", "image/png", "image/jpeg", "image/gif"] {
        if let Some(src) = text(mime).and_then(|data| escape::image_url(mime, data)) {
            let (width, height) = image_size(metadata, mime);
            return Rendering::Image { src, width, height };
        }
    }
    if let Some(html) = text("text/html") {
        return Rendering::Html(html.to_owned());
    }
    if let Some(source) = text("text/markdown") {
        return Rendering::Markdown(source.to_owned());
    }
    if let Some(Ok(pdf)) = text("application/pdf").map(super::document::pdf_bytes) {
        return Rendering::Pdf {
            src: format!("data:application/pdf;base64,{}", escape::base64(&pdf)),
            bytes: pdf.len(),
        };
    }
    if let Some(json) = data.get("application/json") {
        let pretty = serde_json::to_string_pretty(json).unwrap_or_else(|_| json.to_string());
        return Rendering::Json(pretty);
    }
    if let Some(plain) = text("text/plain") {
        return Rendering::Text(plain.to_owned());
    }
    Rendering::Nothing(data.keys().cloned().collect())
}

/// The width and height nbformat's metadata gives an image
/// (`metadata[mime].width`, or `metadata.width`), as attributes.
fn image_size(metadata: &MimeBundle, mime: &str) -> (Option<String>, Option<String>) {
    let source = match metadata.get(mime) {
        Some(Value::Object(entry)) => entry,
        _ => metadata,
    };
    let size = |key: &str| {
        source
            .get(key)
            .and_then(Value::as_f64)
            .and_then(escape::pixels)
    };
    (size("width"), size("height"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle(value: Value) -> MimeBundle {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    fn shown(outputs: Value) -> (String, bool) {
        let outputs: Vec<Map<String, Value>> = serde_json::from_value(outputs).unwrap();
        let mut math = false;
        (outputs_html(&outputs, &mut math), math)
    }

    #[test]
    fn the_window_s_order_of_representations_is_kept() {
        let sage_show = bundle(json!({
            "text/html": "<html>\\(\\displaystyle x^{2}\\)</html>",
            "text/latex": "$\\displaystyle x^{2}$",
            "text/plain": "x^2",
        }));
        assert_eq!(
            choose(&sage_show, &MimeBundle::new()),
            Rendering::Math(vec![Piece::Tex {
                tex: "\\displaystyle x^{2}".into(),
                display: false
            }])
        );
        let plot = bundle(json!({"image/png": "iVBORw0KGgo=\n", "text/plain": "Graphics object"}));
        assert_eq!(
            choose(
                &plot,
                &bundle(json!({"image/png": {"width": 400, "height": 300.2}}))
            ),
            Rendering::Image {
                src: "data:image/png;base64,iVBORw0KGgo=".into(),
                width: Some("400".into()),
                height: Some("300".into()),
            }
        );
        let table = bundle(json!({"text/html": "<table></table>", "text/plain": "t"}));
        assert_eq!(
            choose(&table, &MimeBundle::new()),
            Rendering::Html("<table></table>".into())
        );
        // text/latex with no maths in it is not taken.
        let latex = bundle(json!({"text/latex": "\\textbf{x}", "text/plain": "x"}));
        assert_eq!(
            choose(&latex, &MimeBundle::new()),
            Rendering::Text("x".into())
        );
        let gif = bundle(json!({"image/gif": "R0lGODlh", "text/plain": "Animation"}));
        assert!(
            matches!(choose(&gif, &MimeBundle::new()), Rendering::Image { src, .. } if src == "data:image/gif;base64,R0lGODlh")
        );
        // A PDF is a link that saves it, before its text; one that is not
        // a PDF is not linked.
        let pdf = bundle(json!({"application/pdf": "JVBERi0x\nLjQK", "text/plain": "<PDF>"}));
        assert_eq!(
            choose(&pdf, &MimeBundle::new()),
            Rendering::Pdf {
                src: "data:application/pdf;base64,JVBERi0xLjQK".into(),
                bytes: 9
            }
        );
        let (html, _) = shown(
            json!([{"output_type": "display_data", "metadata": {}, "data": {"application/pdf": "JVBERi0xLjQK"}}]),
        );
        assert!(html.contains("<a class=\"output-document\" download=\"output.pdf\" href=\"data:application/pdf;base64,JVBERi0xLjQK\">PDF document, 9 bytes</a>"), "{html}");
        let fake = bundle(json!({"application/pdf": "PGh0bWw+", "text/plain": "<PDF>"}));
        assert_eq!(
            choose(&fake, &MimeBundle::new()),
            Rendering::Text("<PDF>".into())
        );
        let widget = bundle(json!({"application/vnd.jupyter.widget-view+json": {"model_id": "1"}}));
        assert_eq!(
            choose(&widget, &MimeBundle::new()),
            Rendering::Nothing(vec!["application/vnd.jupyter.widget-view+json".into()])
        );
    }

    #[test]
    fn every_kind_of_output_is_shown_and_escaped() {
        let (html, math) = shown(json!([
            {"output_type": "stream", "name": "stdout", "text": ["a <b>\n", "c\n"]},
            {"output_type": "stream", "name": "stderr", "text": "warning\n"},
            {"output_type": "execute_result", "execution_count": 3, "data": {"text/plain": "7 < 8"}, "metadata": {}},
            {"output_type": "error", "ename": "ZeroDivisionError", "evalue": "x",
             "traceback": ["\u{1b}[0;31mZeroDivisionError\u{1b}[0m", "rational division by zero"]},
            {"output_type": "display_data", "data": {"text/html": "<script>alert(1)</script>"}, "metadata": {}},
            {"output_type": "widget_state"},
        ]));
        assert!(!math);
        assert!(
            html.contains("<pre class=\"stream stdout\">a &lt;b&gt;\nc\n</pre>"),
            "{html}"
        );
        assert!(
            html.contains("<pre class=\"stream stderr\">warning\n</pre>"),
            "{html}"
        );
        assert!(
            html.contains(
                "Out[3]:</div><div class=\"output-body\"><pre class=\"output-text\">7 &lt; 8</pre>"
            ),
            "{html}"
        );
        assert!(
            html.contains(
                "<span class=\"ansi-fg-1\">ZeroDivisionError</span>\nrational division by zero"
            ),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("<iframe class=\"html-output\""), "{html}");
        assert!(html.contains("which SageDesk cannot show"), "{html}");
    }

    #[test]
    fn maths_outputs_say_so() {
        let (html, math) = shown(json!([
            {"output_type": "execute_result", "execution_count": 1, "metadata": {},
             "data": {"text/latex": "$$\\int x^{2} \\sin\\left(x\\right)\\,{d x}$$", "text/plain": "..."}},
        ]));
        assert!(math);
        assert!(html.contains("<span class=\"math\" data-display=\"true\">\\int x^{2} \\sin\\left(x\\right)\\,{d x}</span>"), "{html}");
    }
}
