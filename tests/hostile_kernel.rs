//! A kernel cannot crash or wedge the app through its sockets: what it
//! sends is bounded before it is held, and a connection it breaks ends the
//! cell and brings a new kernel, with nothing left spinning.
//!
//! - a cell displaying 400 MB, and one displaying 200 MB, through
//!   `sagedesk run` with the real image: the app's peak memory stays within
//!   a budget, and each cell's output names the cut;
//! - a fake kernel in this process whose control socket is a raw TCP peer
//!   sending a frame header that claims 2^62 bytes: the running cell is
//!   told, and the process neither aborts nor spins;
//! - the real Sage kernel closing one of its own sockets under a cell: the
//!   cell ends saying so, a new kernel comes, and the app idles.

#![cfg(unix)]

mod support;

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use jupyter_protocol::connection_info::{ConnectionInfo, Transport};
use jupyter_protocol::messaging::{
    ExecuteReply, JupyterMessage, JupyterMessageContent, KernelInfoReply, Status,
};
use sagedesk::kernel::{ExecutionEvent, KernelClient, MAX_FRAME, NotKept};
use sagedesk::session::{CellEvent, DeathReason};
use serde_json::Value;
use support::{
    accept_handshaken, cpu_over, death, long_frame_header, output_and_peak_memory, result, run,
    session,
};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// How much CPU time the app may use over [`IDLE_WINDOW`] and count as
/// idle: a task spinning on a closed channel takes all of a core, and
/// other tests of this file running meanwhile take little in this process.
const IDLE_WINDOW: Duration = Duration::from_secs(3);
const IDLE_CPU: Duration = Duration::from_millis(750);

fn notebook(dir: &Path, cells: &[&str]) -> std::path::PathBuf {
    let cells: Vec<Value> = cells
        .iter()
        .enumerate()
        .map(|(i, source)| {
            serde_json::json!({
                "cell_type": "code", "execution_count": null, "id": format!("c{i}"),
                "metadata": {}, "outputs": [], "source": source
            })
        })
        .collect();
    let nb = serde_json::json!({
        "cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5
    });
    let path = dir.join("huge.ipynb");
    std::fs::write(&path, serde_json::to_vec_pretty(&nb).unwrap()).unwrap();
    // Owned by an ordinary user, as on a laptop: the kernel runs as the
    // folder's owner.
    for p in [dir, path.as_path()] {
        std::os::unix::fs::chown(p, Some(1000), Some(1000)).unwrap();
    }
    path
}

/// The plain text of each output of each code cell of a saved notebook.
fn texts(path: &Path) -> Vec<Vec<String>> {
    let nb: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Array(lines) => lines.iter().filter_map(Value::as_str).collect(),
        _ => String::new(),
    };
    nb["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|cell| {
            cell["outputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| text(&o["data"]["text/plain"]))
                .collect()
        })
        .collect()
}

/// A 400 MB display is longer than the frames the app takes, and is refused
/// at its header; a 200 MB one is within them but more than a cell keeps,
/// and is read once and never parsed. Held twice, the 200 MB one alone
/// would take the app past 400 MB (before these bounds it peaked at
/// 1.19 GB on the 400 MB cell). The kernel goes on: the next cell runs.
#[test]
fn displays_of_hundreds_of_megabytes_keep_the_app_within_its_memory_budget() {
    const BUDGET: u64 = 300 << 20;
    let dir = tempfile::tempdir().unwrap();
    let path = notebook(
        dir.path(),
        &[
            "from IPython.display import display\n\
             display({'text/plain': 'x' * 400_000_000}, raw=True)",
            "display({'text/plain': 'y' * 200_000_000}, raw=True)",
            "1 + 1",
        ],
    );
    let (out, peak) = output_and_peak_memory(
        Command::new(env!("CARGO_BIN_EXE_sagedesk"))
            .arg("run")
            .arg(&path),
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(
        peak < BUDGET,
        "the app peaked at {} MiB, over its budget of {} MiB",
        peak >> 20,
        BUDGET >> 20
    );
    let texts = texts(&path);
    assert_eq!(
        texts[0],
        [
            "… output not kept: the kernel sent a message of 400 MB, more than the 256 MiB SageDesk accepts from a kernel …"
        ]
    );
    assert_eq!(
        texts[1],
        ["… output not kept: 200 MB of display_data is more than the 50.0 MB a cell keeps …"]
    );
    assert_eq!(texts[2], ["2"]);
}

const KEY: &str = "the-session-key";

/// A kernel in this process that answers properly on shell, iopub, stdin
/// and heartbeat; its control socket is the test's raw peer. During its
/// first execution it asks for the attack through `attack`, and replies
/// once the attack was made.
async fn fake_kernel(info: ConnectionInfo, attack: oneshot::Sender<oneshot::Sender<()>>) {
    let mut attack = Some(attack);
    let sid = "fake-kernel";
    let mut shell = jupyter_zmq_client::create_kernel_shell_connection(&info, sid)
        .await
        .unwrap();
    let mut iopub = jupyter_zmq_client::create_kernel_iopub_connection(&info, sid)
        .await
        .unwrap();
    let _stdin = jupyter_zmq_client::create_kernel_stdin_connection(&info, sid)
        .await
        .unwrap();
    let _hb = jupyter_zmq_client::create_kernel_heartbeat_connection(&info)
        .await
        .unwrap();
    loop {
        let request = shell.read().await.unwrap();
        iopub
            .send(JupyterMessage::new(Status::busy(), Some(&request)))
            .await
            .unwrap();
        match &request.content {
            JupyterMessageContent::KernelInfoRequest(_) => {
                let reply: KernelInfoReply = serde_json::from_value(serde_json::json!({
                    "status": "ok", "protocol_version": "5.3", "implementation": "fake",
                    "implementation_version": "0", "banner": "",
                    "language_info": {"name": "sage", "version": "10.8"}, "help_links": []
                }))
                .unwrap();
                shell
                    .send(JupyterMessage::new(reply, Some(&request)))
                    .await
                    .unwrap();
            }
            JupyterMessageContent::ExecuteRequest(_) => {
                let (made, was_made) = oneshot::channel();
                if let Some(attack) = attack.take() {
                    attack.send(made).unwrap();
                    was_made.await.unwrap();
                    // Time for the guard to read the header.
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                shell
                    .send(JupyterMessage::new(ExecuteReply::default(), Some(&request)))
                    .await
                    .unwrap();
            }
            _ => {}
        }
        iopub
            .send(JupyterMessage::new(Status::idle(), Some(&request)))
            .await
            .unwrap();
    }
}

async fn run_to_done(client: &KernelClient) -> Vec<ExecutionEvent> {
    let mut execution = client.execute("anything", false).unwrap();
    let mut events = Vec::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), execution.events.recv())
            .await
            .expect("the execution ends")
            .expect("events until Done");
        if matches!(event, ExecutionEvent::Done) {
            return events;
        }
        events.push(event);
    }
}

/// Before the guard, the zeromq decoder reserved the claimed length at
/// once: the allocation failed and the process aborted.
#[tokio::test]
async fn a_frame_header_claiming_two_to_the_62_bytes_neither_aborts_nor_spins() {
    let control = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let ports = jupyter_zmq_client::peek_ports(IpAddr::V4(Ipv4Addr::LOCALHOST), 4)
        .await
        .unwrap();
    let info = ConnectionInfo {
        ip: "127.0.0.1".into(),
        transport: Transport::TCP,
        shell_port: ports[0],
        iopub_port: ports[1],
        stdin_port: ports[2],
        control_port: control.local_addr().unwrap().port(),
        hb_port: ports[3],
        key: KEY.into(),
        signature_scheme: "hmac-sha256".into(),
        kernel_name: None,
    };
    let (attack, attacked) = oneshot::channel::<oneshot::Sender<()>>();
    let kernel = tokio::spawn(fake_kernel(info.clone(), attack));
    let attacker = tokio::spawn(async move {
        let mut stream = accept_handshaken(&control, "ROUTER").await;
        let made = attacked.await.unwrap();
        stream.write_all(&long_frame_header(1 << 62)).await.unwrap();
        let _ = made.send(());
        // The frame's body trickles in, as a sender of 2^62 bytes would
        // send it: 6.4 MB a second, thrown away as it comes.
        let chunk = vec![b'x'; 64 * 1024];
        while stream.write_all(&chunk).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    let (client, _) = KernelClient::connect(&info, Duration::from_secs(20))
        .await
        .unwrap();

    let events = run_to_done(&client).await;
    let refused = NotKept::Refused {
        bytes: 1 << 62,
        limit: MAX_FRAME,
    };
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ExecutionEvent::NotKept(n) if *n == refused)),
        "the running cell is told: {events:?}"
    );
    let used = cpu_over(IDLE_WINDOW).await;
    eprintln!("{used:?} of CPU in {IDLE_WINDOW:?} while the refused frame's bytes come");
    assert!(
        used < IDLE_CPU,
        "{used:?} of CPU in {IDLE_WINDOW:?} while the refused frame's bytes come"
    );
    assert!(!attacker.is_finished(), "the attacker is still sending");
    // The client goes on: the next execution runs.
    let events = run_to_done(&client).await;
    assert!(
        events.iter().any(|e| matches!(e, ExecutionEvent::Reply(_))),
        "{events:?}"
    );
    attacker.abort();
    kernel.abort();
}

/// The Sage kernel closes its own stdin socket under a running cell: ZeroMQ
/// would reconnect quietly, forever, and the cell would never learn that
/// `input()` can no longer work. The cell ends saying what happened, a new
/// kernel takes the next cells, and nothing is left spinning.
#[tokio::test]
async fn a_socket_the_kernel_closes_ends_the_cell_and_brings_a_new_kernel() {
    let s = session(|_| {}).await;
    s.ready().await.unwrap();
    run(&s, "kept = 1").await;

    let started = Instant::now();
    let events = run(
        &s,
        "get_ipython().kernel.stdin_socket.close(linger=0)\nimport time; time.sleep(60)",
    )
    .await;
    let (reason, message) = death(&events);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the cell ended after {:?}",
        started.elapsed()
    );
    assert_eq!(
        reason,
        DeathReason::Disconnected {
            what: "closed its stdin socket".into()
        }
    );
    assert_eq!(
        message,
        "The Sage kernel closed its stdin socket and was restarted; variables from earlier cells are gone."
    );

    let events = run(&s, "1 + 1").await;
    assert_eq!(result(&events).as_deref(), Some("2"));
    let events = run(&s, "kept").await;
    assert!(
        events.iter().any(|e| matches!(e,
            CellEvent::Output(JupyterMessageContent::ErrorOutput(err)) if err.ename == "NameError")),
        "a new kernel: {events:?}"
    );
    let used = cpu_over(IDLE_WINDOW).await;
    eprintln!("{used:?} of CPU in {IDLE_WINDOW:?} with the new kernel idle");
    assert!(
        used < IDLE_CPU,
        "{used:?} of CPU in {IDLE_WINDOW:?} with the new kernel idle"
    );
    s.shutdown().await;
}
