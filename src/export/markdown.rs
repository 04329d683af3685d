//! A markdown cell as HTML, the maths in it left for MathJax.
//!
//! Markdown would mangle TeX (`_` and `*` are emphasis, `\\` an escaped
//! backslash, `\(` an escaped parenthesis), so maths is cut out first: each
//! span the window would typeset (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`,
//! `\begin{env}…\end{env}`, with the strict rules of prose, see
//! [`super::math`]) becomes a placeholder markdown leaves alone. After
//! pulldown-cmark has parsed the rest, a placeholder in text becomes a
//! maths element holding its TeX as text; one that turned out to be in
//! code, a URL, an image's description or raw HTML becomes its source
//! again, so code shows exactly what was written.
//!
//! As in the window, markdown is untrusted: raw HTML in it is shown as
//! text, links keep only schemes that navigate (`http`, `https`, `mailto`,
//! `ftp`, or none), and images are embedded or not shown: a cell's own
//! attachments and `data:` images become `data:` URLs, any other image is a
//! link to it, so the page fetches nothing.

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, html};
use serde_json::{Map, Value};

use super::escape;
use super::math::match_math_at;
use crate::notebook::joined_text;

/// What a placeholder stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Protected {
    Math {
        source: String,
        tex: String,
        display: bool,
    },
    /// A character placeholders are made of, found in the source itself.
    Literal(char),
}

impl Protected {
    fn source(&self) -> String {
        match self {
            Protected::Math { source, .. } => source.clone(),
            Protected::Literal(c) => c.to_string(),
        }
    }
}

/// Placeholders are `OPEN`, the index in decimal, `CLOSE`: characters of
/// Unicode's private use area, which markdown treats as letters.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// The HTML of the markdown `source`, and whether it holds maths;
/// `attachments` are the cell's (name → MIME bundle).
pub(crate) fn to_html(source: &str, attachments: Option<&Map<String, Value>>) -> (String, bool) {
    let (text, protected) = protect(source);
    let has_math = protected
        .iter()
        .any(|what| matches!(what, Protected::Math { .. }));
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_GFM;
    let mut code_depth = 0usize;
    // For each image open: whether it stays an image (or became a link).
    let mut images: Vec<bool> = Vec::new();
    let events = Parser::new_ext(&text, options).map(|event| match event {
        Event::Start(Tag::CodeBlock(kind)) => {
            code_depth += 1;
            Event::Start(Tag::CodeBlock(kind))
        }
        Event::End(TagEnd::CodeBlock) => {
            code_depth = code_depth.saturating_sub(1);
            Event::End(TagEnd::CodeBlock)
        }
        Event::Text(text) if code_depth > 0 || !images.is_empty() => {
            Event::Text(restore_source(&text, &protected).into())
        }
        Event::Text(text) => Event::InlineHtml(restore_math(&text, &protected).into()),
        Event::Code(code) => Event::Code(restore_source(&code, &protected).into()),
        // Raw HTML is shown as the text it is.
        Event::Html(raw) | Event::InlineHtml(raw) => {
            Event::Text(restore_source(&raw, &protected).into())
        }
        Event::Start(Tag::HtmlBlock) => Event::Start(Tag::Paragraph),
        Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::Paragraph),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: link_target(&restore_source(&dest_url, &protected)).into(),
            title: restore_source(&title, &protected).into(),
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let url = restore_source(&dest_url, &protected);
            let title: CowStr = restore_source(&title, &protected).into();
            match image_source(&url, attachments) {
                Some(data_url) => {
                    images.push(true);
                    Event::Start(Tag::Image {
                        link_type,
                        dest_url: data_url.into(),
                        title,
                        id,
                    })
                }
                None => {
                    images.push(false);
                    Event::Start(Tag::Link {
                        link_type: LinkType::Inline,
                        dest_url: link_target(&url).into(),
                        title,
                        id,
                    })
                }
            }
        }
        Event::End(TagEnd::Image) => match images.pop() {
            Some(false) => Event::End(TagEnd::Link),
            _ => Event::End(TagEnd::Image),
        },
        other => other,
    });
    let mut out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut out, events);
    (out, has_math)
}

/// `source` with its maths (and any placeholder characters it has of its
/// own) replaced by placeholders; and what each stands for.
fn protect(source: &str) -> (String, Vec<Protected>) {
    let mut text = String::with_capacity(source.len());
    let mut protected = Vec::new();
    let mut placeholder = |text: &mut String, what: Protected| {
        text.push(OPEN);
        text.push_str(&protected.len().to_string());
        text.push(CLOSE);
        protected.push(what);
    };
    let mut fence: Option<(u8, usize)> = None;
    let mut at = 0;
    while at < source.len() {
        let rest = &source[at..];
        let line_start = at == 0 || source.as_bytes()[at - 1] == b'\n';
        if line_start {
            // Fenced code is copied as it is, up to its closing fence.
            let line = &rest[..rest.find('\n').map_or(rest.len(), |end| end + 1)];
            if let Some((ch, len)) = fence_of(line) {
                match fence {
                    None => fence = Some((ch, len)),
                    Some((open, open_len))
                        if ch == open
                            && len >= open_len
                            && line.trim_start()[len..].trim().is_empty() =>
                    {
                        fence = None
                    }
                    Some(_) => {}
                }
                push_literal(&mut text, line, &mut placeholder);
                at += line.len();
                continue;
            }
            if fence.is_some() {
                push_literal(&mut text, line, &mut placeholder);
                at += line.len();
                continue;
            }
        }
        let c = rest.chars().next().expect("not at the end");
        match c {
            '`' => {
                // A code span, up to the closing run of as many backticks
                // within its paragraph; or the run itself.
                let run = rest.bytes().take_while(|b| *b == b'`').count();
                let end = code_span_end(rest, run).unwrap_or(run);
                push_literal(&mut text, &rest[..end], &mut placeholder);
                at += end;
            }
            '\\' if rest[1..].starts_with(['\\', '$']) => {
                text.push_str(&rest[..2]);
                at += 2;
            }
            '$' | '\\' => match match_math_at(source, at, true)
                .filter(|math| !has_blank_line(&source[at..math.end]))
            {
                Some(math) => {
                    placeholder(
                        &mut text,
                        Protected::Math {
                            source: source[at..math.end].to_owned(),
                            tex: math.tex,
                            display: math.display,
                        },
                    );
                    at = math.end;
                }
                None => {
                    text.push(c);
                    at += 1;
                }
            },
            OPEN | CLOSE => {
                placeholder(&mut text, Protected::Literal(c));
                at += c.len_utf8();
            }
            c => {
                text.push(c);
                at += c.len_utf8();
            }
        }
    }
    (text, protected)
}

/// Copies `literal` (code) into `text`, only the placeholder characters in
/// it replaced.
fn push_literal(
    text: &mut String,
    literal: &str,
    placeholder: &mut impl FnMut(&mut String, Protected),
) {
    for c in literal.chars() {
        if c == OPEN || c == CLOSE {
            placeholder(text, Protected::Literal(c));
        } else {
            text.push(c);
        }
    }
}

/// The fence character and length if `line` opens or closes fenced code
/// (up to three spaces, then three or more backticks or tildes).
fn fence_of(line: &str) -> Option<(u8, usize)> {
    let indent = line.bytes().take_while(|b| *b == b' ').count();
    if indent > 3 {
        return None;
    }
    let rest = &line.as_bytes()[indent..];
    let ch = *rest.first().filter(|c| **c == b'`' || **c == b'~')?;
    let len = rest.iter().take_while(|b| **b == ch).count();
    (len >= 3).then_some((ch, len))
}

/// The end of the code span opened by the run of `run` backticks at the
/// start of `text`: past the next run of exactly as many, before a blank
/// line.
fn code_span_end(text: &str, run: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = run;
    while at < bytes.len() {
        if bytes[at] == b'`' {
            let len = bytes[at..].iter().take_while(|b| **b == b'`').count();
            if len == run {
                return Some(at + len);
            }
            at += len;
        } else if bytes[at] == b'\n' && blank_line_follows(&text[at + 1..]) {
            return None;
        } else {
            at += 1;
        }
    }
    None
}

/// Whether the line starting `text` is blank and ended by a line break.
fn blank_line_follows(text: &str) -> bool {
    let rest = text.trim_start_matches([' ', '\t']);
    rest.starts_with('\n') || rest.starts_with("\r\n")
}

/// Whether `text` holds a blank line: no maths or code span crosses one.
fn has_blank_line(text: &str) -> bool {
    text.match_indices('\n')
        .any(|(at, _)| blank_line_follows(&text[at + 1..]))
}

/// The placeholders in `text` found: (start, end, index).
fn placeholders(text: &str) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    text.match_indices(OPEN).filter_map(|(start, _)| {
        let after = start + OPEN.len_utf8();
        let digits = text[after..].bytes().take_while(u8::is_ascii_digit).count();
        let close = after + digits;
        (digits > 0 && text[close..].starts_with(CLOSE))
            .then(|| {
                (
                    start,
                    close + CLOSE.len_utf8(),
                    text[after..close].parse().ok(),
                )
            })
            .and_then(|(start, end, index)| Some((start, end, index?)))
    })
}

/// `text` with every placeholder back as the source it stood for.
fn restore_source(text: &str, protected: &[Protected]) -> String {
    restore(
        text,
        protected,
        |out, what| out.push_str(&what.source()),
        |out, plain| out.push_str(plain),
    )
}

/// `text` (markdown's text, not yet escaped) as HTML: placeholders of maths
/// as maths elements, the rest escaped.
fn restore_math(text: &str, protected: &[Protected]) -> String {
    restore(
        text,
        protected,
        |out, what| match what {
            Protected::Math { tex, display, .. } => out.push_str(&math_element(tex, *display)),
            Protected::Literal(c) => escape::push_text(out, &c.to_string()),
        },
        escape::push_text,
    )
}

fn restore(
    text: &str,
    protected: &[Protected],
    mut placeholder: impl FnMut(&mut String, &Protected),
    mut plain: impl FnMut(&mut String, &str),
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for (start, end, index) in placeholders(text) {
        let Some(what) = protected.get(index) else {
            continue;
        };
        plain(&mut out, &text[from..start]);
        placeholder(&mut out, what);
        from = end;
    }
    plain(&mut out, &text[from..]);
    out
}

/// The element MathJax typesets: the TeX as text, so that it shows as
/// written where MathJax does not run.
pub(crate) fn math_element(tex: &str, display: bool) -> String {
    format!(
        "<span class=\"math\" data-display=\"{display}\">{}</span>",
        escape::text(tex)
    )
}

/// Where a link may go: `http`, `https`, `mailto` and `ftp` URLs, and
/// relative ones; any other scheme (`javascript:`, `data:`, …) goes nowhere.
pub(crate) fn link_target(url: &str) -> String {
    // Browsers drop tabs and line breaks anywhere in a URL, and controls
    // and spaces at its ends, before they read its scheme.
    let url: String = url
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let url = url.trim_matches(|c: char| c <= ' ');
    let scheme_end = url
        .find(':')
        .filter(|colon| !url[..*colon].contains(['/', '?', '#']));
    match scheme_end {
        None => url.to_owned(),
        Some(colon) => {
            let scheme = url[..colon].to_ascii_lowercase();
            if ["http", "https", "mailto", "ftp"].contains(&scheme.as_str()) {
                url.to_owned()
            } else {
                "#".to_owned()
            }
        }
    }
}

/// The `data:` URL an image of markdown is shown from: one of the cell's
/// attachments (`attachment:NAME`), or an image already given as a `data:`
/// URL of a raster type or SVG. `None` for anything the page would have to
/// fetch.
fn image_source(url: &str, attachments: Option<&Map<String, Value>>) -> Option<String> {
    if let Some(name) = url.strip_prefix("attachment:") {
        let Value::Object(bundle) = attachments?.get(name)? else {
            return None;
        };
        return ["image/png", "image/jpeg", "image/gif", "image/svg+xml"]
            .into_iter()
            .find_map(|mime| escape::image_url(mime, &joined_text(bundle.get(mime)?)?));
    }
    let lower = url.trim().to_ascii_lowercase();
    let image = ["png", "jpeg", "gif", "webp", "svg+xml"]
        .iter()
        .any(|kind| lower.starts_with(&format!("data:image/{kind};")));
    (image && !url.contains(['"', '<', '>'])).then(|| url.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn md(source: &str) -> String {
        to_html(source, None).0
    }

    #[test]
    fn maths_is_kept_from_markdown_as_written() {
        assert_eq!(
            md("Let $a_1 * b_2 = c_1 * d_2$ hold."),
            "<p>Let <span class=\"math\" data-display=\"false\">a_1 * b_2 = c_1 * d_2</span> hold.</p>\n"
        );
        assert_eq!(
            md("$$\n\\begin{pmatrix} a \\\\ b \\end{pmatrix}\n$$"),
            "<p><span class=\"math\" data-display=\"true\">\n\\begin{pmatrix} a \\\\ b \\end{pmatrix}\n</span></p>\n"
        );
        assert_eq!(
            md("\\(x\\) and \\[y\\] and \\begin{align}a&=b\\end{align}"),
            "<p><span class=\"math\" data-display=\"false\">x</span> and \
             <span class=\"math\" data-display=\"true\">y</span> and \
             <span class=\"math\" data-display=\"true\">\\begin{align}a&amp;=b\\end{align}</span></p>\n"
        );
        // TeX is text: markup in it is escaped.
        assert_eq!(
            md("$a < b$"),
            "<p><span class=\"math\" data-display=\"false\">a &lt; b</span></p>\n"
        );
    }

    #[test]
    fn prices_escapes_and_code_are_not_maths() {
        assert_eq!(md("$5 and $6"), "<p>$5 and $6</p>\n");
        assert_eq!(md("\\$x\\$"), "<p>$x$</p>\n");
        assert_eq!(md("`$x$` and $y$").matches("class=\"math\"").count(), 1);
        assert!(md("`$x$` and $y$").contains("<code>$x$</code>"));
        assert_eq!(
            md("```\n$x_1$ \\(y\\)\n```\n"),
            "<pre><code>$x_1$ \\(y\\)\n</code></pre>\n"
        );
        // Indented code: the placeholder found there is its source again.
        assert_eq!(md("    $x_1$\n"), "<pre><code>$x_1$\n</code></pre>\n");
        // A span does not cross a paragraph.
        assert_eq!(md("$a\n\nb$"), "<p>$a</p>\n<p>b$</p>\n");
    }

    #[test]
    fn markup_in_markdown_is_text_and_links_go_nowhere_dangerous() {
        let html = md("<script>alert(1)</script>\n\nhi <img src=x onerror=alert(1)>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        let html = md(
            "[a](javascript:alert(1)) [b](JaVa\tScRiPt:x) [c](https://sagemath.org) [d](other.ipynb)",
        );
        assert!(!html.to_lowercase().contains("javascript"), "{html}");
        assert!(html.contains("href=\"https://sagemath.org\""), "{html}");
        assert!(html.contains("href=\"other.ipynb\""), "{html}");
        assert_eq!(link_target(" data:text/html,x"), "#");
        assert_eq!(link_target("/a:b"), "/a:b");
    }

    #[test]
    fn images_are_embedded_or_linked_never_fetched() {
        let attachments = json!({
            "p.png": {"image/png": "iVBORw0KGgo="},
            "s.svg": {"image/svg+xml": ["<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n"]},
        });
        let html = to_html(
            "![pixel](attachment:p.png) ![shape](attachment:s.svg) ![web](https://x.org/a.png \"t\") ![gone](attachment:none.png)",
            attachments.as_object(),
        )
        .0;
        assert!(
            html.contains("<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"pixel\""),
            "{html}"
        );
        assert!(
            html.contains("<img src=\"data:image/svg+xml;base64,"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"https://x.org/a.png\" title=\"t\">web</a>"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"attachment:none.png\">gone</a>") || html.contains(">gone</a>"),
            "{html}"
        );
        assert!(!html.contains("src=\"http"), "{html}");
        // Maths in an image's description is its source.
        assert!(md("![$x$](https://x.org/a.png)").contains(">$x$</a>"));
    }

    #[test]
    fn the_placeholder_characters_in_a_source_are_kept() {
        let source = "\u{E000}0\u{E001} $x$ `\u{E000}`";
        let html = md(source);
        assert!(
            html.contains("\u{E000}0\u{E001} <span class=\"math\""),
            "{html}"
        );
        assert!(html.contains("<code>\u{E000}</code>"), "{html}");
    }

    #[test]
    fn tables_and_lists_keep_their_maths() {
        let html = md("| a | b |\n|---|---|\n| $x|y$ | $\\alpha$ |\n\n- $x_1$\n- $x_2$\n");
        assert_eq!(html.matches("class=\"math\"").count(), 4, "{html}");
        assert!(
            html.contains("<td><span class=\"math\" data-display=\"false\">x|y</span></td>"),
            "{html}"
        );
    }
}
