//! Faults injected for real against the real engine and the SageMath image,
//! each ending with a clear message and nothing lost on disk.
//!
//! Here: the kernel process killed inside its container; out of memory and
//! `docker kill` in one notebook; each while the desk runs cells and saves
//! the notebook as each ends, as the window does, so that an output lost
//! on the way to the disk would show. Forged messages sent to the kernel's
//! published ports (shell, control, and stdin while a cell waits for
//! input); a scan of the host for where those ports listen.
//!
//! The rest of the suite lives beside it:
//! - the container killed under a cell (message, restart):
//!   `session.rs` `a_kernel_killed_under_a_cell_says_so_and_the_next_cell_runs_in_a_new_kernel`,
//!   and `containers.rs` `docker_kill_is_reported_as_killed_within_two_seconds`;
//! - out of memory (message naming the limit): `session.rs`
//!   `running_out_of_memory_is_named_with_the_limit`, and `containers.rs`
//!   `exceeding_the_memory_limit_is_reported_as_out_of_memory`;
//! - the daemon restarted in the middle of a cell: `fault_daemon_restart.rs`
//!   (the daemon stopped under an engine operation: `engine_restart.rs`);
//! - the disk full during a save: `notebook_disk_full.rs`;
//! - a corrupt notebook: `notebook_files.rs` `corrupt_notebooks_are_refused_and_left_alone`;
//! - the app killed mid-save: `notebook_crash.rs`;
//! - a forged message from a fake kernel to the client: `kernel_signatures.rs`;
//! - the ports' bindings in the container's configuration: `containers.rs`
//!   `a_kernel_container_is_locked_down_and_reachable_on_loopback_only`.

mod support;

use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::Duration;

use jupyter_protocol::messaging::{
    ExecuteRequest, JupyterMessage, JupyterMessageContent, ShutdownRequest,
};
use jupyter_zmq_client::Connection;
use sagedesk::kernel::KernelPorts;
use sagedesk::session::{CellEvent, CellUpdate, DeathReason, SessionState};
use support::{
    Bench, NOTEBOOK, SAGE_FILE, SEED_RESULT, Workspace, cell_on_disk, docker, engine, finished_ok,
    listeners, read_sage_file, result, run, session,
};
use zeromq::{Socket, SocketRecv};

/// The pid, inside the container, of the kernel process: the one child of
/// the container's init.
fn kernel_pid(container: &str) -> String {
    let (ok, children) = docker(&["exec", container, "cat", "/proc/1/task/1/children"]);
    assert!(ok, "{children}");
    let pids: Vec<&str> = children.split_whitespace().collect();
    assert_eq!(pids.len(), 1, "init has one child, the kernel: {children}");
    let pid = pids[0].to_string();
    let (ok, cmdline) = docker(&["exec", container, "cat", &format!("/proc/{pid}/cmdline")]);
    assert!(ok, "{cmdline}");
    assert!(
        cmdline.contains("sage.repl.ipython_kernel"),
        "process {pid} is not the kernel: {cmdline:?}"
    );
    pid
}

/// A desk over a workspace folder as a user has one (owned by an ordinary
/// user, so the kernel runs as them and may write in it).
async fn user_desk(configure: impl FnOnce(&mut sagedesk::workspace::Settings)) -> Bench {
    let bench = Bench::over(
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        false,
    );
    std::os::unix::fs::chown(bench.workspace.path(), Some(4321), Some(4321)).unwrap();
    let mut settings = bench.desk.settings();
    configure(&mut settings);
    bench.desk.set_settings(settings).unwrap();
    let root = bench.workspace.path().display().to_string();
    bench.desk.open_workspace(&root).await.unwrap();
    bench
}

/// The seeding cell: its result goes into the notebook, and Sage writes it
/// to the workspace's `factors.txt` too.
const SEED: &str =
    "f = factor(2^64 - 1); open('/home/sage/work/factors.txt', 'w').write(str(f)); f";

/// Sends `code` as the cell `id` of `work.ipynb` through the desk (which
/// saves the notebook when the cell ends), and returns once the cell has
/// printed `marker`, with the way to wait for its end.
async fn running_until_printed(
    bench: &Bench,
    id: &str,
    code: &str,
    marker: &'static str,
) -> sagedesk::desk::CellDone {
    let printed = std::sync::Arc::new(tokio::sync::Notify::new());
    let seen = printed.clone();
    let done = bench
        .desk
        .execute_cell(NOTEBOOK, id, code, move |batch| {
            if serde_json::to_string(&batch).unwrap().contains(marker) {
                seen.notify_one();
            }
        })
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(120), printed.notified())
        .await
        .unwrap_or_else(|_| panic!("the cell prints {marker:?}"));
    done
}

/// The notebook's cells `(id, code)`, saved as the window saves them.
async fn cells(bench: &Bench, cells: &[(&str, &str)]) -> String {
    let id = bench.notebook("work", cells[0].1).await;
    let mut all = vec![(id.as_str(), cells[0].1)];
    all.extend_from_slice(&cells[1..]);
    bench.edit(NOTEBOOK, &all).await;
    id
}

/// What the saved notebook holds for the cell `id`: it opens, and each
/// earlier cell's output is still there.
fn saved_outputs(bench: &Bench, id: &str) -> String {
    cell_on_disk(&bench.file(NOTEBOOK), id).1
}

/// The kernel process (not its container) killed with SIGKILL from a shell
/// inside the container, so the engine sends no kill of its own, while the
/// app runs a cell and saves the notebook as it ends: the cell is told what
/// happened and what was lost; the notebook on disk holds the earlier
/// cell's result and what the killed cell printed before it died; the next
/// cell runs in a new kernel and is saved too; the file Sage wrote is as it
/// was.
#[tokio::test(flavor = "multi_thread")]
async fn the_kernel_process_killed_inside_its_container_ends_the_cell_and_loses_nothing_on_disk() {
    let bench = user_desk(|_| {}).await;
    let seed = cells(
        &bench,
        &[
            ("", SEED),
            (
                "slow",
                "print('before the kill'); import time; time.sleep(60)",
            ),
            ("after", "'f' in globals()"),
        ],
    )
    .await;
    bench.run(NOTEBOOK, &seed, SEED).await;
    let factors = std::fs::read(bench.file(SAGE_FILE)).unwrap();

    let done = running_until_printed(
        &bench,
        "slow",
        "print('before the kill'); import time; time.sleep(60)",
        "before the kill",
    )
    .await;
    let name = bench.kernels_of(NOTEBOOK).await.remove(0);
    let pid = kernel_pid(&name);
    let (killed, said) = docker(&["exec", &name, "sh", "-c", &format!("kill -9 {pid}")]);
    assert!(killed, "{said}");
    let end = tokio::time::timeout(Duration::from_secs(30), done.wait())
        .await
        .expect("the cell is told within 30 s");
    let message = end.death.expect("the kernel died under the cell");
    assert!(message.contains("killed (SIGKILL)"), "{message}");
    assert!(message.contains("restarted"), "{message}");
    assert!(
        message.contains("variables from earlier cells are gone"),
        "{message}"
    );
    assert_eq!(end.not_saved, None);

    // Saved through the fault: the first cell's result, and what the
    // killed cell printed.
    assert!(saved_outputs(&bench, &seed).contains(SEED_RESULT));
    assert!(saved_outputs(&bench, "slow").contains("before the kill"));
    // A new kernel: `f` is gone; its answer is saved too.
    bench.run(NOTEBOOK, "after", "'f' in globals()").await;
    assert!(saved_outputs(&bench, "after").contains("False"));
    assert!(saved_outputs(&bench, &seed).contains(SEED_RESULT));
    assert_eq!(std::fs::read(bench.file(SAGE_FILE)).unwrap(), factors);
    bench.desk.quit().await;
}

fn container_id(name: &str) -> String {
    let (ok, id) = docker(&["container", "inspect", "-f", "{{.Id}}", name]);
    assert!(ok, "{id}");
    id.trim().to_string()
}

/// Out of memory, then `docker kill`, in one notebook while the app runs
/// and saves it: each cell is told what happened, the notebook on disk
/// keeps every earlier result and what each dying cell printed, the dead
/// container is replaced by a new one, which reads the workspace as it was.
#[tokio::test(flavor = "multi_thread")]
async fn out_of_memory_and_a_killed_container_lose_nothing_on_disk() {
    let bench = user_desk(|s| s.memory_bytes = Some(512 << 20)).await;
    // Flushed and given time to leave the kernel (ipykernel sends what a
    // cell prints every 0.2 s), so that it reached the app before the kill.
    let greedy = "import sys, time; print('before the memory ran out'); sys.stdout.flush(); time.sleep(1); x = bytearray(2 * 1024^3)";
    let slow = "print('before the kill'); import time; time.sleep(60)";
    let seed = cells(
        &bench,
        &[
            ("", SEED),
            ("greedy", greedy),
            ("slow", slow),
            ("reads", &read_sage_file()),
        ],
    )
    .await;
    bench.run(NOTEBOOK, &seed, SEED).await;
    let factors = std::fs::read(bench.file(SAGE_FILE)).unwrap();

    let updates = bench.run(NOTEBOOK, "greedy", greedy).await;
    let died = updates.iter().find_map(|u| match u {
        CellUpdate::KernelDied { reason, message } => Some((reason.clone(), message.clone())),
        _ => None,
    });
    let (reason, message) = died.expect("the kernel died under the cell");
    assert_eq!(
        reason,
        DeathReason::OutOfMemory {
            limit_bytes: 512 << 20
        }
    );
    assert!(message.contains("restarted"), "{message}");
    assert!(
        serde_json::to_string(&updates)
            .unwrap()
            .contains("before the memory ran out"),
        "the window heard it: {updates:?}"
    );
    assert!(saved_outputs(&bench, "greedy").contains("before the memory ran out"));
    assert!(saved_outputs(&bench, &seed).contains(SEED_RESULT));

    let done = running_until_printed(&bench, "slow", slow, "before the kill").await;
    let first = bench.kernels_of(NOTEBOOK).await.remove(0);
    let first_container = container_id(&first);
    let (killed, said) = docker(&["kill", &first]);
    assert!(killed, "{said}");
    let end = tokio::time::timeout(Duration::from_secs(30), done.wait())
        .await
        .expect("the cell is told within 30 s");
    assert!(
        end.death.as_deref().is_some_and(|m| m.contains("killed")),
        "{end:?}"
    );
    assert!(saved_outputs(&bench, "slow").contains("before the kill"));

    // The new kernel is in a new container, and it reads the workspace.
    bench.run(NOTEBOOK, "reads", &read_sage_file()).await;
    assert!(saved_outputs(&bench, "reads").contains(SEED_RESULT));
    assert!(saved_outputs(&bench, "greedy").contains("before the memory ran out"));
    let second = bench.kernels_of(NOTEBOOK).await.remove(0);
    assert_ne!(first_container, container_id(&second));
    assert_eq!(std::fs::read(bench.file(SAGE_FILE)).unwrap(), factors);
    bench.desk.quit().await;
}

/// A DEALER socket connected to `port` on 127.0.0.1, sending as a client
/// that signs with `key` (no signature at all when `key` is empty).
async fn client_socket(port: u16, key: &str) -> Connection<zeromq::DealerSocket> {
    let mut socket = zeromq::DealerSocket::new();
    socket
        .connect(&format!("tcp://127.0.0.1:{port}"))
        .await
        .unwrap();
    Connection::new(socket, key, "not-the-session")
}

/// Whatever comes back on `connection` within `window`, as raw frames: a
/// reply signed with a key the sender does not know must count too.
async fn anything_back(
    connection: &mut Connection<zeromq::DealerSocket>,
    window: Duration,
) -> Option<zeromq::ZmqMessage> {
    tokio::time::timeout(window, connection.socket.recv())
        .await
        .ok()
        .map(|r| r.unwrap())
}

/// Code that leaves a mark in the workspace if the kernel runs it.
fn marking(file: &str) -> JupyterMessage {
    JupyterMessage::new(
        ExecuteRequest::new(format!(
            "open('/home/sage/work/{file}', 'w').write('the kernel ran a message it should not have')"
        )),
        None,
    )
}

/// Messages sent straight to the kernel's published ports with a wrong
/// signature, or none, are ignored by the Sage kernel: no reply, no effect
/// (the code they carry would write a file; a forged shutdown would stop
/// the kernel), and the session's own client goes on working. The same
/// message signed with the session's key is answered and run, which shows
/// the silence is the signature check and not a deaf socket.
#[tokio::test]
async fn forged_messages_to_the_published_ports_are_ignored_by_the_sage_kernel() {
    let workspace = Workspace::new();
    let s = session(|c| c.workspace = Some(workspace.path())).await;
    s.ready().await.unwrap();
    workspace.seed(&s).await;
    let before = workspace.snapshot();
    let engine = engine().await;
    let ports = engine
        .host_ports(&s.container_name(), &KernelPorts::IN_CONTAINER.to_array())
        .await
        .unwrap();
    let ports = KernelPorts::try_from(ports.as_slice()).unwrap();

    let mut wrong_key = client_socket(ports.shell, "a-key-the-forger-guessed").await;
    wrong_key.send(marking("forged-wrong-key")).await.unwrap();
    let mut unsigned = client_socket(ports.shell, "").await;
    unsigned.send(marking("forged-unsigned")).await.unwrap();
    let mut control = client_socket(ports.control, "a-key-the-forger-guessed").await;
    control
        .send(JupyterMessage::new(
            ShutdownRequest { restart: false },
            None,
        ))
        .await
        .unwrap();
    // The kernel answers a signed request within milliseconds; whatever it
    // sent back in three seconds is queued on the sockets by then.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for (what, connection) in [
        ("a wrong key", &mut wrong_key),
        ("no signature", &mut unsigned),
        ("a forged shutdown", &mut control),
    ] {
        let reply = anything_back(connection, Duration::from_millis(100)).await;
        assert!(
            reply.is_none(),
            "the kernel answered a message with {what}: {reply:?}"
        );
    }

    // The kernel is alive and the session's client still works with it.
    let events = run(&s, "import os; sorted(os.listdir('/home/sage/work'))").await;
    assert!(finished_ok(&events), "{events:?}");
    assert_eq!(
        result(&events).as_deref(),
        Some("['factors.txt', 'work.ipynb']"),
        "no forged code ran"
    );
    assert_eq!(s.state(), SessionState::Idle);
    workspace.assert_kept(&before, "forged messages");

    // The control: the session's own key, read from the connection file in
    // the container, on the same kind of socket.
    let (ok, file) = docker(&[
        "exec",
        &s.container_name(),
        "cat",
        "/run/sagedesk/kernel.json",
    ]);
    assert!(ok, "{file}");
    let key = serde_json::from_str::<serde_json::Value>(&file).unwrap()["key"]
        .as_str()
        .unwrap()
        .to_string();
    let mut signed = client_socket(ports.shell, &key).await;
    signed.send(marking("signed")).await.unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(30), signed.read())
        .await
        .expect("a signed message is answered")
        .unwrap();
    assert!(
        matches!(reply.content, JupyterMessageContent::ExecuteReply(_)),
        "{reply:?}"
    );
    assert!(workspace.path().join("signed").is_file());
    assert!(!workspace.path().join("forged-wrong-key").exists());
    assert!(!workspace.path().join("forged-unsigned").exists());
    s.shutdown().await;
}

/// The host's own addresses other than loopback, IPv4 and IPv6 (link-local
/// ones with their interface).
fn non_loopback_addresses() -> Vec<SocketAddr> {
    let mut found = Vec::new();
    // SAFETY: getifaddrs fills a list this function reads and then frees;
    // each ifa_addr is read as the structure its family says it is.
    unsafe {
        let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
        assert_eq!(libc::getifaddrs(&mut list), 0);
        let mut at = list;
        while !at.is_null() {
            let addr = (*at).ifa_addr;
            if !addr.is_null() {
                match i32::from((*addr).sa_family) {
                    libc::AF_INET => {
                        let sin = &*(addr as *const libc::sockaddr_in);
                        let ip = std::net::Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
                        found.push(SocketAddr::new(IpAddr::V4(ip), 0));
                    }
                    libc::AF_INET6 => {
                        let sin6 = &*(addr as *const libc::sockaddr_in6);
                        let ip = std::net::Ipv6Addr::from(sin6.sin6_addr.s6_addr);
                        found.push(SocketAddr::V6(std::net::SocketAddrV6::new(
                            ip,
                            0,
                            0,
                            sin6.sin6_scope_id,
                        )));
                    }
                    _ => {}
                }
            }
            at = (*at).ifa_next;
        }
        libc::freeifaddrs(list);
    }
    found.retain(|a| !a.ip().is_loopback());
    found
}

/// While a session runs, its kernel's host ports listen on 127.0.0.1 and
/// nowhere else: the host's table of listening sockets shows them on
/// 127.0.0.1 only, they accept there, and every other address of the host
/// refuses them (and the kernel's fixed in-container ports too).
#[tokio::test]
async fn a_scan_of_the_host_finds_the_kernel_ports_on_loopback_only() {
    let s = session(|_| {}).await;
    s.ready().await.unwrap();
    let engine = engine().await;
    let p = engine
        .host_ports(&s.container_name(), &KernelPorts::IN_CONTAINER.to_array())
        .await
        .unwrap();
    let p = KernelPorts::try_from(p.as_slice()).unwrap();
    let published = [p.shell, p.iopub, p.stdin, p.control, p.hb];
    let inside = KernelPorts::IN_CONTAINER;
    let fixed = [
        inside.shell,
        inside.iopub,
        inside.stdin,
        inside.control,
        inside.hb,
    ];

    let table = listeners();
    for port in published {
        let on: Vec<IpAddr> = table
            .iter()
            .filter(|l| l.port == port)
            .map(|l| l.ip)
            .collect();
        assert!(
            on.iter().all(|ip| ip.is_loopback() && ip.is_ipv4()),
            "port {port} listens on {on:?}"
        );
        TcpStream::connect_timeout(
            &SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_secs(2),
        )
        .unwrap_or_else(|e| panic!("port {port} does not accept on 127.0.0.1: {e}"));
    }
    for port in fixed {
        assert!(
            table.iter().all(|l| l.port != port || l.ip.is_loopback()),
            "the in-container port {port} listens on the host: {table:?}"
        );
    }

    let addresses = non_loopback_addresses();
    assert!(
        !addresses.is_empty(),
        "the host has an address besides loopback (at least the engine's bridge)"
    );
    for address in &addresses {
        for port in published.iter().chain(fixed.iter()) {
            let mut target = *address;
            target.set_port(*port);
            assert!(
                TcpStream::connect_timeout(&target, Duration::from_secs(1)).is_err(),
                "the kernel's port is reachable at {target}"
            );
        }
    }
    // The cell still runs: the scan disturbed nothing.
    assert_eq!(result(&run(&s, "2^10").await).as_deref(), Some("1024"));
    s.shutdown().await;
}

/// A forged answer on the stdin channel, to a cell waiting in `input()`,
/// signed with a guessed key (or not at all), is ignored by the kernel: the
/// cell goes on waiting. The same answer signed with the session's key, from
/// the same kind of socket, is taken: the silence is the signature check,
/// not a deaf socket.
#[tokio::test]
async fn a_forged_input_reply_on_stdin_is_ignored_by_the_sage_kernel() {
    use jupyter_protocol::messaging::InputReply;

    let s = session(|_| {}).await;
    s.ready().await.unwrap();
    let engine = engine().await;
    let ports = engine
        .host_ports(&s.container_name(), &KernelPorts::IN_CONTAINER.to_array())
        .await
        .unwrap();
    let ports = KernelPorts::try_from(ports.as_slice()).unwrap();

    let mut cell = s.execute("answer = input('name? '); answer").unwrap();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(120), cell.events.recv())
            .await
            .expect("the cell asks for input")
            .expect("the cell goes on");
        if matches!(event, CellEvent::InputRequest { .. }) {
            break;
        }
    }
    let forged = |key: &'static str| async move {
        let mut stdin = client_socket(ports.stdin, key).await;
        stdin
            .send(JupyterMessage::new(
                InputReply {
                    value: "forged".into(),
                    ..Default::default()
                },
                None,
            ))
            .await
            .unwrap();
        stdin
    };
    let _wrong_key = forged("a-key-the-forger-guessed").await;
    let _unsigned = forged("").await;
    // Had the kernel taken a forged answer, the cell would end now.
    let early = tokio::time::timeout(Duration::from_secs(3), cell.events.recv()).await;
    assert!(
        early.is_err(),
        "the cell went on after a forged answer: {early:?}"
    );

    s.input_reply("the real one").unwrap();
    let mut events = Vec::new();
    while let Some(event) = tokio::time::timeout(Duration::from_secs(60), cell.events.recv())
        .await
        .expect("the cell ends")
    {
        events.push(event);
    }
    assert!(finished_ok(&events), "{events:?}");
    assert_eq!(result(&events).as_deref(), Some("'the real one'"));
    s.shutdown().await;
}
