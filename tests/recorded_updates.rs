//! Runs of a cell folded by the core, recorded for the UI: each file in
//! `ui/src/lib/kernel/recorded/` holds the batches of output updates the
//! Rust fold sent for a sequence of kernel messages, and the outputs the
//! fold ended with. The UI's test (`recorded.test.ts`) replays the batches
//! through its own `applyUpdate` and must reach the same outputs, so the two
//! sides of the update protocol cannot drift apart.
//!
//! This test fails when a file is not what the fold gives today. After
//! changing the fold or the protocol, rewrite them with
//!
//! ```sh
//! UPDATE_RECORDINGS=1 cargo test -p sagedesk --test recorded_updates
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;

use jupyter_protocol::{
    ClearOutput, DisplayData, ErrorOutput, ExecuteResult, ExecutionCount, JupyterMessageContent,
    Media, MediaType, StreamContent, Transient, UpdateDisplayData,
};
use sagedesk::kernel::outputs::{CellOutputs, OutputLimits, apply_update};
use serde_json::{Value, json};

/// A kernel message, or the point where the fold's pending updates go out
/// as one batch (as the pacer lets a batch go).
enum Step {
    Message(JupyterMessageContent),
    Batch,
}

use Step::{Batch, Message};

fn out(text: &str) -> Step {
    Message(JupyterMessageContent::StreamContent(StreamContent::stdout(
        text,
    )))
}

fn err(text: &str) -> Step {
    Message(JupyterMessageContent::StreamContent(StreamContent::stderr(
        text,
    )))
}

fn plain(text: &str) -> Media {
    Media::new(vec![MediaType::Plain(text.to_owned())])
}

fn display(media: Media, id: Option<&str>) -> Step {
    Message(JupyterMessageContent::DisplayData(DisplayData {
        data: media,
        metadata: Default::default(),
        transient: id.map(|id| Transient {
            display_id: Some(id.to_owned()),
        }),
    }))
}

fn update(text: &str, id: &str) -> Step {
    Message(JupyterMessageContent::UpdateDisplayData(
        UpdateDisplayData::new(plain(text), id),
    ))
}

fn clear(wait: bool) -> Step {
    Message(JupyterMessageContent::ClearOutput(ClearOutput { wait }))
}

fn result(count: usize, media: Media) -> Step {
    Message(JupyterMessageContent::ExecuteResult(ExecuteResult::new(
        ExecutionCount::new(count),
        media,
    )))
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

/// A small deterministic generator (splitmix64): the random run is the same
/// at every recording.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n as u64) as usize
    }

    fn text(&mut self, pieces: &[&str], max: usize) -> String {
        (0..self.below(max + 1))
            .map(|_| pieces[self.below(pieces.len())])
            .collect()
    }
}

fn random_run(seed: u64, length: usize) -> Vec<Step> {
    let mut rng = Rng(seed);
    let pieces = [
        "a", "bc", "é", "\n", "\r", "\x08", "\r\n", "xyz\n", "\x1b[31m",
    ];
    (0..length)
        .map(|_| {
            let id = [None, Some("p"), Some("q")][rng.below(3)];
            match rng.below(24) {
                0..=6 => out(&rng.text(&pieces, 8)),
                7..=9 => err(&rng.text(&pieces, 8)),
                10..=12 => display(plain(&rng.text(&["x", "yz"], 30)), id),
                13 => update(&rng.text(&["u", "vw"], 30), id.unwrap_or("p")),
                14 => result(rng.below(9), plain(&rng.text(&["r"], 20))),
                15 => Message(JupyterMessageContent::ErrorOutput(ErrorOutput {
                    ename: "E".into(),
                    evalue: rng.text(&["v"], 10),
                    traceback: vec![rng.text(&["t"], 10)],
                })),
                16 => clear(false),
                17 => clear(true),
                _ => Batch,
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
                out("step 1/3\r"),
                Batch,
                out("step 2/3\r"),
                out("step 3/3\rdone\n"),
                Batch,
                err("warning: slow\n"),
                out("abc\x08\x08X\n"),
                Batch,
                out("\x1b[32mgreen\x1b[0m\n"),
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
                    steps.push(out(&format!("line {i}\n")));
                    // Seldom at first (the tail is sent again), then after
                    // every line (the tail's first line is dropped).
                    if i % 7 == 0 || i > 30 {
                        steps.push(Batch);
                    }
                }
                steps.push(out("last, no newline"));
                steps.push(Batch);
                steps
            },
        ),
        (
            "displays",
            "displays with ids updated from later messages, a result, and an error",
            OutputLimits::default(),
            vec![
                display(plain("progress 0%"), Some("bar")),
                Batch,
                update("progress 50%", "bar"),
                display(latex.clone(), None),
                Batch,
                update("progress 100%", "bar"),
                result(3, latex),
                Message(JupyterMessageContent::ErrorOutput(ErrorOutput {
                    ename: "ZeroDivisionError".into(),
                    evalue: "rational division by zero".into(),
                    traceback: vec![
                        "\x1b[0;31mZeroDivisionError\x1b[0m  Traceback".into(),
                        "\x1b[0;31mZeroDivisionError\x1b[0m: rational division by zero".into(),
                    ],
                })),
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
                    steps.push(clear(true));
                    steps.push(display(plain(&format!("frame {frame}")), None));
                    steps.push(out(&format!("drawn {frame}\n")));
                    if frame % 3 == 0 {
                        steps.push(Batch);
                    }
                }
                steps.push(clear(false));
                steps.push(Batch);
                steps.push(out("after\n"));
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
                    steps.push(display(plain(&format!("plot {i}")), None));
                    steps.push(err(&format!("note {i}\n")));
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
        let updates = cell.take_updates();
        for update in &updates {
            apply_update(&mut listener, update).expect("the fold's updates fit");
        }
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
fn the_ui_replays_what_the_fold_records() {
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
        "the recordings in {} are not the runs of this test: UPDATE_RECORDINGS=1 cargo test -p sagedesk --test recorded_updates",
        dir.display()
    );
    for (name, text) in &files {
        let path = dir.join(name);
        let on_disk = std::fs::read_to_string(&path).unwrap();
        assert!(
            on_disk == *text,
            "{} is stale: UPDATE_RECORDINGS=1 cargo test -p sagedesk --test recorded_updates",
            path.display()
        );
    }
}

#[test]
fn the_recordings_reach_every_kind_of_update() {
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
