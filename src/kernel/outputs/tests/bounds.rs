use super::*;

/// A stream's buffer holds at most 4 KiB, or as much as its kept
/// end, of text already dropped.
fn spent_text_is_bounded(cell: &CellOutputs) -> bool {
    cell.head
        .iter()
        .chain(&cell.tail)
        .all(|slot| match &slot.body {
            Body::Stream(stream) => stream.start <= 4096 || stream.start <= stream.live().len(),
            Body::Fixed(_) => true,
        })
}

#[test]
fn a_million_lines_keep_memory_flat() {
    let limits = OutputLimits::default();
    let mut cell = CellOutputs::new(limits);
    // ipykernel sends stdout every 0.2 s: ten messages of 100,000 lines.
    let mut written = 0;
    for chunk in 0..10 {
        let text: String = (chunk * 100_000..(chunk + 1) * 100_000)
            .map(|i| format!("{i}\n"))
            .collect();
        written += text.len() as u64;
        cell.apply(&out(&text));
        assert!(cell.retained_bytes() <= limits.stream_head_bytes + limits.stream_tail_bytes);
    }
    let outputs = cell.outputs();
    let [
        Output::Stream {
            text: head,
            tail: Some(tail),
            ..
        },
    ] = outputs.as_slice()
    else {
        panic!("one cut stream: {outputs:?}");
    };
    assert_eq!(head.lines().count(), 500);
    assert!(head.starts_with("0\n1\n2\n") && head.ends_with("\n499\n"));
    assert_eq!(tail.text.lines().count(), 500);
    assert!(tail.text.starts_with("999500\n") && tail.text.ends_with("\n999999\n"));
    assert_eq!(
        tail.omitted_lines, 999_000,
        "exactly the lines between 499 and 999500"
    );
    assert_eq!(
        tail.omitted_bytes,
        written - head.len() as u64 - tail.text.len() as u64
    );
    assert!(spent_text_is_bounded(&cell));
    let text = cell.to_nbformat()[0]["text"].as_str().unwrap().to_owned();
    assert!(text.contains("\n499\n… 999,000 lines (6.9 MB) not kept …\n999500\n"));
}

#[test]
fn a_line_per_message_stays_cheap_once_cut() {
    let mut cell = CellOutputs::new(OutputLimits::default());
    let mut listener = Vec::new();
    let (mut written, mut sent) = (0, 0);
    // The 1,001st line (i = 1000) makes the first cut, which resends
    // the output once; after it only new text travels.
    for i in 0..=20_000 {
        let line = format!("{i}\n");
        cell.apply(&out(&line));
        if i > 1000 {
            written += line.len();
        }
        if i % 10 == 0 {
            for update in replay(&mut cell, &mut listener) {
                match update {
                    OutputUpdate::AppendText { text, .. } if i > 1000 => sent += text.len(),
                    OutputUpdate::TrimText { .. } => {}
                    other => assert!(i <= 1000, "line {i}: {other:?}"),
                }
            }
        }
    }
    assert_eq!(sent, written, "the text went over once");
    assert_eq!(listener, cell.outputs());
    assert!(spent_text_is_bounded(&cell));
}

#[test]
fn a_progress_bar_after_much_text_resends_its_line_only() {
    let mut cell = CellOutputs::new(OutputLimits::default());
    let mut listener = Vec::new();
    cell.apply(&out(&"log line\n".repeat(900)));
    replay(&mut cell, &mut listener);
    cell.apply(&out("\r 10%"));
    assert_eq!(
        replay(&mut cell, &mut listener),
        [OutputUpdate::AppendText {
            index: 0,
            text: " 10%".into()
        }]
    );
    cell.apply(&out("\r 20%"));
    cell.apply(&out("\r 30%"));
    assert_eq!(
        replay(&mut cell, &mut listener),
        [OutputUpdate::RewriteLine {
            index: 0,
            text: " 30%".into()
        }]
    );
    assert_eq!(listener, cell.outputs());
}

#[test]
fn one_huge_line_keeps_its_start_and_end() {
    let limits = OutputLimits {
        stream_head_bytes: 100,
        stream_tail_bytes: 100,
        ..Default::default()
    };
    let cell = fold_with(limits, &[out(&"é".repeat(1000)), out("\rdone")]);
    let outputs = cell.outputs();
    let [
        Output::Stream {
            text,
            tail: Some(tail),
            ..
        },
    ] = outputs.as_slice()
    else {
        panic!("one cut stream");
    };
    assert_eq!(text, &"é".repeat(50));
    assert_eq!(tail.omitted_lines, 0);
    assert_eq!(tail.omitted_bytes, 1800);
    // The \r rewrote the start of what is kept of the line.
    assert_eq!(tail.text, format!("done{}", "é".repeat(46)));
    let nb = cell.to_nbformat()[0]["text"].as_str().unwrap().to_owned();
    assert!(
        nb.contains("é\n… 1.8 kB of one line not kept …\ndone"),
        "{nb}"
    );
}

#[test]
fn a_loop_of_displays_keeps_the_first_and_the_latest_outputs() {
    let mut cell = CellOutputs::new(OutputLimits::default());
    for i in 0..20_000 {
        cell.apply(&display(&i.to_string(), None));
    }
    let shown = shown(&cell);
    assert_eq!(shown.len(), 1001);
    assert_eq!((shown[0].as_str(), shown[499].as_str()), ("0", "499"));
    assert_eq!(shown[500], "… 19,000 outputs not kept …\n");
    assert_eq!(
        (shown[501].as_str(), shown[1000].as_str()),
        ("19500", "19999")
    );
    assert_eq!(cell.to_nbformat()[500]["name"], "stderr");
}

#[test]
fn rich_outputs_stay_within_the_byte_budget() {
    let limits = OutputLimits {
        max_bytes: 10_000,
        ..Default::default()
    };
    let image = |i: usize, bytes: usize, id: Option<&str>| {
        JupyterMessageContent::DisplayData(DisplayData {
            data: Media::new(vec![
                MediaType::Png("A".repeat(bytes)),
                MediaType::Plain(i.to_string()),
            ]),
            metadata: MimeBundle::new(),
            transient: id.map(|id| Transient {
                display_id: Some(id.to_owned()),
            }),
        })
    };
    let mut cell = CellOutputs::new(limits);
    for i in 0..10 {
        cell.apply(&image(i, 3000, None));
    }
    assert!(cell.retained_bytes() <= 10_000);
    let kept = shown(&cell);
    assert_eq!(
        (kept[0].as_str(), kept.last().unwrap().as_str()),
        ("0", "9")
    );
    assert_eq!(
        kept[kept.len() / 2],
        format!("… {} outputs not kept …\n", 11 - kept.len())
    );

    // One output larger than the budget becomes a notice, still updatable.
    cell.apply(&image(10, 20_000, Some("big")));
    let nb = cell.to_nbformat();
    let notice = nb.last().unwrap()["data"]["text/plain"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        notice.contains("not kept: 20.0 kB of image/png, text/plain"),
        "{notice}"
    );
    assert!(cell.retained_bytes() <= 10_000);
    assert!(cell.update_display("big", &plain("small now"), &MimeBundle::new()));
    assert_eq!(shown(&cell).last().unwrap(), "small now");
}
