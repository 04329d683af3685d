//! Finding TeX in text: `$…$`, `$$…$$`, `\(…\)`, `\[…\]` and
//! `\begin{env}…\end{env}`, the delimiters Jupyter's front ends typeset.
//! The same rules as the window's (`ui/src/lib/outputs/math.ts`), so a
//! notebook's maths is found the same way in the app and in its export.
//! Used for `text/latex` outputs, Sage's maths-only `text/html` and markdown.
//!
//! Every delimiter is ASCII, so byte offsets found here are always at
//! character boundaries.

/// Maths found in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MathMatch {
    /// The TeX inside the delimiters (an environment keeps its `\begin` and
    /// `\end`: MathJax typesets them).
    pub tex: String,
    pub display: bool,
    /// The byte just past the closing delimiter.
    pub end: usize,
}

/// A piece of text: plain text, or maths to typeset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Text(String),
    Tex { tex: String, display: bool },
}

/// The environments that are maths on their own; `tabular` and the like
/// are not.
const MATH_ENVIRONMENTS: &[&str] = &[
    "equation",
    "align",
    "gather",
    "multline",
    "flalign",
    "alignat",
    "eqnarray",
    "xalignat",
    "xxalignat",
    "math",
    "displaymath",
    "split",
    "array",
    "matrix",
    "pmatrix",
    "bmatrix",
    "Bmatrix",
    "vmatrix",
    "Vmatrix",
    "smallmatrix",
    "cases",
    "CD",
];

/// Whether `name` (`align*` included) is a maths environment.
fn is_math_environment(name: &str) -> bool {
    let starred = name.strip_suffix('*');
    MATH_ENVIRONMENTS.contains(&name)
        || starred.is_some_and(|base| MATH_ENVIRONMENTS[..9].contains(&base))
}

/// The `\begin{name}` at the start of `src`, if there is one: its name and
/// its length.
pub(crate) fn begin_environment(src: &str) -> Option<(&str, usize)> {
    let rest = src.strip_prefix("\\begin{")?;
    let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters == 0 {
        return None;
    }
    let star = usize::from(rest.as_bytes().get(letters) == Some(&b'*'));
    let name = &rest[..letters + star];
    (rest.as_bytes().get(letters + star) == Some(&b'}') && is_math_environment(name))
        .then_some((name, "\\begin{".len() + name.len() + 1))
}

/// The maths starting at byte `pos` of `src`, if any. `strict` applies the
/// rules prose needs so that prices stay text ("$5 and $6"): no space just
/// inside a single `$`, and no digit just after the closing one.
pub(crate) fn match_math_at(src: &str, pos: usize, strict: bool) -> Option<MathMatch> {
    let rest = &src[pos..];
    let bytes = src.as_bytes();
    if rest.starts_with("$$") {
        let close = find_unescaped(src, "$$", pos + 2)?;
        if close == pos + 2 {
            return None;
        }
        return Some(MathMatch {
            tex: src[pos + 2..close].to_owned(),
            display: true,
            end: close + 2,
        });
    }
    if let Some(after) = rest.strip_prefix('$') {
        let first = after.chars().next()?;
        if strict && first.is_whitespace() {
            return None;
        }
        let mut close = find_unescaped(src, "$", pos + 1);
        while let Some(at) = close {
            let before = src[..at].chars().next_back();
            let after = bytes.get(at + 1);
            if strict
                && (before.is_some_and(char::is_whitespace)
                    || after.is_some_and(u8::is_ascii_digit))
            {
                close = find_unescaped(src, "$", at + 1);
            } else {
                break;
            }
        }
        let close = close?;
        if close == pos + 1 {
            return None;
        }
        return Some(MathMatch {
            tex: src[pos + 1..close].to_owned(),
            display: false,
            end: close + 1,
        });
    }
    if rest.starts_with("\\(") || rest.starts_with("\\[") {
        let display = bytes[pos + 1] == b'[';
        let closer = if display { "\\]" } else { "\\)" };
        let close = pos + 2 + src[pos + 2..].find(closer)?;
        return Some(MathMatch {
            tex: src[pos + 2..close].to_owned(),
            display,
            end: close + 2,
        });
    }
    let (name, opener) = begin_environment(rest)?;
    let closer = format!("\\end{{{name}}}");
    let close = pos + opener + src[pos + opener..].find(&closer)?;
    let end = close + closer.len();
    Some(MathMatch {
        tex: src[pos..end].to_owned(),
        display: true,
        end,
    })
}

/// The next `needle` at or after `from` not preceded by a backslash.
fn find_unescaped(src: &str, needle: &str, from: usize) -> Option<usize> {
    let mut at = from + src.get(from..)?.find(needle)?;
    while at > 0 && src.as_bytes()[at - 1] == b'\\' {
        at = at + 1 + src[at + 1..].find(needle)?;
    }
    Some(at)
}

/// Splits text into plain text and maths (lenient rules: for kernel
/// output, not prose). `\$` is a dollar sign.
pub(crate) fn split_math(src: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut at = 0;
    while at < src.len() {
        let rest = &src[at..];
        let math = match rest.as_bytes()[0] {
            b'$' | b'\\' => match_math_at(src, at, false),
            _ => None,
        };
        if let Some(math) = math {
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            pieces.push(Piece::Tex {
                tex: math.tex,
                display: math.display,
            });
            at = math.end;
        } else if rest.starts_with("\\$") {
            text.push('$');
            at += 2;
        } else {
            let c = rest.chars().next().expect("not at the end");
            text.push(c);
            at += c.len_utf8();
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    pieces
}

/// Whether `pieces` hold maths at all.
pub(crate) fn has_math(pieces: &[Piece]) -> bool {
    pieces
        .iter()
        .any(|piece| matches!(piece, Piece::Tex { .. }))
}

/// The maths of an HTML output that is nothing but maths, as Sage gives it:
/// `<html>\(\displaystyle …\)</html>` (`show()`, `%display latex`), or, from
/// Sage 8 and older, `<html><script type="math/tex; mode=display">…</script></html>`
/// (MathJax 2's form, which MathJax 3 does not read). `None` for any other
/// HTML. Nothing of the HTML is interpreted but the wrapper, those scripts
/// and character references: the result is text and TeX.
pub(crate) fn math_only_html(html: &str) -> Option<Vec<Piece>> {
    let inner = unwrap(html.trim());
    if let Some(pieces) = mathjax2_scripts(inner) {
        return Some(pieces);
    }
    // Any tag, comment or doctype: real HTML.
    let real_html = inner.as_bytes().windows(2).any(|pair| {
        pair[0] == b'<' && (pair[1].is_ascii_alphabetic() || b"/!?".contains(&pair[1]))
    });
    if real_html {
        return None;
    }
    let pieces = split_math(&decode_references(inner));
    has_math(&pieces).then_some(pieces)
}

/// `inner` of `<html>inner</html>`, then of one `<div>`, `<span>` or `<p>`
/// around it, trimmed.
fn unwrap(html: &str) -> &str {
    let mut inner = strip_element(html, "html").unwrap_or(html);
    for name in ["div", "span", "p"] {
        if let Some(stripped) = strip_element(inner, name) {
            inner = stripped;
            break;
        }
    }
    inner.trim()
}

/// `inner` of `<name>inner</name>` (the tag's name in any case).
fn strip_element<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let starts = html.get(..open.len())?.eq_ignore_ascii_case(&open);
    let ends = html.len() >= open.len() + close.len()
        && html
            .get(html.len() - close.len()..)?
            .eq_ignore_ascii_case(&close);
    (starts && ends).then(|| &html[open.len()..html.len() - close.len()])
}

/// Maths in MathJax 2's script elements, when `inner` is nothing else:
/// `<script type="math/tex">` inline, `…; mode=display">` a display. The
/// TeX in a script element is raw text: no references to decode.
fn mathjax2_scripts(mut inner: &str) -> Option<Vec<Piece>> {
    const INLINE: &str = "<script type=\"math/tex\">";
    const DISPLAY: &str = "<script type=\"math/tex; mode=display\">";
    const CLOSE: &str = "</script>";
    let mut pieces = Vec::new();
    while !inner.is_empty() {
        let (display, rest) = if let Some(rest) = inner.strip_prefix(INLINE) {
            (false, rest)
        } else {
            (true, inner.strip_prefix(DISPLAY)?)
        };
        let close = rest.find(CLOSE)?;
        pieces.push(Piece::Tex {
            tex: rest[..close].to_owned(),
            display,
        });
        inner = rest[close + CLOSE.len()..].trim_start();
    }
    (!pieces.is_empty()).then_some(pieces)
}

/// HTML's character references in text: numeric ones and the few Sage
/// writes; any other `&name;` stays as it is.
fn decode_references(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|semi| *semi <= 10).and_then(|semi| {
            let name = &rest[1..semi];
            let c = if let Some(number) = name.strip_prefix('#') {
                let code = match number.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => number.parse().ok(),
                };
                code.filter(|code| *code > 0).and_then(char::from_u32)
            } else {
                match name.to_ascii_lowercase().as_str() {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "nbsp" => Some('\u{a0}'),
                    _ => None,
                }
            };
            c.map(|c| (c, semi + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tex(tex: &str, display: bool) -> Piece {
        Piece::Tex {
            tex: tex.into(),
            display,
        }
    }

    fn text(text: &str) -> Piece {
        Piece::Text(text.into())
    }

    #[test]
    fn every_delimiter_jupyter_typesets_is_found() {
        assert_eq!(
            split_math(r"a $x^2$ b $$\int f$$ c \(y\) d \[z\] e"),
            [
                text("a "),
                tex("x^2", false),
                text(" b "),
                tex(r"\int f", true),
                text(" c "),
                tex("y", false),
                text(" d "),
                tex("z", true),
                text(" e"),
            ]
        );
        assert_eq!(
            split_math(r"\begin{align*} a &= b \end{align*}"),
            [tex(r"\begin{align*} a &= b \end{align*}", true)]
        );
        // Not maths: tabular, unclosed delimiters, escaped dollars.
        assert_eq!(
            split_math(r"\begin{tabular}x\end{tabular}"),
            [text(r"\begin{tabular}x\end{tabular}")]
        );
        assert_eq!(split_math("costs \\$5 or $"), [text("costs $5 or $")]);
        assert!(!has_math(&split_math("$$")));
    }

    #[test]
    fn prices_stay_text_in_prose() {
        let src = "$5 and $6";
        assert_eq!(match_math_at(src, 0, true), None);
        assert!(match_math_at(src, 0, false).is_some());
        assert_eq!(match_math_at("$ x$", 0, true), None);
        assert_eq!(
            match_math_at("$a$ and $b$", 0, true).map(|m| (m.tex, m.end)),
            Some(("a".into(), 3))
        );
        assert_eq!(match_math_at(r"$a\$b$", 0, true).unwrap().tex, r"a\$b");
    }

    #[test]
    fn maths_after_other_scripts_is_found_at_char_boundaries() {
        assert_eq!(
            split_math("é $\\alpha$ ü"),
            [text("é "), tex("\\alpha", false), text(" ü")]
        );
    }

    #[test]
    fn sage_maths_only_html_is_maths_and_real_html_is_not() {
        assert_eq!(
            math_only_html(r"<html>\(\displaystyle \frac{1}{2}\)</html>"),
            Some(vec![tex(r"\displaystyle \frac{1}{2}", false)])
        );
        assert_eq!(
            math_only_html(r"<html>\[\verb|&lt;class|\]</html>"),
            Some(vec![tex(r"\verb|<class|", true)])
        );
        assert_eq!(
            math_only_html(
                "<html><script type=\"math/tex; mode=display\">\\newcommand{\\Bold}[1]{\\mathbf{#1}}-y</script></html>"
            ),
            Some(vec![tex(r"\newcommand{\Bold}[1]{\mathbf{#1}}-y", true)])
        );
        assert_eq!(
            math_only_html(
                "<script type=\"math/tex\">x</script> <script type=\"math/tex\">y</script>"
            ),
            Some(vec![tex("x", false), tex("y", false)])
        );
        assert_eq!(math_only_html("<b>$x$</b>"), None);
        assert_eq!(math_only_html("<html>$x$ <img src=x></html>"), None);
        assert_eq!(
            math_only_html("<script type=\"math/tex\">x</script><script>alert(1)</script>"),
            None
        );
        assert_eq!(math_only_html("<html>no maths</html>"), None);
        assert_eq!(decode_references("&#x41;&#66;&amp;&bogus;&"), "AB&&bogus;&");
    }
}
