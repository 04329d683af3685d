use super::*;

pub(super) fn random_message(rng: &mut Rng) -> JupyterMessageContent {
    let pieces = ["a", "bc", "é", "\n", "\r", "\x08", "\r\n", "xyz\n"];
    let id = [None, Some("p"), Some("q")][rng.below(3)];
    match rng.below(20) {
        0..=6 => out(&rng.text(&pieces, 8)),
        7..=10 => err(&rng.text(&pieces, 8)),
        11..=13 => display(&rng.text(&["x", "yz"], 40), id),
        14 => update(&rng.text(&["u", "vw"], 40), id.unwrap_or("p")),
        15 => JupyterMessageContent::ExecuteResult(ExecuteResult::new(
            ExecutionCount::new(rng.below(9)),
            plain(&rng.text(&["r"], 20)),
        )),
        16 => JupyterMessageContent::ErrorOutput(ErrorOutput {
            ename: "E".into(),
            evalue: rng.text(&["v"], 10),
            traceback: vec![rng.text(&["t"], 10)],
        }),
        17 => clear(false),
        _ => clear(true),
    }
}

/// The limits hold after every message, and the byte count is exact.
fn check_limits(cell: &CellOutputs, limits: &OutputLimits) {
    let mut bytes = 0;
    for slot in cell.head.iter().chain(&cell.tail) {
        match &slot.body {
            Body::Stream(stream) => {
                let (live, lines) = (stream.live(), stream.lines);
                assert_eq!(lines, live.matches('\n').count());
                if stream.cut {
                    assert!(stream.head.matches('\n').count() <= limits.stream_head_lines);
                    assert!(stream.head.len() <= limits.stream_head_bytes);
                    assert!(
                        lines <= limits.stream_tail_lines && live.len() <= limits.stream_tail_bytes
                    );
                } else {
                    assert!(lines <= limits.stream_head_lines + limits.stream_tail_lines);
                    assert!(live.len() <= limits.stream_head_bytes + limits.stream_tail_bytes);
                }
                bytes += stream.head.len() + live.len();
            }
            Body::Fixed(output) => bytes += output_size(output),
        }
    }
    assert_eq!(bytes, cell.bytes);
    let kept = cell.head.len() + cell.tail.len();
    assert!(kept <= limits.head_outputs + limits.tail_outputs);
    assert!(
        cell.bytes <= limits.max_bytes || kept == 1,
        "{} bytes",
        cell.bytes
    );
    assert_eq!(cell.marker.is_some(), cell.dropped > 0);
}

#[test]
fn replaying_the_updates_gives_the_same_outputs() {
    for seed in 0..400 {
        let mut rng = Rng(seed);
        let limits = OutputLimits {
            stream_head_lines: rng.below(4),
            stream_head_bytes: rng.below(30),
            stream_tail_lines: rng.below(4),
            stream_tail_bytes: rng.below(30),
            head_outputs: rng.below(4),
            tail_outputs: 1 + rng.below(4),
            max_bytes: 40 + rng.below(400),
        };
        let mut cell = CellOutputs::new(limits);
        let mut listener = Vec::new();
        for step in 0..200 {
            cell.apply(&random_message(&mut rng));
            check_limits(&cell, &limits);
            if rng.below(3) == 0 {
                replay(&mut cell, &mut listener);
                assert_eq!(listener, cell.outputs(), "seed {seed}, step {step}");
            }
        }
        replay(&mut cell, &mut listener);
        assert_eq!(listener, cell.outputs(), "seed {seed}");
        assert_eq!(cell.take_updates(), []);
    }
}

#[test]
fn replaying_matches_with_room_to_spare_too() {
    for seed in 0..200 {
        let mut rng = Rng(seed);
        let mut cell = CellOutputs::new(OutputLimits::default());
        let mut listener = Vec::new();
        for _ in 0..300 {
            cell.apply(&random_message(&mut rng));
            if rng.below(4) == 0 {
                replay(&mut cell, &mut listener);
            }
        }
        replay(&mut cell, &mut listener);
        assert_eq!(listener, cell.outputs(), "seed {seed}");
    }
}

#[test]
fn coalesced_text_comes_as_one_append() {
    let mut cell = fold(&[out("a")]);
    let mut listener = Vec::new();
    replay(&mut cell, &mut listener);
    for text in ["b", "c\n", "d"] {
        cell.apply(&out(text));
    }
    assert_eq!(
        replay(&mut cell, &mut listener),
        [OutputUpdate::AppendText {
            index: 0,
            text: "bc\nd".into()
        }]
    );
}

#[test]
fn a_listener_starting_late_gets_everything() {
    let mut cell = fold(&[out("a\n"), display("b", None)]);
    let updates = cell.take_updates();
    assert!(matches!(
        updates.as_slice(),
        [
            OutputUpdate::Insert { index: 0, .. },
            OutputUpdate::Insert { index: 1, .. }
        ]
    ));
    assert!(!cell.has_updates());
}
