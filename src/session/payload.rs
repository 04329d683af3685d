//! What a kernel asks of its front end when a cell ends: the `payload` of
//! its `execute_reply`. Jupyter calls payloads deprecated, but IPython, and
//! so Sage, still uses them for its everyday help (`factor?`), for `%load`
//! and `%recall`, and for `exit`.
//!
//! Each is read from the reply as hostile input: unknown ones are left out,
//! text is bounded, and only text media are kept.

use jupyter_protocol::messaging::Payload as WirePayload;
use serde::Serialize;

use crate::notebook::joined_text;

/// The most of a help page kept, in bytes of text (a docstring is a few
/// kilobytes; `factor??` with its source tens).
pub const HELP_LIMIT: usize = 1 << 20;
/// The most of a next cell's source kept (`%load` of a file).
pub const NEXT_INPUT_LIMIT: usize = 4 << 20;

/// A payload a window acts on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Payload {
    /// Help to show with the cell (`factor?`, `factor??`): a MIME bundle of
    /// text types (`text/plain` carries ANSI colours). Not part of the
    /// cell's outputs, and not saved.
    Help {
        #[cfg_attr(feature = "ts", ts(type = "Record<string, string>"))]
        data: serde_json::Map<String, serde_json::Value>,
    },
    /// A cell's source from the kernel (`%load`, `%recall`): it replaces the
    /// source of the cell that ran when `replace` is set, as JupyterLab does,
    /// and is a new cell below it otherwise.
    NextInput { text: String, replace: bool },
    /// The cell ran `exit` or `quit`. With `keep_kernel` false the kernel
    /// stops, and the session starts a new one (variables are gone).
    Exit {
        #[serde(rename = "keepKernel")]
        keep_kernel: bool,
    },
}

impl Payload {
    /// The payload a window acts on, from one of a reply's; none for those
    /// it has no use for (`edit_magic`, help with no text).
    pub fn from_wire(payload: &WirePayload) -> Option<Payload> {
        match payload {
            WirePayload::Page { data, .. } => {
                let data = serde_json::to_value(data).ok()?;
                let data = text_bundle(data.as_object()?, HELP_LIMIT);
                (!data.is_empty()).then_some(Payload::Help { data })
            }
            WirePayload::SetNextInput { text, replace } => Some(Payload::NextInput {
                text: cut(text, NEXT_INPUT_LIMIT, "").into_owned(),
                replace: *replace,
            }),
            WirePayload::AskExit { keepkernel } => Some(Payload::Exit {
                keep_kernel: *keepkernel,
            }),
            WirePayload::EditMagic { .. } => None,
        }
    }
}

/// The `text/*` entries of `bundle`, within `limit` bytes in all: each
/// longer one is cut, and says so.
fn text_bundle(
    bundle: &serde_json::Map<String, serde_json::Value>,
    limit: usize,
) -> serde_json::Map<String, serde_json::Value> {
    let mut left = limit;
    let mut kept = serde_json::Map::new();
    // text/plain first: it is the one every front end can show.
    let mut types: Vec<&String> = bundle.keys().filter(|t| t.starts_with("text/")).collect();
    types.sort_by_key(|t| (t.as_str() != "text/plain", t.as_str()));
    for mime in types {
        let Some(text) = joined_text(&bundle[mime.as_str()]) else {
            continue;
        };
        if left == 0 {
            break;
        }
        let note = if mime == "text/html" {
            "<p>… (the help is cut here: it is longer than SageDesk shows)</p>"
        } else {
            "\n… (the help is cut here: it is longer than SageDesk shows)"
        };
        let text = cut(&text, left, note).into_owned();
        left = left.saturating_sub(text.len());
        kept.insert(mime.clone(), serde_json::Value::String(text));
    }
    kept
}

/// `text` within `limit` bytes, cut at a character boundary with `note`
/// after it when longer.
fn cut<'a>(text: &'a str, limit: usize, note: &str) -> std::borrow::Cow<'a, str> {
    if text.len() <= limit {
        return text.into();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{note}", &text[..end]).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn wire(value: serde_json::Value) -> WirePayload {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn help_keeps_its_text_types_and_leaves_out_others() {
        let page = wire(json!({
            "source": "page",
            "data": {
                "text/plain": "\u{1b}[31mSignature:\u{1b}[39m factor(n)",
                "text/html": ["<b>factor</b>", "(n)"],
                "image/png": "iVBORw0KGgo=",
            },
            "start": 0,
        }));
        let Some(Payload::Help { data }) = Payload::from_wire(&page) else {
            panic!("help");
        };
        assert_eq!(
            data["text/plain"],
            "\u{1b}[31mSignature:\u{1b}[39m factor(n)"
        );
        assert_eq!(data["text/html"], "<b>factor</b>(n)");
        assert!(!data.contains_key("image/png"));
        let json = serde_json::to_value(Payload::Help { data }).unwrap();
        assert_eq!(json["kind"], "help");
    }

    #[test]
    fn a_huge_help_is_cut_and_says_so() {
        let text = "é".repeat(HELP_LIMIT); // two bytes each
        let page = wire(json!({"source": "page", "data": {"text/plain": text}, "start": 0}));
        let Some(Payload::Help { data }) = Payload::from_wire(&page) else {
            panic!("help");
        };
        let kept = data["text/plain"].as_str().unwrap();
        assert!(kept.len() < HELP_LIMIT + 100, "{}", kept.len());
        assert!(kept.ends_with("longer than SageDesk shows)"));
    }

    #[test]
    fn help_with_no_text_is_nothing_to_show() {
        let page = wire(json!({"source": "page", "data": {"image/png": "x"}, "start": 0}));
        assert_eq!(Payload::from_wire(&page), None);
    }

    #[test]
    fn next_input_and_exit_carry_what_the_window_needs() {
        assert_eq!(
            Payload::from_wire(&wire(
                json!({"source": "set_next_input", "text": "factor?", "replace": false})
            )),
            Some(Payload::NextInput {
                text: "factor?".into(),
                replace: false
            })
        );
        let exit = Payload::from_wire(&wire(json!({"source": "ask_exit", "keepkernel": true})));
        assert_eq!(exit, Some(Payload::Exit { keep_kernel: true }));
        assert_eq!(
            serde_json::to_value(exit).unwrap(),
            json!({"kind": "exit", "keepKernel": true})
        );
        assert_eq!(
            Payload::from_wire(&wire(
                json!({"source": "edit_magic", "filename": "x.py", "line_number": 3})
            )),
            None
        );
    }
}
