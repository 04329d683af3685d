//! The outputs a notebook file stores, as the window shows them.
//!
//! A file comes from anywhere: another program, an older Jupyter, a hand
//! edit, a kernel that wrote into the workspace. Whatever it holds, each
//! stored output becomes an [`Output`] the window can show, within the bounds
//! a run's outputs are kept in:
//!
//! - missing fields are filled (an `error` with no `traceback` has none, a
//!   `display_data` with no `data` has an empty bundle), and values of the
//!   wrong kind are read as far as they mean something (a number as its
//!   text) or left out (a MIME value that should be text and is not);
//! - an output of a type nbformat does not have, or of no type, is shown as
//!   a line saying so;
//! - the limits of [`OutputLimits`] apply as to a run's outputs: a long
//!   stream keeps its ends, an output larger than a cell keeps becomes a
//!   notice, and a cell keeps its first and latest outputs.
//!
//! None of this changes the notebook: it keeps the JSON the file had, and
//! saving writes it back as it was.

use std::collections::VecDeque;

use serde_json::{Map, Value};

use super::limits::{OutputLimits, bound_stream, leave_out_middle, within_budget};
use super::lines::joined_text;
use super::output::{MimeBundle, Output, omitted_outputs_marker};

/// A cell's stored outputs as the window shows them, within `limits`.
pub fn stored_outputs(outputs: &[Map<String, Value>], limits: &OutputLimits) -> Vec<Output> {
    // Added one by one and bounded after each, as a run's outputs are
    // (`kernel::outputs::CellOutputs`), so the same outputs keep the same
    // ones whether a run made them or a file stored them.
    let mut head: Vec<(Output, usize)> = Vec::new();
    let mut tail: VecDeque<(Output, usize)> = VecDeque::new();
    let (mut bytes, mut dropped) = (0, 0);
    for stored in outputs {
        let output = match stored_output(stored) {
            Output::Stream { name, text, .. } => bound_stream(limits, name, text),
            other => other,
        };
        let (output, size) = within_budget(output, limits.max_bytes);
        bytes += size;
        if dropped > 0 {
            tail.push_back((output, size));
        } else {
            head.push((output, size));
        }
        dropped += leave_out_middle(
            limits,
            &mut head,
            &mut tail,
            dropped > 0,
            &mut bytes,
            |kept| kept.1,
        );
    }
    let marker = (dropped > 0).then(|| Output::Stream {
        name: "stderr".to_owned(),
        text: omitted_outputs_marker(dropped),
        tail: None,
    });
    let mut shown = Vec::with_capacity(head.len() + tail.len() + 1);
    shown.extend(head.into_iter().map(|kept| kept.0));
    shown.extend(marker);
    shown.extend(tail.into_iter().map(|kept| kept.0));
    shown
}

/// One stored output as the window can show it, whole (no limits applied).
pub fn stored_output(stored: &Map<String, Value>) -> Output {
    let kind = match stored.get("output_type") {
        Some(Value::String(kind)) => kind.as_str(),
        Some(_) | None => return not_shown(None),
    };
    match kind {
        "stream" => Output::Stream {
            name: match stored.get("name") {
                Some(Value::String(name)) => name.clone(),
                _ => "stdout".to_owned(),
            },
            text: stored.get("text").and_then(joined_text).unwrap_or_default(),
            tail: None,
        },
        "display_data" => Output::DisplayData {
            data: data(stored.get("data")),
            metadata: object(stored.get("metadata")),
            display_id: None,
        },
        "execute_result" => Output::ExecuteResult {
            execution_count: stored
                .get("execution_count")
                .and_then(Value::as_u64)
                .and_then(|count| usize::try_from(count).ok())
                .unwrap_or(0),
            data: data(stored.get("data")),
            metadata: object(stored.get("metadata")),
        },
        "error" => Output::Error {
            ename: stored.get("ename").map(words).unwrap_or_default(),
            evalue: stored.get("evalue").map(words).unwrap_or_default(),
            traceback: match stored.get("traceback") {
                Some(Value::Array(lines)) => lines.iter().map(words).collect(),
                Some(Value::String(line)) => vec![line.clone()],
                _ => Vec::new(),
            },
        },
        other => not_shown(Some(other)),
    }
}

/// The line shown for an output of a type SageDesk does not know (`None`:
/// of no type at all). The file keeps the output.
fn not_shown(kind: Option<&str>) -> Output {
    let what = match kind {
        // A type is a short word; a long one is cut so the line stays a line.
        Some(kind) => format!(
            "an output of type \"{}\"",
            kind.chars().take(80).collect::<String>()
        ),
        None => "an output with no type".to_owned(),
    };
    let notice = format!("… {what}, which SageDesk cannot show (the file keeps it) …");
    Output::DisplayData {
        data: MimeBundle::from_iter([("text/plain".to_owned(), Value::String(notice))]),
        metadata: MimeBundle::new(),
        display_id: None,
    }
}

/// A name or a message: a string as it is, any other value as its JSON.
fn words(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// An object as it is; anything else as an empty one.
fn object(value: Option<&Value>) -> MimeBundle {
    match value {
        Some(Value::Object(map)) => map.clone(),
        _ => MimeBundle::new(),
    }
}

/// A MIME bundle the window can read: JSON types (`application/json`,
/// `…+json`) hold any JSON; every other type holds text (a string, base64
/// for binary data), joined from its lines. A value of another kind is left
/// out.
fn data(value: Option<&Value>) -> MimeBundle {
    let Some(Value::Object(bundle)) = value else {
        return MimeBundle::new();
    };
    bundle
        .iter()
        .filter_map(|(mime, value)| {
            let value = if mime == "application/json" || mime.ends_with("+json") {
                value.clone()
            } else {
                Value::String(joined_text(value)?)
            };
            Some((mime.clone(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    fn shown(value: Value) -> Output {
        stored_output(&object(value))
    }

    fn plain(output: &Output) -> &str {
        match output {
            Output::DisplayData { data, .. } | Output::ExecuteResult { data, .. } => {
                data["text/plain"].as_str().expect("text/plain")
            }
            other => panic!("not a display: {other:?}"),
        }
    }

    #[test]
    fn missing_fields_are_filled() {
        assert_eq!(
            shown(json!({"output_type": "error", "ename": "ValueError", "evalue": "bad"})),
            Output::Error {
                ename: "ValueError".into(),
                evalue: "bad".into(),
                traceback: Vec::new(),
            }
        );
        assert_eq!(
            shown(json!({"output_type": "error"})),
            Output::Error {
                ename: String::new(),
                evalue: String::new(),
                traceback: Vec::new(),
            }
        );
        assert_eq!(
            shown(json!({"output_type": "display_data"})),
            Output::DisplayData {
                data: MimeBundle::new(),
                metadata: MimeBundle::new(),
                display_id: None,
            }
        );
        assert_eq!(
            shown(json!({"output_type": "execute_result", "data": {"text/plain": "1"}})),
            Output::ExecuteResult {
                execution_count: 0,
                data: object(json!({"text/plain": "1"})),
                metadata: MimeBundle::new(),
            }
        );
        assert_eq!(
            shown(json!({"output_type": "stream"})),
            Output::Stream {
                name: "stdout".into(),
                text: String::new(),
                tail: None,
            }
        );
    }

    #[test]
    fn values_of_the_wrong_kind_are_read_as_far_as_they_mean_something() {
        assert_eq!(
            shown(json!({"output_type": "error", "ename": 7, "evalue": null,
                         "traceback": ["line 1", 2, {"x": 1}]})),
            Output::Error {
                ename: "7".into(),
                evalue: "null".into(),
                traceback: vec!["line 1".into(), "2".into(), r#"{"x":1}"#.into()],
            }
        );
        assert_eq!(
            shown(
                json!({"output_type": "error", "ename": "E", "evalue": "", "traceback": "one line"})
            ),
            Output::Error {
                ename: "E".into(),
                evalue: String::new(),
                traceback: vec!["one line".into()],
            }
        );
        // Text to be shown must be text; JSON types hold any JSON; lines are joined.
        let output = shown(json!({
            "output_type": "display_data",
            "data": {"text/plain": 42, "text/html": {"a": 1}, "image/png": ["iVBO", "Rw0K\n"],
                     "text/latex": ["$x$", 1], "application/json": [1, 2],
                     "application/vnd.custom+json": {"k": true}},
            "metadata": [1, 2],
        }));
        assert_eq!(
            output,
            Output::DisplayData {
                data: object(
                    json!({"image/png": "iVBORw0K\n", "application/json": [1, 2],
                                    "application/vnd.custom+json": {"k": true}})
                ),
                metadata: MimeBundle::new(),
                display_id: None,
            }
        );
        assert_eq!(
            shown(json!({"output_type": "display_data", "data": "text"})),
            shown(json!({"output_type": "display_data"})),
        );
        assert_eq!(
            shown(json!({"output_type": "stream", "name": 1, "text": ["a\n", "b"]})),
            Output::Stream {
                name: "stdout".into(),
                text: "a\nb".into(),
                tail: None,
            }
        );
        assert_eq!(
            shown(json!({"output_type": "execute_result", "execution_count": -3, "data": {}})),
            shown(json!({"output_type": "execute_result", "data": {}})),
        );
    }

    #[test]
    fn unknown_outputs_are_shown_as_such() {
        let unknown = shown(json!({"output_type": "widget_state", "state": {}}));
        assert_eq!(
            plain(&unknown),
            "… an output of type \"widget_state\", which SageDesk cannot show (the file keeps it) …"
        );
        let untyped = shown(json!({"text": "x"}));
        assert_eq!(
            plain(&untyped),
            "… an output with no type, which SageDesk cannot show (the file keeps it) …"
        );
        assert_eq!(plain(&shown(json!({"output_type": 3}))), plain(&untyped));
        let long = shown(json!({"output_type": "x".repeat(10_000)}));
        assert!(plain(&long).len() < 200, "{}", plain(&long));
    }

    fn small() -> OutputLimits {
        OutputLimits {
            stream_head_lines: 3,
            stream_head_bytes: 64,
            stream_tail_lines: 2,
            stream_tail_bytes: 64,
            head_outputs: 2,
            tail_outputs: 2,
            max_bytes: 1_000,
        }
    }

    fn display(text: &str) -> Map<String, Value> {
        object(json!({"output_type": "display_data", "data": {"text/plain": text}, "metadata": {}}))
    }

    #[test]
    fn a_long_stored_stream_keeps_its_ends() {
        let text: String = (0..100).map(|i| format!("{i}\n")).collect();
        let stream = object(json!({"output_type": "stream", "name": "stdout", "text": text}));
        let shown = stored_outputs(&[stream], &small());
        assert_eq!(shown.len(), 1);
        assert_eq!(
            shown[0].to_nbformat()["text"],
            "0\n1\n2\n… 95 lines (278 bytes) not kept …\n98\n99\n"
        );
    }

    #[test]
    fn too_many_stored_outputs_keep_the_first_and_the_latest() {
        let outputs: Vec<_> = (0..10).map(|i| display(&i.to_string())).collect();
        let shown = stored_outputs(&outputs, &small());
        let texts: Vec<String> = shown
            .iter()
            .map(|output| match output {
                Output::Stream { text, .. } => text.clone(),
                other => plain(other).to_owned(),
            })
            .collect();
        assert_eq!(texts, ["0", "1", "… 6 outputs not kept …\n", "8", "9"]);
    }

    #[test]
    fn a_huge_stored_output_becomes_a_notice() {
        let huge = display(&"x".repeat(5_000));
        let shown = stored_outputs(&[display("before"), huge, display("after")], &small());
        assert_eq!(shown.len(), 3);
        assert_eq!(plain(&shown[0]), "before");
        assert_eq!(
            plain(&shown[1]),
            "… output not kept: 5.0 kB of text/plain is more than the 1.0 kB a cell keeps …"
        );
        assert_eq!(plain(&shown[2]), "after");
        // Together over the budget: the middle goes, the last one stays.
        let big: Vec<_> = (0..4)
            .map(|i| display(&i.to_string().repeat(400)))
            .collect();
        let shown = stored_outputs(&big, &small());
        let kept: usize = shown.iter().map(crate::notebook::limits::output_size).sum();
        assert!(kept <= 1_000, "{kept} bytes kept");
        assert!(plain(shown.last().unwrap()).starts_with('3'));
    }
}
