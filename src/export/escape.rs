//! Putting text from a notebook into HTML: as text, as an attribute's
//! value, as base64 in a `data:` URL. A notebook is hostile input: nothing
//! of it reaches the page but through these.

use std::fmt::Write;

/// `text` as HTML text (element content): `&`, `<` and `>` escaped, and the
/// NUL character, which HTML parsers drop or replace, as U+FFFD.
pub(crate) fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    push_text(&mut out, text);
    out
}

/// Appends `text` escaped as HTML text.
pub(crate) fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// `value` as the value of an attribute in double quotes: quotes of both
/// kinds escaped besides what [`text`] escapes.
pub(crate) fn attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + value.len() / 8);
    for c in value.chars() {
        match c {
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => push_text(&mut out, c.encode_utf8(&mut [0; 4])),
        }
    }
    out
}

/// Whether `data` is base64 as nbformat stores images (whitespace and line
/// breaks allowed between the characters, which a `data:` URL must not
/// have: see [`compact_base64`]).
pub(crate) fn is_base64(data: &str) -> bool {
    let compact: Vec<u8> = data.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    !compact.is_empty()
        && compact.len().is_multiple_of(4)
        && compact.iter().enumerate().all(|(i, b)| {
            b.is_ascii_alphanumeric()
                || *b == b'+'
                || *b == b'/'
                || (*b == b'=' && i + 2 >= compact.len())
        })
}

/// base64 without the whitespace nbformat allows in it.
pub(crate) fn compact_base64(data: &str) -> String {
    data.chars().filter(|c| !c.is_ascii_whitespace()).collect()
}

/// `bytes` in base64 (RFC 4648, with padding).
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The `data:` URL of an image as nbformat stores it: base64 for raster
/// types (`None` when it is not base64), the text itself for SVG. An SVG
/// shown from a URL in an `<img>` runs no script and loads nothing.
pub(crate) fn image_url(mime: &str, data: &str) -> Option<String> {
    match mime {
        "image/svg+xml" => Some(format!(
            "data:image/svg+xml;base64,{}",
            base64(data.as_bytes())
        )),
        "image/png" | "image/jpeg" | "image/gif" => {
            is_base64(data).then(|| format!("data:{mime};base64,{}", compact_base64(data)))
        }
        _ => None,
    }
}

/// A number for a `width` or `height` attribute: whole pixels, within reason.
pub(crate) fn pixels(value: f64) -> Option<String> {
    (value.is_finite() && value >= 1.0).then(|| {
        let mut out = String::new();
        let _ = write!(out, "{}", value.min(100_000.0).round() as u32);
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_and_attributes_stays_text() {
        assert_eq!(
            text("</script><b>&amp;\0"),
            "&lt;/script&gt;&lt;b&gt;&amp;amp;\u{FFFD}"
        );
        assert_eq!(
            attr(r#"" onload='x' <a>"#),
            "&quot; onload=&#39;x&#39; &lt;a&gt;"
        );
    }

    #[test]
    fn base64_is_as_rfc_4648_gives_it() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert!(is_base64("iVBO\nRw0K\n"));
        assert!(is_base64("Zg=="));
        assert!(!is_base64("Z=g="));
        assert!(!is_base64("\"><script>"));
        assert!(!is_base64(""));
        assert_eq!(compact_base64("iVBO\r\nRw0K\n"), "iVBORw0K");
    }

    #[test]
    fn images_become_data_urls_only_when_they_are_what_they_say() {
        assert_eq!(
            image_url("image/png", "iVBO\nRw0K\n").as_deref(),
            Some("data:image/png;base64,iVBORw0K")
        );
        assert_eq!(image_url("image/png", "\"><script>x</script>"), None);
        assert_eq!(
            image_url("image/svg+xml", "<svg/>").as_deref(),
            Some("data:image/svg+xml;base64,PHN2Zy8+")
        );
        assert_eq!(image_url("text/html", "PHN2Zy8+"), None);
    }

    #[test]
    fn sizes_are_whole_pixels() {
        assert_eq!(pixels(400.4).as_deref(), Some("400"));
        assert_eq!(pixels(f64::NAN), None);
        assert_eq!(pixels(-3.0), None);
        assert_eq!(pixels(1e30).as_deref(), Some("100000"));
    }
}
