//! Python string literals as Python's `repr()` writes them, for the calls
//! IPython's own translation writes (`get_ipython().run_line_magic('time',
//! 'f(x)')`).

/// `text` as `repr(text)` gives it in Python 3: single quotes unless the
/// text has a single quote and no double one; `\\`, the quote, `\t`, `\n`
/// and `\r` escaped; other characters Python does not print (controls,
/// separators other than the space, format characters, private use) as
/// `\xhh`, `\uhhhh` or `\Uhhhhhhhh`. Unassigned code points, which Python
/// escapes too, are written as they are: the literal means the same.
pub(crate) fn repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if printable(c) => out.push(c),
            c => {
                let code = u32::from(c);
                if code < 0x100 {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code < 0x10000 {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
        }
    }
    out.push(quote);
    out
}

/// Whether Python's `str.isprintable()` holds for `c`, as far as it can be
/// told without Unicode's tables: not a control, not a separator but the
/// space, not one of the format characters and private use areas.
fn printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(c,
        '\u{ad}'
        | '\u{600}'..='\u{605}'
        | '\u{61c}'
        | '\u{6dd}'
        | '\u{70f}'
        | '\u{890}'..='\u{891}'
        | '\u{8e2}'
        | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206f}'
        | '\u{e000}'..='\u{f8ff}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}'
        | '\u{110bd}'
        | '\u{110cd}'
        | '\u{13430}'..='\u{1343f}'
        | '\u{1bca0}'..='\u{1bca3}'
        | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0001}'
        | '\u{e0020}'..='\u{e007f}'
        | '\u{f0000}'..='\u{10ffff}'
    )
}

#[cfg(test)]
mod tests {
    use super::repr;

    /// Each as Python 3.11's `repr()` writes it.
    #[test]
    fn literals_are_as_python_writes_them() {
        for (text, python) in [
            ("x = 1", "'x = 1'"),
            ("ls -la 'a b'", r#""ls -la 'a b'""#),
            ("a'b\"c", r#"'a\'b"c'"#),
            ("'a\\tb\"c'", r#"'\'a\\tb"c\''"#),
            ("x = 1\ny = 2\n", r"'x = 1\ny = 2\n'"),
            ("tab\there\r", r"'tab\there\r'"),
            ("é\u{a0}\u{2028}\u{1}\u{7f}", r"'é\xa0\u2028\x01\x7f'"),
            ("\u{200b}\u{feff}😀", r"'\u200b\ufeff😀'"),
            ("\u{10ffff}", r"'\U0010ffff'"),
            ("", "''"),
        ] {
            assert_eq!(repr(text), python, "{text:?}");
        }
    }
}
