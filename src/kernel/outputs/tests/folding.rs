use super::*;

#[test]
fn streams_of_one_name_coalesce_until_another_output() {
    let cell = fold(&[
        out("a"),
        out("b\n"),
        err("oops\n"),
        out("c\n"),
        out("d\n"),
        display("x", None),
        out("e"),
    ]);
    assert_eq!(shown(&cell), ["ab\n", "oops\n", "c\nd\n", "x", "e"]);
}

#[test]
fn carriage_return_leaves_a_progress_bar_at_its_last_state() {
    let cell = fold(&[
        err("  0%|          |\r"),
        err(" 50%|#####     |\r"),
        err("100%|##########|"),
        err("\n"),
        err("done\n"),
    ]);
    assert_eq!(shown(&cell), ["100%|##########|\ndone\n"]);
    // A shorter text overwrites its own width only, as in a terminal and in Jupyter.
    assert_eq!(shown(&fold(&[out("abcdef\r12")])), ["12cdef"]);
    assert_eq!(shown(&fold(&[out("line\r\nnext\n")])), ["line\nnext\n"]);
    assert_eq!(
        shown(&fold(&[out("abc\r"), out("x"), out("\rxy\nz")])),
        ["xyc\nz"]
    );
}

/// Jupyter's `fixCarriageReturn` on the whole text, as it shows.
fn fix_carriage_return(text: &str) -> String {
    let mut shown = String::new();
    for line in text.split_inclusive('\n') {
        let body = line.strip_suffix('\n');
        let mut kept: Vec<char> = Vec::new();
        for part in body.unwrap_or(line).split('\r') {
            for (i, c) in part.chars().enumerate() {
                match kept.get_mut(i) {
                    Some(old) => *old = c,
                    None => kept.push(c),
                }
            }
        }
        shown.extend(kept);
        if body.is_some() {
            shown.push('\n');
        }
    }
    shown
}

#[test]
fn carriage_returns_fold_as_in_jupyter_whatever_the_message_boundaries() {
    let mut rng = Rng(7);
    for _ in 0..2000 {
        let text = rng.text(&["a", "b", "é", "\n", "\r", "\r\n"], 30);
        let mut messages = Vec::new();
        let mut rest = text.as_str();
        while !rest.is_empty() {
            let at = floor_char_boundary(rest, 1 + rng.below(rest.len()));
            let at = if at == 0 {
                ceil_char_boundary(rest, 1)
            } else {
                at
            };
            messages.push(out(&rest[..at]));
            rest = &rest[at..];
        }
        let cell = fold(&messages);
        let expected: Vec<String> = if text.is_empty() {
            vec![]
        } else {
            vec![fix_carriage_return(&text)]
        };
        assert_eq!(shown(&cell), expected, "{text:?}");
    }
}

#[test]
fn backspace_erases_the_character_before_it() {
    assert_eq!(shown(&fold(&[out("abc\x08\x08d\n")])), ["ad\n"]);
    assert_eq!(
        shown(&fold(&[out("abc"), out("\x08"), out("é\x08x")])),
        ["abx"]
    );
    assert_eq!(shown(&fold(&[out("abc\rX\x08Y")])), ["Ybc"]);
    assert_eq!(shown(&fold(&[out("a\n\x08b")])), ["a\nb"]);
}

#[test]
fn clear_output_without_wait_clears_at_once() {
    let mut cell = fold(&[out("old\n"), display("plot", None)]);
    cell.apply(&clear(false));
    assert!(cell.is_empty());
    cell.apply(&out("new\n"));
    assert_eq!(shown(&cell), ["new\n"]);
}

#[test]
fn clear_output_with_wait_keeps_the_old_outputs_until_the_next_one() {
    let mut cell = fold(&[out("frame 1\n"), display("plot 1", Some("p"))]);
    let mut listener = Vec::new();
    replay(&mut cell, &mut listener);

    cell.apply(&clear(true));
    assert_eq!(shown(&cell), ["frame 1\n", "plot 1"]);
    assert_eq!(cell.take_updates(), []);
    // An update of a display is not an output: the old ones still stay.
    cell.apply(&update("plot 1b", "p"));
    assert_eq!(shown(&cell), ["frame 1\n", "plot 1b"]);
    replay(&mut cell, &mut listener);

    cell.apply(&out("frame 2\n"));
    assert_eq!(shown(&cell), ["frame 2\n"]);
    // The listener swaps them in one batch, with no empty state between.
    let expected = [
        OutputUpdate::Clear,
        OutputUpdate::Insert {
            index: 0,
            output: Output::Stream {
                name: "stdout".into(),
                text: "frame 2\n".into(),
                tail: None,
            },
        },
    ];
    assert_eq!(replay(&mut cell, &mut listener), expected);
}

#[test]
fn update_display_data_replaces_every_output_with_its_display_id() {
    let mut cell = fold(&[
        display("v1", Some("d")),
        out("between\n"),
        display("other", Some("e")),
        display("v1 again", Some("d")),
    ]);
    let metadata = MimeBundle::from_iter([("isolated".to_owned(), json!(true))]);
    cell.apply(&JupyterMessageContent::UpdateDisplayData(
        UpdateDisplayData {
            data: plain("v2"),
            metadata: metadata.clone(),
            transient: Transient {
                display_id: Some("d".into()),
            },
        },
    ));
    assert_eq!(shown(&cell), ["v2", "between\n", "other", "v2"]);
    let nb = cell.to_nbformat();
    assert_eq!(nb[3]["output_type"], "display_data");
    assert_eq!(nb[3]["metadata"], json!({ "isolated": true }));
    assert!(cell.update_display("e", &plain("e2"), &MimeBundle::new()));
    assert!(!cell.update_display("missing", &plain("x"), &MimeBundle::new()));
    assert_eq!(shown(&cell), ["v2", "between\n", "e2", "v2"]);
}

#[test]
fn nbformat_shape_of_each_output_type() {
    let png = "iVBORw0KGgo=";
    let cell = fold(&[
        out("1\n"),
        JupyterMessageContent::ExecuteResult(ExecuteResult::new(
            ExecutionCount::new(3),
            Media::new(vec![
                MediaType::Plain("x^2".into()),
                MediaType::Latex("$x^2$".into()),
            ]),
        )),
        JupyterMessageContent::DisplayData(DisplayData {
            data: Media::new(vec![
                MediaType::Png(png.into()),
                MediaType::Plain("Graphics object".into()),
            ]),
            metadata: MimeBundle::from_iter([("image/png".to_owned(), json!({ "width": 400 }))]),
            transient: Some(Transient {
                display_id: Some("plot".into()),
            }),
        }),
        JupyterMessageContent::ErrorOutput(ErrorOutput {
            ename: "ZeroDivisionError".into(),
            evalue: "rational division by zero".into(),
            traceback: vec![
                "\u{1b}[0;31m----\u{1b}[0m".into(),
                "ZeroDivisionError: rational division by zero".into(),
            ],
        }),
    ]);
    let expected = vec![
        json!({ "output_type": "stream", "name": "stdout", "text": "1\n" }),
        json!({
            "output_type": "execute_result",
            "execution_count": 3,
            "data": { "text/plain": "x^2", "text/latex": "$x^2$" },
            "metadata": {},
        }),
        // No display_id: nbformat's display_data has no field for it.
        json!({
            "output_type": "display_data",
            "data": { "image/png": png, "text/plain": "Graphics object" },
            "metadata": { "image/png": { "width": 400 } },
        }),
        json!({
            "output_type": "error",
            "ename": "ZeroDivisionError",
            "evalue": "rational division by zero",
            "traceback": ["\u{1b}[0;31m----\u{1b}[0m", "ZeroDivisionError: rational division by zero"],
        }),
    ];
    assert_eq!(cell.to_nbformat(), expected);
    for (output, nb) in cell.outputs().iter().zip(&expected) {
        assert_eq!(
            &serde_json::to_value(output).unwrap(),
            nb,
            "Serialize is the nbformat shape"
        );
    }
}

#[test]
fn mime_bundles_keep_json_as_json_and_text_as_text() {
    let media: Media = serde_json::from_value(json!({
        "text/plain": ["a\n", "b"],
        "application/json": { "k": [1, 2] },
        "application/x-sage+json": { "z": 1 },
    }))
    .unwrap();
    let cell = fold(&[JupyterMessageContent::DisplayData(DisplayData::new(media))]);
    assert_eq!(
        cell.to_nbformat()[0]["data"],
        json!({ "text/plain": "a\nb", "application/json": { "k": [1, 2] }, "application/x-sage+json": { "z": 1 } })
    );
}

#[test]
fn other_messages_change_nothing() {
    let mut cell = fold(&[out("x")]);
    cell.take_updates();
    cell.apply(&JupyterMessageContent::Status(
        jupyter_protocol::Status::busy(),
    ));
    assert!(!cell.has_updates());
    assert_eq!(shown(&cell), ["x"]);
}
