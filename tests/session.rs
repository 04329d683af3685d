//! Sessions on the real engine and image: cells queued while Sage starts,
//! a kernel killed or out of memory under a running cell, the automatic
//! restart, interrupts, and sessions side by side.

mod support;

use std::time::Duration;

use jupyter_protocol::messaging::JupyterMessageContent;
use sagedesk::session::{
    CellEvent, CellStatus, DeathReason, InterruptOutcome, Payload, Session, SessionState,
};
use support::{container_exists, docker, engine, result, run, session};

#[tokio::test]
async fn cells_sent_while_starting_are_queued_and_run_in_order() {
    let s = session(|_| {}).await;
    assert_eq!(s.state(), SessionState::Starting);
    // Sent before the kernel is up: none may be lost.
    let a = s.execute("a = 20").unwrap();
    let b = s.execute("b = a + 1").unwrap();
    drop((a, b));
    let last = run(&s, "a + b").await;
    assert_eq!(result(&last).as_deref(), Some("41"));
    assert!(
        matches!(
            last.last(),
            Some(CellEvent::Finished {
                status: CellStatus::Ok,
                execution_count: Some(3)
            })
        ),
        "{last:?}"
    );
    assert_eq!(s.state(), SessionState::Idle);
    s.shutdown().await;
}

#[tokio::test]
async fn a_kernel_killed_under_a_cell_says_so_and_the_next_cell_runs_in_a_new_kernel() {
    let s = session(|_| {}).await;
    s.ready().await.unwrap();
    run(&s, "v = 1").await;
    let mut cell = s.execute("import time; time.sleep(60)").unwrap();
    assert!(matches!(cell.events.recv().await, Some(CellEvent::Started)));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut last = None;
    let name = s.container_name();
    let (killed, said) = docker(&["kill", &name]);
    assert!(killed, "{said}");
    while let Some(event) = cell.events.recv().await {
        last = Some(event);
    }
    match last {
        Some(CellEvent::KernelDied { reason, message }) => {
            assert_eq!(reason, DeathReason::Killed { signal: 9 });
            assert!(message.contains("killed"), "{message}");
            assert!(message.contains("restarted"), "{message}");
            assert!(
                message.contains("variables from earlier cells are gone"),
                "{message}"
            );
        }
        other => panic!("the cell should end with KernelDied, got {other:?}"),
    }
    // The next cell runs in a restarted kernel, where `v` is gone.
    let events = run(&s, "'v' in globals()").await;
    assert_eq!(result(&events).as_deref(), Some("False"));
    s.shutdown().await;
}

#[tokio::test]
async fn running_out_of_memory_is_named_with_the_limit() {
    let s = session(|c| {
        c.limits.memory_bytes = 512 << 20;
        c.auto_restart = false;
    })
    .await;
    s.ready().await.unwrap();
    let events = run(&s, "x = bytearray(2 * 1024^3)").await;
    match events.last() {
        Some(CellEvent::KernelDied { reason, message }) => {
            assert_eq!(
                reason,
                &DeathReason::OutOfMemory {
                    limit_bytes: 512 << 20
                }
            );
            assert!(
                message.contains("ran out of memory (limit 512 MiB)"),
                "{message}"
            );
        }
        other => panic!("expected the kernel to die of memory, got {other:?}"),
    }
    assert!(matches!(
        s.state(),
        SessionState::Dead {
            reason: DeathReason::OutOfMemory { .. }
        }
    ));
    s.shutdown().await;
}

#[tokio::test]
async fn an_endless_loop_is_interrupted_and_the_variables_survive() {
    let s = session(|_| {}).await;
    s.ready().await.unwrap();
    run(&s, "kept = 'still here'").await;
    let mut cell = s.execute("while True: pass").unwrap();
    assert!(matches!(cell.events.recv().await, Some(CellEvent::Started)));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = std::time::Instant::now();
    let outcome = s.interrupt().await.unwrap();
    assert_eq!(outcome, InterruptOutcome::Interrupted);
    assert!(asked.elapsed() < Duration::from_secs(5));
    let mut saw_keyboard_interrupt = false;
    while let Some(event) = cell.events.recv().await {
        if let CellEvent::Output(JupyterMessageContent::ErrorOutput(e)) = &event {
            saw_keyboard_interrupt |= e.ename == "KeyboardInterrupt";
        }
    }
    assert!(saw_keyboard_interrupt);
    assert_eq!(
        result(&run(&s, "kept").await).as_deref(),
        Some("'still here'")
    );
    s.shutdown().await;
}

#[tokio::test]
async fn three_sessions_side_by_side_keep_their_own_variables() {
    let sessions = [
        session(|_| {}).await,
        session(|_| {}).await,
        session(|_| {}).await,
    ];
    for (i, s) in sessions.iter().enumerate() {
        run(s, &format!("mine = {i}")).await;
    }
    for (i, s) in sessions.iter().enumerate() {
        assert_eq!(
            result(&run(s, "mine * 10").await),
            Some(format!("{}", i * 10))
        );
    }
    for s in sessions {
        let name = s.container_name();
        s.shutdown().await;
        assert!(!container_exists(&name), "shutdown removes {name}");
    }
}

/// A million printed lines reach the listener in batches (at most about 30
/// a second), and what is kept of them is bounded: the first and the last
/// lines are there, with a marker that counts exactly the lines left out.
/// The listener's copy, built only from the batches, equals the session's.
#[tokio::test]
async fn a_million_lines_arrive_paced_and_bounded_with_first_and_last() {
    use sagedesk::kernel::outputs::{OutputLimits, apply_update};
    use sagedesk::session::{CellUpdate, forward_keeping};
    let s = session(|_| {}).await;
    s.ready().await.unwrap();
    let limits = OutputLimits::default();
    let run = s.execute("for i in range(10^6): print(i)").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("outputs/cell.txt");
    let started = std::time::Instant::now();
    let mut batches = 0u32;
    let mut mirror = Vec::new();
    let mut kept_whole = None;
    let done = tokio::time::timeout(
        Duration::from_secs(120),
        forward_keeping(run, limits, Some(&whole), |batch| {
            batches += 1;
            for update in batch {
                match update {
                    CellUpdate::Outputs { updates } => {
                        for u in &updates {
                            apply_update(&mut mirror, u).unwrap();
                        }
                    }
                    CellUpdate::WholeOutputKept { bytes } => kept_whole = Some(bytes),
                    _ => {}
                }
            }
        }),
    )
    .await
    .expect("the cell ends");
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(done.status, Some(CellStatus::Ok));
    assert!(
        f64::from(batches) <= elapsed * 30.0 + 5.0,
        "{batches} batches in {elapsed:.2} s"
    );
    assert_eq!(
        mirror,
        done.outputs.outputs(),
        "the listener's copy is the session's"
    );
    let kept = done.outputs.retained_bytes();
    let bound = limits.stream_head_bytes + limits.stream_tail_bytes + 64 * 1024;
    assert!(kept <= bound, "kept {kept} bytes, bound {bound}");
    let notebook = done.outputs.to_nbformat();
    assert_eq!(notebook.len(), 1, "one stream output");
    let text: String = match &notebook[0]["text"] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(lines) => lines.iter().filter_map(|l| l.as_str()).collect(),
        other => panic!("stream text {other:?}"),
    };
    assert!(text.starts_with("0\n1\n2\n"), "{}", &text[..40]);
    assert!(
        text.ends_with("999998\n999999\n"),
        "{}",
        &text[text.len() - 40..]
    );
    let kept_lines = text.lines().filter(|l| l.parse::<u32>().is_ok()).count() as u64;
    let marker = text
        .lines()
        .find(|l| l.contains("not kept"))
        .expect("a marker for the lines left out");
    let omitted: u64 = marker
        .split_whitespace()
        .find_map(|w| w.replace(',', "").parse().ok())
        .expect("the marker counts the lines");
    assert_eq!(kept_lines + omitted, 1_000_000, "{marker}");

    // Everything printed is in the file the window can open, line for line.
    assert_eq!(done.whole_output.as_deref(), Some(whole.as_path()));
    let all = std::fs::read_to_string(&whole).unwrap();
    assert_eq!(kept_whole, Some(all.len() as u64));
    assert_eq!(all.lines().count(), 1_000_000);
    assert!(all.lines().enumerate().all(|(i, l)| l == i.to_string()));

    // A cell whose outputs hide nothing keeps no file.
    let short = dir.path().join("outputs/short.txt");
    let run = s.execute("print(1); print(2)").unwrap();
    let done = forward_keeping(run, limits, Some(&short), |batch| {
        assert!(
            !batch
                .iter()
                .any(|u| matches!(u, CellUpdate::WholeOutputKept { .. }))
        )
    })
    .await;
    assert_eq!(done.whole_output, None);
    assert!(!short.exists());
    s.shutdown().await;
}

#[tokio::test]
async fn a_kernel_left_running_is_reattached_with_its_variables() {
    let s = session(|_| {}).await;
    s.ready().await.unwrap();
    run(&s, "survivor = 6 * 7").await;
    let name = s.container_name();
    let record = s.detach().await.expect("a live kernel to let go of");
    assert_eq!(record.name, name);
    // The record goes to the data folder, owner-only, and back.
    let data = tempfile::tempdir().unwrap();
    let store = sagedesk::session::RecordStore::new(data.path());
    store.save(&record).unwrap();
    let record = store.load_all().pop().unwrap();

    let again = Session::resume(engine().await, record);
    again.ready().await.unwrap();
    assert!(again.resumed(), "the same container was taken over");
    assert_eq!(again.container_name(), name);
    assert_eq!(
        result(&run(&again, "survivor").await).as_deref(),
        Some("42")
    );
    again.shutdown().await;
}

/// A kernel that never answers ends the session as "did not start", and a
/// cell waiting for it is told so rather than left hanging.
#[tokio::test]
async fn a_kernel_that_never_answers_times_out_and_says_so() {
    let s = session(|c| {
        c.kernel_argv = vec!["sleep".into(), "600".into()];
        // `sleep` takes no kernel options: without the watch's argument
        // it stays up, silent, for the whole timeout.
        c.alone_stop_after = None;
        c.start_timeout = Duration::from_secs(3);
    })
    .await;
    let events = run(&s, "1 + 1").await;
    match events.last() {
        Some(CellEvent::KernelDied { reason, message }) => {
            assert_eq!(reason, &DeathReason::StartTimedOut { after_secs: 3 });
            assert!(message.contains("did not start within 3 s"), "{message}");
        }
        other => panic!("expected the start to time out, got {other:?}"),
    }
    let name = s.container_name();
    s.shutdown().await;
    assert!(
        !container_exists(&name),
        "the container of a failed start is removed"
    );
}

/// A kernel killed again and again is restarted with back-off, until the
/// breaker opens: then the session stays dead and says why.
#[tokio::test]
async fn repeated_deaths_open_the_circuit_breaker() {
    let s = session(|_| {}).await;
    let mut states = s.watch_state();
    for round in 1..=4 {
        s.ready()
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        let (killed, said) = docker(&["kill", &s.container_name()]);
        assert!(killed, "round {round}: {said}");
        // Wait until the death is noticed.
        tokio::time::timeout(
            Duration::from_secs(30),
            states.wait_for(|st| !matches!(st, SessionState::Idle)),
        )
        .await
        .expect("the death is noticed")
        .unwrap();
    }
    let last = tokio::time::timeout(
        Duration::from_secs(60),
        states.wait_for(|st| matches!(st, SessionState::Dead { .. })),
    )
    .await
    .expect("the breaker opens")
    .unwrap()
    .clone();
    assert_eq!(
        last,
        SessionState::Dead {
            reason: DeathReason::GaveUp { restarts: 3 }
        }
    );
    s.shutdown().await;
}

/// The kernel keeps its input history in memory: %history and the `_i`
/// variables work as in any IPython.
#[tokio::test]
async fn history_works_with_the_session_kernel_settings() {
    let s = session(|_| {}).await;
    run(&s, "a = 17").await;
    let events = run(&s, "%history -n").await;
    let printed: String = events
        .iter()
        .filter_map(|e| match e {
            CellEvent::Output(JupyterMessageContent::StreamContent(s)) => Some(s.text.clone()),
            _ => None,
        })
        .collect();
    assert!(printed.contains("1: a = 17"), "{printed}");
    assert_eq!(result(&run(&s, "_i1").await).as_deref(), Some("'a = 17'"));
    s.shutdown().await;
}

/// Completion and help go to the kernel while the session stays free to
/// route a running cell's events.
#[tokio::test]
async fn completion_and_help_come_from_the_kernel() {
    let s = session(|_| {}).await;
    s.ready().await.unwrap();
    let completions = s.complete("facto", 5).await.unwrap();
    assert!(
        completions.matches.iter().any(|m| m == "factor"),
        "{:?}",
        completions.matches
    );
    assert!(s.inspect("factor", 6).await.unwrap().found);
    s.shutdown().await;
}

fn payloads(events: &[CellEvent]) -> Vec<Payload> {
    events
        .iter()
        .filter_map(|e| match e {
            CellEvent::Payload(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

fn help_text(events: &[CellEvent]) -> String {
    match payloads(events).as_slice() {
        [Payload::Help { data }] => data["text/plain"].as_str().unwrap().to_string(),
        other => panic!("one help payload, got {other:?} in {events:?}"),
    }
}

/// What Sage's kernel asks of its front end when a cell ends: `factor?`
/// and `factor??` help, `%recall`'s and `%load`'s next cell, and `exit`,
/// which gives a new kernel, as asked, however often.
#[tokio::test]
async fn help_next_cells_and_exit_come_from_the_kernel_reply() {
    let s = session(|_| {}).await;
    let help = help_text(&run(&s, "factor?").await);
    assert!(help.contains("Signature:"), "{help}");
    assert!(help.contains("Return the factorization of"), "{help}");
    assert!(!help.contains("Source:"), "{help}");
    let source = help_text(&run(&s, "factor??").await);
    assert!(source.contains("Source:"), "{source}");
    assert!(source.contains("sage/arith/misc.py"), "{source}");

    run(&s, "2 + 2").await;
    let recall = run(&s, "%recall 3").await;
    assert_eq!(
        payloads(&recall),
        vec![Payload::NextInput {
            text: "2 + 2".into(),
            replace: false
        }]
    );
    run(&s, "open('/tmp/loaded.py', 'w').write('x = 1\\n')").await;
    let load = run(&s, "%load /tmp/loaded.py").await;
    match payloads(&load).as_slice() {
        [
            Payload::NextInput {
                text,
                replace: true,
            },
        ] => {
            assert!(
                text.starts_with("# %load /tmp/loaded.py\nx = 1"),
                "{text:?}"
            )
        }
        other => panic!("{other:?}"),
    }

    let stay = run(&s, "kept = 1; exit(keep_kernel=True)").await;
    assert_eq!(payloads(&stay), vec![Payload::Exit { keep_kernel: true }]);
    assert_eq!(result(&run(&s, "kept").await).as_deref(), Some("1"));
    // More exits than the breaker allows crashes: each is a fresh kernel.
    for _ in 0..4 {
        let exit = run(&s, "kept = 2; exit()").await;
        assert_eq!(payloads(&exit), vec![Payload::Exit { keep_kernel: false }]);
        assert!(
            matches!(
                exit.last(),
                Some(CellEvent::Finished {
                    status: CellStatus::Ok,
                    ..
                })
            ),
            "{exit:?}"
        );
        let after = run(&s, "'kept' in globals()").await;
        assert_eq!(result(&after).as_deref(), Some("False"), "{after:?}");
    }
    assert_eq!(s.state(), SessionState::Idle);
    s.shutdown().await;
}
