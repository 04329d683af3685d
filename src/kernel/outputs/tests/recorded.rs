//! Runs of a cell folded by the core, recorded for the UI: each file in
//! `ui/src/lib/kernel/recorded/` holds the batches of output updates the
//! fold sent for a sequence of kernel messages, and the outputs the fold
//! ended with. The UI's test (`recorded.test.ts`) replays the batches
//! through its own `applyUpdate` and must reach the same outputs, so the two
//! sides of the update protocol cannot drift apart.
//!
//! These tests fail when a file is not what the fold gives today. After
//! changing the fold or the protocol, rewrite them with
//!
//! ```sh
//! UPDATE_RECORDINGS=1 cargo test -p sagedesk --lib recorded
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::*;

/// A kernel message, or the point where the fold's pending updates go out
/// as one batch (as the pacer lets a batch go).
enum Step {
    Message(JupyterMessageContent),
    Batch,
}

use Step::{Batch, Message};

fn result(count: usize, media: Media) -> JupyterMessageContent {
    JupyterMessageContent::ExecuteResult(ExecuteResult::new(ExecutionCount::new(count), media))
}

fn displayed(media: Media) -> JupyterMessageContent {
    JupyterMessageContent::DisplayData(DisplayData {
        data: media,
        metadata: MimeBundle::new(),
        transient: None,
    })
}

fn error(ename: &str, evalue: &str, traceback: &[&str]) -> JupyterMessageContent {
    JupyterMessageContent::ErrorOutput(ErrorOutput {
        ename: ename.into(),
        evalue: evalue.into(),
        traceback: traceback.iter().map(|t| t.to_string()).collect(),
    })
}

/// Small limits, so that short runs reach every cut.
fn small() -> OutputLimits {
    OutputLimits {
        stream_head_lines: 3,
        stream_head_bytes: 40,
        stream_tail_lines: 3,
        stream_tail_bytes: 40,
        head_outputs: 2,
        tail_outputs: 2,
        max_bytes: 400,
    }
}

fn random_run(seed: u64, length: usize) -> Vec<Step> {
    let mut rng = Rng(seed);
    (0..length)
        .map(|_| {
            if rng.below(4) == 0 {
                Batch
            } else {
                Message(updates::random_message(&mut rng))
            }
        })
        .collect()
}

/// Every recorded run: its name, what it shows, its limits and its steps.
fn runs() -> Vec<(&'static str, &'static str, OutputLimits, Vec<Step>)> {
    let latex = Media::new(vec![
        MediaType::Plain("x^2".into()),
        MediaType::Latex("$x^{2}$".into()),
    ]);
    vec![
        (
            "stream-progress",
            "printing with carriage returns and backspaces, stdout and stderr interleaved",
            OutputLimits::default(),
            vec![
                Message(out("step 1/3\r")),
                Batch,
                Message(out("step 2/3\r")),
                Message(out("step 3/3\rdone\n")),
                Batch,
                Message(err("warning: slow\n")),
                Message(out("abc\x08\x08X\n")),
                Batch,
                Message(out("\x1b[32mgreen\x1b[0m\n")),
                Batch,
            ],
        ),
        (
            "stream-cut",
            "a long print: its head kept, its middle left out, its tail following the end line by line",
            small(),
            {
                let mut steps = Vec::new();
                for i in 0..40 {
                    steps.push(Message(out(&format!("line {i}\n"))));
                    // Seldom at first (the tail is sent again), then after
                    // every line (the tail's first line is dropped).
                    if i % 7 == 0 || i > 30 {
                        steps.push(Batch);
                    }
                }
                steps.push(Message(out("last, no newline")));
                steps.push(Batch);
                steps
            },
        ),
        (
            "displays",
            "displays with ids updated from later messages, a result, and an error",
            OutputLimits::default(),
            vec![
                Message(display("progress 0%", Some("bar"))),
                Batch,
                Message(update("progress 50%", "bar")),
                Message(displayed(latex.clone())),
                Batch,
                Message(update("progress 100%", "bar")),
                Message(result(3, latex)),
                Message(error(
                    "ZeroDivisionError",
                    "rational division by zero",
                    &[
                        "\x1b[0;31mZeroDivisionError\x1b[0m  Traceback",
                        "\x1b[0;31mZeroDivisionError\x1b[0m: rational division by zero",
                    ],
                )),
                Batch,
            ],
        ),
        (
            "animation",
            "clear_output(wait=True) before each frame, twenty frames, some in one batch",
            OutputLimits::default(),
            {
                let mut steps = Vec::new();
                for frame in 0..20 {
                    steps.push(Message(clear(true)));
                    steps.push(Message(display(&format!("frame {frame}"), None)));
                    steps.push(Message(out(&format!("drawn {frame}\n"))));
                    if frame % 3 == 0 {
                        steps.push(Batch);
                    }
                }
                steps.push(Message(clear(false)));
                steps.push(Batch);
                steps.push(Message(out("after\n")));
                steps.push(Batch);
                steps
            },
        ),
        (
            "many-outputs",
            "more outputs than are kept: the first and the latest stay, a marker between",
            small(),
            {
                let mut steps = Vec::new();
                for i in 0..12 {
                    steps.push(Message(display(&format!("plot {i}"), None)));
                    steps.push(Message(err(&format!("note {i}\n"))));
                    if i % 4 == 0 {
                        steps.push(Batch);
                    }
                }
                steps.push(Batch);
                steps
            },
        ),
        (
            "random",
            "three hundred random messages under small limits, batched at random",
            small(),
            random_run(0x5eed, 300),
        ),
    ]
}

/// Folds `steps` as a cell's run does, recording each batch.
fn record(limits: OutputLimits, steps: &[Step]) -> (Vec<Value>, Value) {
    let mut cell = CellOutputs::new(limits);
    let mut batches = Vec::new();
    let mut listener = Vec::new();
    let mut take = |cell: &mut CellOutputs| {
        let updates = replay(cell, &mut listener);
        if !updates.is_empty() {
            batches.push(serde_json::to_value(&updates).unwrap());
        }
    };
    for step in steps {
        match step {
            Message(message) => cell.apply(message),
            Batch => take(&mut cell),
        }
    }
    take(&mut cell);
    let outputs = cell.outputs();
    // The Rust listener agrees; the UI's must too.
    assert_eq!(listener, outputs);
    (batches, serde_json::to_value(&outputs).unwrap())
}

fn files() -> BTreeMap<String, String> {
    runs()
        .into_iter()
        .map(|(name, description, limits, steps)| {
            let (batches, outputs) = record(limits, &steps);
            let json = json!({
                "description": description,
                "batches": batches,
                "outputs": outputs,
            });
            (
                format!("{name}.json"),
                serde_json::to_string_pretty(&json).unwrap() + "\n",
            )
        })
        .collect()
}

#[test]
fn recorded_runs_for_the_ui_are_what_the_fold_gives() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/kernel/recorded");
    let files = files();
    if std::env::var_os("UPDATE_RECORDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in &files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return;
    }
    let mut committed: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    committed.sort();
    assert_eq!(
        committed,
        files.keys().cloned().collect::<Vec<_>>(),
        "the recordings in {} are not the runs of this test: UPDATE_RECORDINGS=1 cargo test -p sagedesk --lib recorded",
        dir.display()
    );
    for (name, text) in &files {
        let path = dir.join(name);
        let on_disk = std::fs::read_to_string(&path).unwrap();
        assert!(
            on_disk == *text,
            "{} is stale: UPDATE_RECORDINGS=1 cargo test -p sagedesk --lib recorded",
            path.display()
        );
    }
}

#[test]
fn recorded_runs_reach_every_kind_of_update() {
    let kinds: std::collections::BTreeSet<String> = files()
        .values()
        .flat_map(|text| {
            let json: Value = serde_json::from_str(text).unwrap();
            json["batches"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|batch| batch.as_array().unwrap().clone())
                .map(|update| update["kind"].as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    for kind in [
        "clear",
        "insert",
        "replace",
        "remove",
        "appendText",
        "rewriteLine",
        "trimText",
    ] {
        assert!(kinds.contains(kind), "no {kind} recorded: {kinds:?}");
    }
}
