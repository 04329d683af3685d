//! The Docker daemon going away under SageDesk, and coming back. The test
//! runs a private `dockerd` of its own (its own socket, data folder and
//! network namespace), so stopping it disturbs no other test and no other
//! container on the machine. The network namespace matters: a second
//! daemon in the host's namespace would manage (and may delete) the main
//! daemon's `docker0` bridge.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sagedesk::engine::{COMMAND_TIMEOUT, Engine, Limits};

struct PrivateDaemon {
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateDaemon {
    fn start() -> PrivateDaemon {
        let dir = tempfile::Builder::new()
            .prefix("sdd")
            .tempdir_in("/tmp")
            .unwrap();
        let mut daemon = PrivateDaemon { dir, child: None };
        daemon.launch();
        daemon
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("d.sock")
    }

    fn uri(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    fn launch(&mut self) {
        let d = self.dir.path();
        let log = std::fs::File::create(d.join("dockerd.log")).unwrap();
        let child = Command::new("unshare")
            .args(["--net", "dockerd"])
            .arg("--host")
            .arg(self.uri())
            .arg("--data-root")
            .arg(d.join("data"))
            .arg("--exec-root")
            .arg(d.join("exec"))
            .arg("--pidfile")
            .arg(d.join("d.pid"))
            .args(["--iptables=false", "--ip-masq=false"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("unshare and dockerd (util-linux, docker.io)");
        self.child = Some(child);
        for _ in 0..120 {
            if docker_at(&self.uri(), &["info"]) {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!(
            "the private dockerd did not start:\n{}",
            std::fs::read_to_string(d.join("dockerd.log")).unwrap_or_default()
        );
    }

    /// Stops the daemon the way a shutdown or `systemctl stop` does.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            child.wait().unwrap();
        }
    }
}

impl Drop for PrivateDaemon {
    fn drop(&mut self) {
        self.stop();
        // Containers leave mounts under the data folder until the daemon
        // cleans them; unmount whatever is left so the folder can go.
        let _ = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "grep -o ' {0}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l",
                self.dir.path().display()
            ))
            .status();
    }
}

fn docker_at(uri: &str, args: &[&str]) -> bool {
    Command::new("docker")
        .arg("-H")
        .arg(uri)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Copies the small Debian base image into the private daemon.
fn load_base_image(daemon: &PrivateDaemon) {
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "docker save debian:bookworm-slim | docker -H {} load -q",
            daemon.uri()
        ))
        .status()
        .unwrap();
    assert!(
        status.success(),
        "loading debian:bookworm-slim into the private daemon"
    );
}

#[tokio::test]
async fn a_stopped_daemon_is_reported_as_not_running_and_found_again_when_back() {
    let mut daemon = PrivateDaemon::start();
    load_base_image(&daemon);
    let engine = Engine::connect(Some(&daemon.uri())).await.unwrap();
    assert!(engine.managed_containers().await.unwrap().is_empty());

    // An operation in flight: a command that would run for a minute.
    let running = {
        let engine = engine.clone();
        tokio::spawn(async move {
            engine
                .run_command(
                    "debian:bookworm-slim",
                    &["sleep", "60"],
                    &Limits::default(),
                    COMMAND_TIMEOUT,
                )
                .await
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    tokio::task::spawn_blocking({
        let pid = daemon.child.as_ref().unwrap().id();
        move || unsafe { libc::kill(pid as i32, libc::SIGTERM) }
    })
    .await
    .unwrap();
    daemon.child.take().unwrap().wait().unwrap();

    let err = tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .expect("the interrupted operation ends, it does not hang")
        .unwrap()
        .expect_err("the operation cannot succeed without the daemon");
    assert_eq!(err.code(), "engine_not_running", "{err}");
    assert!(err.fix().contains("Start"), "{}", err.fix());

    // Connecting now names the socket and says what to do.
    let err = Engine::connect(Some(&daemon.uri())).await.unwrap_err();
    assert_eq!(err.code(), "engine_not_running", "{err}");
    let socket = daemon.socket().display().to_string();
    assert!(err.to_string().contains(&socket), "{err}");
    // The handle in use says the same.
    let err = engine.managed_containers().await.unwrap_err();
    assert_eq!(err.code(), "engine_not_running", "{err}");

    // The daemon comes back: the same handle works again, with no restart
    // of SageDesk.
    daemon.launch();
    let containers = engine.managed_containers().await.unwrap();
    // The interrupted command's container could not be removed while the
    // daemon was away; it is stopped now (a daemon stop ends containers),
    // and still ours (this process is alive, so it is no orphan).
    assert!(containers.len() <= 1, "{containers:?}");
    for c in &containers {
        assert_ne!(c.state, "running", "{c:?}");
        assert!(!c.orphan, "{c:?}");
        engine.remove_container(&c.id).await.unwrap();
    }
    assert!(engine.managed_containers().await.unwrap().is_empty());
    assert!(Path::new(&socket).exists());
}
