//! The outputs a notebook file stores are shown within the bounds a run's
//! outputs are kept in: the same outputs, folded from a run or read from a
//! file that holds them whole, keep the same.

use serde_json::Map;

use super::*;
use crate::notebook::stored_outputs;

/// Limits no test output reaches: what a file written by a program that
/// bounds nothing holds.
fn unbounded() -> OutputLimits {
    OutputLimits {
        stream_head_lines: usize::MAX / 4,
        stream_head_bytes: usize::MAX / 4,
        stream_tail_lines: usize::MAX / 4,
        stream_tail_bytes: usize::MAX / 4,
        head_outputs: usize::MAX / 4,
        tail_outputs: usize::MAX / 4,
        max_bytes: usize::MAX,
    }
}

/// The outputs of `messages` in a file that kept them whole, shown within
/// `limits`, against the same run folded within `limits`.
fn stored_and_live(
    limits: OutputLimits,
    messages: &[JupyterMessageContent],
) -> (Vec<Output>, Vec<Output>) {
    let whole: Vec<Map<String, Value>> = fold_with(unbounded(), messages)
        .to_nbformat()
        .into_iter()
        .map(|output| match output {
            Value::Object(output) => output,
            other => panic!("an output is an object: {other}"),
        })
        .collect();
    (
        stored_outputs(&whole, &limits),
        fold_with(limits, messages).outputs(),
    )
}

fn error(name: &str) -> JupyterMessageContent {
    JupyterMessageContent::ErrorOutput(ErrorOutput {
        ename: name.to_owned(),
        evalue: "why".to_owned(),
        traceback: vec![format!("{name}: why")],
    })
}

#[test]
fn stored_outputs_keep_what_a_run_keeps() {
    let small = OutputLimits {
        stream_head_lines: 4,
        stream_head_bytes: 40,
        stream_tail_lines: 3,
        stream_tail_bytes: 30,
        head_outputs: 3,
        tail_outputs: 2,
        max_bytes: 400,
    };
    let mut rng = Rng(7);
    for case in 0..500 {
        // One message per output: a run writing a stream in several pieces
        // may cut it elsewhere than one that wrote it at once, which is
        // what a file holds.
        let messages: Vec<JupyterMessageContent> = (0..rng.below(9))
            .map(|i| {
                let text = rng.text(&["a", "é", "\n", "0123456789", "\n\n", "🙂"], 40);
                match rng.below(5) {
                    0 if i % 2 == 0 => out(&text),
                    0 => err(&text),
                    1 => display(&text.repeat(rng.below(30)), None),
                    2 => error(&text),
                    _ => display(&text, None),
                }
            })
            .collect();
        let (stored, live) = stored_and_live(small, &messages);
        assert_eq!(stored, live, "case {case}: {messages:?}");
    }
}

#[test]
fn a_stored_million_lines_show_as_a_run_shows_them() {
    let text: String = (0..1_000_000).map(|i| format!("{i}\n")).collect();
    let (stored, live) = stored_and_live(OutputLimits::default(), &[out(&text)]);
    assert_eq!(stored, live);
    let Output::Stream {
        tail: Some(tail), ..
    } = &stored[0]
    else {
        panic!("a cut stream: {:?}", &stored[0]);
    };
    assert_eq!(tail.omitted_lines, 999_000);
}

#[test]
fn stored_outputs_over_the_count_and_the_budget_keep_what_a_run_keeps() {
    let many: Vec<_> = (0..2_500).map(|i| display(&i.to_string(), None)).collect();
    let (stored, live) = stored_and_live(OutputLimits::default(), &many);
    assert_eq!(stored, live);
    assert_eq!(stored.len(), 1_001);

    let limits = OutputLimits {
        max_bytes: 10_000,
        ..Default::default()
    };
    let big: Vec<_> = (0..40)
        .map(|i| display(&format!("{i} {}", "x".repeat(i * 100)), None))
        .chain([display(&"y".repeat(20_000), None), error("Last")])
        .collect();
    let (stored, live) = stored_and_live(limits, &big);
    assert_eq!(stored, live);
}
