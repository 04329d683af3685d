//! The Docker daemon restarted in the middle of a cell, with the real
//! SageMath image: the cell is told the engine went away, the workspace and
//! the saved notebook are untouched, and once the daemon is back a restart
//! gives a working kernel and leaves no container behind.
//!
//! The daemon is a private `dockerd` (its own socket and data folder), so
//! stopping it disturbs no other test and no other container on the
//! machine. It runs in a network namespace of its own, as in
//! `engine_restart.rs` (a second daemon in the host's namespace would
//! manage the main daemon's `docker0` bridge); the kernel's ports are
//! published on that namespace's 127.0.0.1, so the test's thread joins the
//! namespace to reach them.
//!
//! The SageMath image (about 5 GB) is in the main daemon only. Copying it
//! into the private daemon (`docker save | docker load`) takes about a
//! minute and a half on a 2-core machine, so the private daemon's data
//! folder is kept in Cargo's `CARGO_TARGET_TMPDIR` for the image's id, and
//! only the first run on a machine pays for the copy. Folders for other
//! image ids are removed.

#![cfg(target_os = "linux")]

mod support;

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sagedesk::engine::{BuildContext, Engine};
use sagedesk::session::{CellEvent, DeathReason, Session, SessionState};
use support::{SEED_RESULT, Workspace, death, read_sage_file, result, run};

/// The network namespace the private daemon runs in (one at a time: the
/// cache lock is held while it exists).
const NETNS: &str = "sagedesk-test-dockerd";

fn sh(script: &str) -> (bool, String) {
    let out = Command::new("sh").arg("-c").arg(script).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// Lazily unmounts whatever is still mounted under `dir`.
fn unmount_under(dir: &Path) {
    let _ = sh(&format!(
        "grep -o ' {0}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l",
        dir.display()
    ));
}

fn alive(pid: i32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .is_ok_and(|c| String::from_utf8_lossy(&c).contains("dockerd"))
}

/// A private `dockerd` with the SageMath image loaded.
struct PrivateDaemon {
    /// Short-lived files: the socket and the exec root (short paths: unix
    /// socket paths are limited to about 100 bytes).
    run: tempfile::TempDir,
    /// The data root, kept for the next run.
    data: PathBuf,
    pidfile: PathBuf,
    child: Option<Child>,
    /// Held while the cache and the namespace are in use.
    _lock: File,
}

impl PrivateDaemon {
    fn start(tag: &str) -> PrivateDaemon {
        let image_id = {
            let out = Command::new("docker")
                .args(["image", "inspect", "-f", "{{.Id}}", tag])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "the image {tag} is missing: run `sagedesk image build`"
            );
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .trim_start_matches("sha256:")
                .to_string()
        };
        let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("private-dockerd");
        std::fs::create_dir_all(&cache).unwrap();
        let lock = File::create(cache.with_extension("lock")).unwrap();
        // SAFETY: flock on a file descriptor this function owns.
        assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) }, 0);
        let here = cache.join(&image_id[..12]);
        let pidfile = here.join("dockerd.pid");
        // A daemon left by a run that was killed holds the data root.
        if let Some(pid) = std::fs::read_to_string(&pidfile)
            .ok()
            .and_then(|p| p.trim().parse::<i32>().ok())
            .filter(|pid| alive(*pid))
        {
            // SAFETY: signals a process named in our own pid file.
            unsafe { libc::kill(pid, libc::SIGTERM) };
            for _ in 0..120 {
                if !alive(pid) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(250));
            }
        }
        for stale in std::fs::read_dir(&cache).unwrap() {
            let stale = stale.unwrap().path();
            if stale != here {
                unmount_under(&stale);
                let _ = std::fs::remove_dir_all(&stale);
            }
        }
        unmount_under(&here);
        std::fs::create_dir_all(&here).unwrap();
        // The short-lived folder of a run that was killed.
        let run_record = here.join("run-folder");
        if let Ok(old) = std::fs::read_to_string(&run_record) {
            unmount_under(Path::new(&old));
            let _ = std::fs::remove_dir_all(&old);
        }
        let _ = sh(&format!("ip netns delete {NETNS}"));
        let (ok, said) = sh(&format!(
            "ip netns add {NETNS} && ip netns exec {NETNS} ip link set lo up"
        ));
        assert!(ok, "making a network namespace (iproute2, root): {said}");

        let run = tempfile::Builder::new()
            .prefix("sdfault")
            .tempdir_in("/tmp")
            .unwrap();
        std::fs::write(&run_record, run.path().as_os_str().as_encoded_bytes()).unwrap();
        let mut daemon = PrivateDaemon {
            run,
            data: here.join("data"),
            pidfile,
            child: None,
            _lock: lock,
        };
        daemon.launch();
        daemon.load(tag, &image_id);
        daemon
    }

    fn uri(&self) -> String {
        format!("unix://{}", self.run.path().join("d.sock").display())
    }

    fn docker(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new("docker")
            .arg("-H")
            .arg(self.uri())
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    }

    fn launch(&mut self) {
        let log = self.run.path().join("dockerd.log");
        // nsenter, not `ip netns exec`: the latter remounts /sys, which
        // hides the cgroup mounts dockerd needs.
        let child = Command::new("nsenter")
            .arg(format!("--net=/run/netns/{NETNS}"))
            .arg("dockerd")
            .arg("--host")
            .arg(self.uri())
            .arg("--data-root")
            .arg(&self.data)
            .arg("--exec-root")
            .arg(self.run.path().join("exec"))
            .arg("--pidfile")
            .arg(&self.pidfile)
            .args(["--iptables=false", "--ip-masq=false"])
            .stdout(Stdio::null())
            .stderr(
                File::options()
                    .create(true)
                    .append(true)
                    .open(&log)
                    .unwrap(),
            )
            .spawn()
            .expect("nsenter and dockerd (util-linux, docker.io)");
        self.child = Some(child);
        for _ in 0..240 {
            if self.docker(&["info"]).0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!(
            "the private dockerd did not start:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// Copies the image in, unless the kept data root has it already; and
    /// removes containers a killed run may have left.
    fn load(&self, tag: &str, image_id: &str) {
        let (has, id) = self.docker(&["image", "inspect", "-f", "{{.Id}}", tag]);
        if !has || !id.contains(image_id) {
            let began = Instant::now();
            let (ok, said) = sh(&format!(
                "docker save {tag} | docker -H {} load -q",
                self.uri()
            ));
            assert!(ok, "loading {tag} into the private daemon: {said}");
            eprintln!(
                "loaded {tag} into the private daemon in {:.0} s (kept for the next runs)",
                began.elapsed().as_secs_f64()
            );
        }
        let (_, left) = self.docker(&["ps", "-aq"]);
        for id in left.split_whitespace() {
            self.docker(&["rm", "-f", id]);
        }
    }

    /// Sends SIGTERM, as `systemctl restart docker` does, without waiting.
    fn terminate(&mut self) -> Child {
        let child = self.child.take().expect("the daemon runs");
        // SAFETY: signals the daemon this struct started.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        child
    }
}

impl Drop for PrivateDaemon {
    fn drop(&mut self) {
        if self.child.is_some() {
            let _ = self.terminate().wait();
        }
        unmount_under(self.run.path());
        unmount_under(&self.data);
        let _ = sh(&format!("ip netns delete {NETNS}"));
    }
}

/// Moves the calling thread into the daemon's network namespace, where the
/// kernel's published ports are. A current-thread runtime (what
/// `#[tokio::test]` makes) runs the whole session on this thread.
fn join_netns() {
    let ns = File::open(format!("/run/netns/{NETNS}")).unwrap();
    // SAFETY: setns with a namespace file this function opened.
    let done = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(done, 0, "setns: {}", std::io::Error::last_os_error());
}

#[tokio::test]
async fn a_daemon_restart_mid_cell_is_reported_and_a_restart_afterwards_works() {
    let tag = BuildContext::embedded().tag();
    let mut daemon = PrivateDaemon::start(&tag);
    join_netns();
    let engine = Engine::connect(Some(&daemon.uri())).await.unwrap();
    let config = support::config(&engine).await;
    let workspace = Workspace::new();
    let s = Session::start(
        engine,
        sagedesk::session::SessionConfig {
            workspace: Some(workspace.path()),
            ..config
        },
    );
    s.ready().await.unwrap();
    workspace.seed(&s).await;
    let before = workspace.snapshot();
    run(&s, "v = 1").await;

    let mut cell = s.execute("import time; time.sleep(60)").unwrap();
    assert!(matches!(cell.events.recv().await, Some(CellEvent::Started)));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stopping = daemon.terminate();
    let stopped = tokio::task::spawn_blocking(move || {
        let mut stopping = stopping;
        stopping.wait()
    });

    let mut events = Vec::new();
    while let Some(event) = tokio::time::timeout(Duration::from_secs(60), cell.events.recv())
        .await
        .expect("the cell is told within a minute, it does not hang")
    {
        events.push(event);
    }
    let (reason, message) = death(&events);
    assert!(
        matches!(reason, DeathReason::EngineGone { .. }),
        "{reason:?}"
    );
    assert!(
        message.contains("The Docker engine stopped answering"),
        "{message}"
    );
    assert!(
        message.contains(&daemon.uri()),
        "the engine is named: {message}"
    );
    // No restart is promised that cannot happen without an engine.
    assert!(!message.contains("was restarted"), "{message}");
    assert!(
        message.contains("Start the engine again, then restart the kernel"),
        "{message}"
    );
    stopped.await.unwrap().unwrap();

    // With the engine away no kernel can start: the session ends, saying
    // why, and a cell sent now is told so at once.
    let mut states = s.watch_state();
    let state = tokio::time::timeout(
        Duration::from_secs(60),
        states.wait_for(|st| matches!(st, SessionState::Dead { .. })),
    )
    .await
    .expect("the session gives up while the engine is away")
    .unwrap()
    .clone();
    let SessionState::Dead { reason } = state else {
        unreachable!()
    };
    // Dead for want of the engine (not "gave up"), so that the app can
    // restart it when the engine is back.
    assert!(
        matches!(reason, DeathReason::EngineGone { .. }),
        "{reason:?}"
    );
    assert!(reason.describe().contains("Docker engine"), "{reason:?}");
    let (_, message) = death(&run(&s, "1 + 1").await);
    assert!(message.contains("Docker engine"), "{message}");
    workspace.assert_kept(&before, "the daemon stopped");

    // The daemon is back: a restart gives a fresh kernel that reads the
    // workspace as it was.
    daemon.launch();
    tokio::time::timeout(Duration::from_secs(180), s.restart())
        .await
        .expect("the restart returns")
        .unwrap();
    s.ready().await.unwrap();
    assert_eq!(
        result(&run(&s, "'v' in globals()").await).as_deref(),
        Some("False")
    );
    assert_eq!(
        result(&run(&s, &read_sage_file()).await),
        Some(format!("'{SEED_RESULT}'"))
    );
    workspace.assert_kept(&before, "the daemon restarted");

    // The container the daemon stopped was replaced, and shutting down
    // removes the new one: nothing is left on the engine.
    s.shutdown().await;
    let (ok, left) = daemon.docker(&["ps", "-aq"]);
    assert!(ok, "{left}");
    assert!(left.trim().is_empty(), "containers left behind: {left}");
}
