//! Faults injected for real against the real engine and the SageMath image,
//! each ending with a clear message and nothing lost on disk.
//!
//! Here: the kernel process killed inside its container; out of memory and
//! `docker kill` in one session, for what they leave on disk; forged
//! messages sent to the kernel's published ports; a scan of the host for
//! where those ports listen.
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
use sagedesk::session::{CellEvent, DeathReason, SessionState};
use support::{
    SEED_RESULT, Workspace, death, docker, engine, finished_ok, listeners, read_sage_file, result,
    run, session,
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

/// The kernel process (not its container) killed with SIGKILL from a shell
/// inside the container, so the engine sends no kill of its own: the
/// container's init follows its child out, the running cell is told what
/// happened and what was lost, the next cell runs in a new kernel, and the
/// workspace and the saved notebook are as they were.
#[tokio::test]
async fn the_kernel_process_killed_inside_its_container_ends_the_cell_and_loses_nothing_on_disk() {
    let workspace = Workspace::new();
    let s = session(|c| c.workspace = Some(workspace.path())).await;
    s.ready().await.unwrap();
    workspace.seed(&s).await;
    let before = workspace.snapshot();
    run(&s, "v = 1").await;

    let mut cell = s.execute("import time; time.sleep(60)").unwrap();
    assert!(matches!(cell.events.recv().await, Some(CellEvent::Started)));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let name = s.container_name();
    let pid = kernel_pid(&name);
    let (killed, said) = docker(&["exec", &name, "sh", "-c", &format!("kill -9 {pid}")]);
    assert!(killed, "{said}");

    let mut events = Vec::new();
    while let Some(event) = tokio::time::timeout(Duration::from_secs(30), cell.events.recv())
        .await
        .expect("the cell is told within 30 s")
    {
        events.push(event);
    }
    let (reason, message) = death(&events);
    assert_eq!(reason, DeathReason::Killed { signal: 9 });
    assert!(message.contains("killed (SIGKILL)"), "{message}");
    assert!(message.contains("restarted"), "{message}");
    assert!(
        message.contains("variables from earlier cells are gone"),
        "{message}"
    );

    // A new kernel: `v` is gone, the workspace is still there for it.
    assert_eq!(
        result(&run(&s, "'v' in globals()").await).as_deref(),
        Some("False")
    );
    let read_back = run(&s, &read_sage_file()).await;
    assert_eq!(result(&read_back), Some(format!("'{SEED_RESULT}'")));
    workspace.assert_kept(&before, "the kernel process was killed");
    s.shutdown().await;
}

fn container_id(name: &str) -> String {
    let (ok, id) = docker(&["container", "inspect", "-f", "{{.Id}}", name]);
    assert!(ok, "{id}");
    id.trim().to_string()
}

/// What the two deaths whose messages are tested in `session.rs` (out of
/// memory, the container killed) leave on disk: the dead container is
/// removed and a new one made, and the workspace folder and the notebook
/// saved in it come through both whole.
#[tokio::test]
async fn out_of_memory_and_a_killed_container_lose_nothing_on_disk() {
    let workspace = Workspace::new();
    let s = session(|c| {
        c.workspace = Some(workspace.path());
        c.limits.memory_bytes = 512 << 20;
    })
    .await;
    s.ready().await.unwrap();
    workspace.seed(&s).await;
    let before = workspace.snapshot();

    let events = run(&s, "x = bytearray(2 * 1024^3)").await;
    let (reason, message) = death(&events);
    assert_eq!(
        reason,
        DeathReason::OutOfMemory {
            limit_bytes: 512 << 20
        }
    );
    assert!(message.contains("restarted"), "{message}");
    workspace.assert_kept(&before, "the kernel ran out of memory");

    s.ready().await.unwrap();
    let first_container = container_id(&s.container_name());
    let mut cell = s.execute("import time; time.sleep(60)").unwrap();
    assert!(matches!(cell.events.recv().await, Some(CellEvent::Started)));
    let (killed, said) = docker(&["kill", &s.container_name()]);
    assert!(killed, "{said}");
    let mut events = Vec::new();
    while let Some(event) = cell.events.recv().await {
        events.push(event);
    }
    assert_eq!(death(&events).0, DeathReason::Killed { signal: 9 });
    workspace.assert_kept(&before, "the container was killed");

    // The new kernel is in a new container, and it reads the workspace.
    let read_back = run(&s, &read_sage_file()).await;
    assert_eq!(result(&read_back), Some(format!("'{SEED_RESULT}'")));
    let second_container = container_id(&s.container_name());
    assert_ne!(first_container, second_container);
    workspace.assert_kept(&before, "two restarts");
    s.shutdown().await;
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
