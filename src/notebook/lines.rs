//! Multi-line strings as nbformat stores them: one string, or a list of
//! strings to be joined with `""`. Jupyter writes lists, one line each (the
//! line break kept at its end), so that line-based diffs of a notebook work.

use serde_json::{Map, Value};

/// A `source`, a stream's `text` or a text MIME value, in the form it had in
/// the file, so that a notebook loaded and saved unchanged keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultilineString {
    /// One string.
    Text(String),
    /// Lines to be joined with `""`.
    Lines(Vec<String>),
}

impl MultilineString {
    /// The value in the form Jupyter writes: its lines, each with its line
    /// break.
    pub fn from_text(text: &str) -> Self {
        MultilineString::Lines(split_lines(text))
    }

    /// The whole text.
    pub fn text(&self) -> String {
        match self {
            MultilineString::Text(text) => text.clone(),
            MultilineString::Lines(lines) => lines.concat(),
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            MultilineString::Text(text) => Value::String(text.clone()),
            MultilineString::Lines(lines) => {
                Value::Array(lines.iter().cloned().map(Value::String).collect())
            }
        }
    }

    /// Reads a string or a list of strings; `None` for anything else.
    pub fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::String(text) => Some(MultilineString::Text(text.clone())),
            Value::Array(items) => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .map(MultilineString::Lines),
            _ => None,
        }
    }
}

impl Default for MultilineString {
    fn default() -> Self {
        MultilineString::Lines(Vec::new())
    }
}

/// Text as nbformat stores it: one string, or a list of strings to join;
/// `None` for anything else.
pub fn joined_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Array(lines) => lines
            .iter()
            .map(Value::as_str)
            .collect::<Option<Vec<_>>>()
            .map(|lines| lines.concat()),
        _ => None,
    }
}

/// Splits text into lines the way Python's `str.splitlines(keepends=True)`
/// does, which is what Jupyter writes: every line keeps its line break, and
/// the breaks are `\n`, `\r\n`, `\r`, `\v`, `\f`, `\x1c`–`\x1e`, `\u{85}`,
/// `\u{2028}` and `\u{2029}`. The lines joined give the text back.
pub fn split_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let end = match c {
            '\r' => match chars.peek() {
                Some(&(next, '\n')) => {
                    chars.next();
                    next + 1
                }
                _ => at + 1,
            },
            '\n' | '\u{b}' | '\u{c}' | '\u{1c}' | '\u{1d}' | '\u{1e}' | '\u{85}' | '\u{2028}'
            | '\u{2029}' => at + c.len_utf8(),
            _ => continue,
        };
        lines.push(text[start..end].to_owned());
        start = end;
    }
    if start < text.len() {
        lines.push(text[start..].to_owned());
    }
    lines
}

/// The MIME types whose string values Jupyter writes as lists of lines:
/// `text/*`, JavaScript and SVG.
fn is_split_mime(mime: &str) -> bool {
    mime.starts_with("text/") || mime == "application/javascript" || mime == "image/svg+xml"
}

/// Writes the string values of a MIME bundle (an output's `data`, an
/// attachment) that Jupyter keeps as lines as lists of lines.
pub fn split_mime_bundle(bundle: &mut Map<String, Value>) {
    for (mime, value) in bundle.iter_mut() {
        if let Value::String(text) = value
            && is_split_mime(mime)
        {
            *value = Value::Array(split_lines(text).into_iter().map(Value::String).collect());
        }
    }
}

/// Writes an nbformat output's multi-line strings as Jupyter does: a
/// stream's `text`, and the text values of a result's or a display's `data`.
pub fn split_output(output: &mut Map<String, Value>) {
    match output.get("output_type").and_then(Value::as_str) {
        Some("stream") => {
            if let Some(Value::String(text)) = output.get("text") {
                let lines = split_lines(text).into_iter().map(Value::String).collect();
                output.insert("text".into(), Value::Array(lines));
            }
        }
        Some("execute_result" | "display_data") => {
            if let Some(Value::Object(data)) = output.get_mut("data") {
                split_mime_bundle(data);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lines_keep_their_breaks_like_python_splitlines() {
        assert_eq!(split_lines(""), Vec::<String>::new());
        assert_eq!(split_lines("a"), ["a"]);
        assert_eq!(split_lines("a\n"), ["a\n"]);
        assert_eq!(split_lines("a\nb"), ["a\n", "b"]);
        assert_eq!(split_lines("a\r\nb\rc\n\n"), ["a\r\n", "b\r", "c\n", "\n"]);
        assert_eq!(
            split_lines("x\u{2028}y\u{b}z\u{85}"),
            ["x\u{2028}", "y\u{b}", "z\u{85}"]
        );
        let text = "é\r\n\r\rü\u{1c}";
        assert_eq!(split_lines(text).concat(), text);
    }

    #[test]
    fn outputs_are_split_where_jupyter_splits_them() {
        let mut output = json!({
            "output_type": "execute_result",
            "execution_count": 1,
            "data": {
                "text/plain": "1\n2",
                "image/png": "iVBO\nRw0K",
                "application/json": {"a": "b\nc"},
                "image/svg+xml": "<svg>\n</svg>",
            },
            "metadata": {},
        });
        split_output(output.as_object_mut().unwrap());
        assert_eq!(
            output["data"],
            json!({
                "text/plain": ["1\n", "2"],
                "image/png": "iVBO\nRw0K",
                "application/json": {"a": "b\nc"},
                "image/svg+xml": ["<svg>\n", "</svg>"],
            })
        );
        let mut stream = json!({"output_type": "stream", "name": "stdout", "text": "a\nb\n"});
        split_output(stream.as_object_mut().unwrap());
        assert_eq!(stream["text"], json!(["a\n", "b\n"]));
    }
}
