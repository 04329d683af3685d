//! `sagedesk gc` on a private engine (its removals would race with other
//! tests and runs on the main one): it goes on past a container the engine
//! fails to remove, says what it kept and why, and removes a kernels'
//! network only once no container uses it.

mod support;

use std::process::Command;

use sagedesk::engine::{Engine, KernelNetwork, Limits, Owner};
use sagedesk::session::{RecordStore, SessionRecord};
use support::{BASE_IMAGE, PrivateDaemon, unique_name};

/// An owner that existed and is gone: a process that has exited.
fn dead_owner() -> Owner {
    let mut child = Command::new("sleep").arg("0").spawn().unwrap();
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", child.id())).unwrap();
    let owner = Owner {
        pid: child.id(),
        start: stat[stat.rfind(')').unwrap() + 1..]
            .split_whitespace()
            .nth(19)
            .map(|v| v.parse().unwrap()),
        ..Owner::current()
    };
    child.wait().unwrap();
    assert!(owner.is_gone());
    owner
}

/// Makes (without starting) a container of SageDesk's owned by `owner`.
fn create(daemon: &PrivateDaemon, name: &str, owner: &Owner) {
    let (ok, said) = daemon.docker(&[
        "create",
        "--name",
        name,
        "--label",
        "org.sagedesk.managed=true",
        "--label",
        &format!("org.sagedesk.owner={}", owner.to_label()),
        BASE_IMAGE,
        "true",
    ]);
    assert!(ok, "{said}");
}

/// A file in the container's own layer that nobody may unlink, not even
/// the engine: removing the container fails, as it does when a file of it
/// is busy or protected.
struct Stuck {
    file: String,
}

impl Stuck {
    fn in_container(daemon: &PrivateDaemon, name: &str) -> Stuck {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("stuck"), "x").unwrap();
        let source = dir.path().join("stuck").display().to_string();
        let (ok, said) = daemon.docker(&["cp", &source, &format!("{name}:/stuck")]);
        assert!(ok, "{said}");
        let (ok, upper) = daemon.docker(&["inspect", "-f", "{{.GraphDriver.Data.UpperDir}}", name]);
        assert!(ok, "{upper}");
        let file = format!("{}/stuck", upper.trim());
        let done = Command::new("chattr").args(["+i", &file]).status();
        assert!(
            done.unwrap().success(),
            "chattr +i {file} (e2fsprogs, root)"
        );
        Stuck { file }
    }
}

impl Drop for Stuck {
    fn drop(&mut self) {
        let _ = Command::new("chattr").args(["-i", &self.file]).status();
    }
}

/// `sagedesk gc` on the private engine, with its own data folder; its exit
/// status and what it printed.
fn gc(daemon: &PrivateDaemon, data: &std::path::Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sagedesk"))
        .args(["--engine", &daemon.uri(), "gc"])
        .env("SAGEDESK_DATA_DIR", data)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{text}");
    (out.status.success(), text)
}

#[test]
fn gc_goes_on_past_a_container_it_cannot_remove_and_says_what_it_kept_and_why() {
    let daemon = PrivateDaemon::start(&[BASE_IMAGE]);
    let data = tempfile::tempdir().unwrap();
    let dead = dead_owner();
    let removable = unique_name("orphan");
    let left_running = unique_name("left-running");
    let mine = unique_name("mine");
    let stuck = unique_name("stuck");
    create(&daemon, &removable, &dead);
    create(&daemon, &left_running, &dead);
    create(&daemon, &mine, &Owner::current());
    // Made last, so listed first (newest first): the others come after the
    // failure.
    create(&daemon, &stuck, &dead);
    let protected = Stuck::in_container(&daemon, &stuck);
    RecordStore::new(data.path())
        .save(&SessionRecord {
            name: left_running.clone(),
            key: "k".into(),
            image: BASE_IMAGE.into(),
            kernel_argv: vec!["true".into()],
            workspace: None,
            notebook: None,
            network: KernelNetwork::Outbound,
            limits: Limits::default(),
            attached_by: None,
            left_at: None,
            alone_stop_after_secs: None,
        })
        .unwrap();

    let (ok, text) = gc(&daemon, data.path());
    assert!(!ok, "a failed removal is a failure: {text}");
    assert!(
        text.contains(&format!("could not remove {stuck}:")),
        "{text}"
    );
    assert!(text.contains(&format!("removed {removable} ")), "{text}");
    assert!(!daemon.docker(&["inspect", &removable]).0, "{text}");
    assert!(
        text.contains(&format!(
            "kept {left_running} (created): left running for the next launch of SageDesk"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "kept {mine} (created): its SageDesk process (pid {}) is running",
            std::process::id()
        )),
        "{text}"
    );
    for kept in [&left_running, &mine] {
        assert!(daemon.docker(&["inspect", kept]).0);
    }

    drop(protected);
    for name in [&stuck, &left_running, &mine] {
        daemon.docker(&["rm", "-f", name]);
    }
}

#[tokio::test]
async fn gc_removes_a_kernels_network_only_once_no_container_uses_it() {
    let daemon = PrivateDaemon::start(&[BASE_IMAGE]);
    let data = tempfile::tempdir().unwrap();
    let engine = Engine::connect(Some(&daemon.uri())).await.unwrap();
    let network = KernelNetwork::Offline;
    engine.kernel_network(network).await.unwrap();
    // A container that was made and never started still needs it.
    let name = unique_name("on-network");
    let (ok, said) = daemon.docker(&[
        "create",
        "--name",
        &name,
        "--network",
        network.name(),
        BASE_IMAGE,
        "true",
    ]);
    assert!(ok, "{said}");
    let (ok, text) = gc(&daemon, data.path());
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!(
            "kept the network {}: 1 container(s) use it",
            network.name()
        )),
        "{text}"
    );
    assert!(daemon.docker(&["network", "inspect", network.name()]).0);
    assert!(daemon.docker(&["rm", &name]).0);
    let (ok, text) = gc(&daemon, data.path());
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("removed the network {}", network.name())),
        "{text}"
    );
    assert!(!daemon.docker(&["network", "inspect", network.name()]).0);
}
