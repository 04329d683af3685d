//! A private Docker daemon, to stop and start under SageDesk without
//! disturbing any other test or any other container on the machine.
//!
//! It has its own socket, data folder and network namespace. The namespace
//! matters: a second daemon in the host's namespace would manage (and may
//! delete) the main daemon's `docker0` bridge. It is a named one, so that a
//! test can join it to reach the ports its containers publish on its
//! 127.0.0.1.
//!
//! Images come from the main engine (`docker save | docker load`). The
//! SageMath image (about 5 GB) takes about a minute and a half to copy on a
//! 2-core machine, so the data folder is kept in Cargo's
//! `CARGO_TARGET_TMPDIR` and only the first run on a machine, or the first
//! after the image is rebuilt, pays for the copy. One image of each
//! repository is kept: loading a new build removes the one before it.
//!
//! One private daemon runs at a time for a build folder, however many test
//! binaries want one: it holds a lock on the kept folder, and its namespace
//! is named after that folder (so that runs from other build folders, such
//! as other worktrees', use their own).

use std::fs::File;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::engine::{BASE_IMAGE, docker, docker_on};

/// A private `dockerd`, started with images copied from the main engine;
/// stopped, and its mounts and namespace removed, when dropped.
pub struct PrivateDaemon {
    /// Short-lived files: the socket and the exec root (short paths: unix
    /// socket paths are limited to about 100 bytes).
    run: tempfile::TempDir,
    /// The data root, kept for the next run.
    data: PathBuf,
    pidfile: PathBuf,
    /// The network namespace it runs in.
    netns: String,
    child: Option<Child>,
    /// Held while the kept folder and the namespace are in use.
    _lock: File,
}

impl PrivateDaemon {
    /// Starts the daemon with `images` (tags the main engine has) in it, and
    /// no container: what a killed run left is removed.
    ///
    /// Panics when an image is missing from the main engine, or when the
    /// daemon cannot start (it needs root, `dockerd`, `nsenter` and `ip`).
    pub fn start(images: &[&str]) -> PrivateDaemon {
        let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("private-dockerd");
        std::fs::create_dir_all(&cache).unwrap();
        let lock = File::create(cache.with_extension("lock")).unwrap();
        // SAFETY: flock on a file descriptor this function owns.
        assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) }, 0);
        let here = cache.join("daemon");
        let netns = {
            let mut hasher = DefaultHasher::new();
            cache.hash(&mut hasher);
            format!("sagedesk-test-dockerd-{:08x}", hasher.finish() as u32)
        };
        // A daemon left by a run that was killed holds its data root; so may
        // one in a folder of an earlier layout, removed here too.
        stop_left_over(&here.join("dockerd.pid"));
        for stale in std::fs::read_dir(&cache).unwrap() {
            let stale = stale.unwrap().path();
            if stale != here {
                stop_left_over(&stale.join("dockerd.pid"));
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
        let _ = sh(&format!("ip netns delete {netns}"));
        let (ok, said) = sh(&format!(
            "ip netns add {netns} && ip netns exec {netns} ip link set lo up"
        ));
        assert!(ok, "making a network namespace (iproute2, root): {said}");

        let run = tempfile::Builder::new()
            .prefix("sdd")
            .tempdir_in("/tmp")
            .unwrap();
        std::fs::write(&run_record, run.path().as_os_str().as_encoded_bytes()).unwrap();
        let mut daemon = PrivateDaemon {
            run,
            data: here.join("data"),
            pidfile: here.join("dockerd.pid"),
            netns,
            child: None,
            _lock: lock,
        };
        daemon.launch();
        let (_, left) = daemon.docker(&["ps", "-aq"]);
        for id in left.split_whitespace() {
            daemon.docker(&["rm", "-f", id]);
        }
        for image in images {
            daemon.load(image);
        }
        daemon
    }

    /// The daemon's unix socket.
    pub fn socket(&self) -> PathBuf {
        self.run.path().join("d.sock")
    }

    /// The daemon's address, as `DOCKER_HOST` and `Engine::connect` take it.
    pub fn uri(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    /// Runs the docker command line on this daemon; whether it succeeded,
    /// and what it printed.
    pub fn docker(&self, args: &[&str]) -> (bool, String) {
        docker_on(Some(&self.uri()), args)
    }

    /// Starts the daemon process (again, after [`PrivateDaemon::stop`] or
    /// [`PrivateDaemon::terminate`]) and waits until it answers.
    pub fn launch(&mut self) {
        assert!(self.child.is_none(), "the daemon runs already");
        let log = self.run.path().join("dockerd.log");
        // nsenter, not `ip netns exec`: the latter remounts /sys, which
        // hides the cgroup mounts dockerd needs.
        let child = Command::new("nsenter")
            .arg(format!("--net=/run/netns/{}", self.netns))
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

    /// Sends SIGTERM, as `systemctl stop docker` or a shutdown does, without
    /// waiting: the daemon takes a while to stop its containers and exit.
    pub fn terminate(&mut self) -> Child {
        let child = self.child.take().expect("the daemon runs");
        // SAFETY: signals the daemon this struct started.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        child
    }

    /// Sends SIGTERM and waits until the daemon has exited.
    pub fn stop(&mut self) {
        self.terminate().wait().unwrap();
    }

    /// Moves the calling thread into the daemon's network namespace, where
    /// the ports its containers publish are. A current-thread runtime (what
    /// `#[tokio::test]` makes) runs everything on this thread.
    pub fn join_netns(&self) {
        let ns = File::open(format!("/run/netns/{}", self.netns)).unwrap();
        // SAFETY: setns with a namespace file this function opened.
        let done = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(done, 0, "setns: {}", std::io::Error::last_os_error());
    }

    /// Copies `tag` in from the main engine, unless the kept data root has
    /// the same image already; an earlier build of its repository goes.
    fn load(&self, tag: &str) {
        let (found, want) = docker(&["image", "inspect", "-f", "{{.Id}}", tag]);
        let make = if tag == BASE_IMAGE {
            "make it with scripts/make-base-image.sh"
        } else {
            "run `sagedesk image build`"
        };
        assert!(found, "the image {tag} is missing: {make}\n{want}");
        let (has, id) = self.docker(&["image", "inspect", "-f", "{{.Id}}", tag]);
        if has && id.trim() == want.trim() {
            return;
        }
        let repository = tag
            .rsplit_once(':')
            .map_or(tag, |(repository, _)| repository);
        let (_, kept) = self.docker(&[
            "image",
            "ls",
            "--format",
            "{{.Repository}}:{{.Tag}}",
            repository,
        ]);
        for other in kept.lines().filter(|other| *other != tag) {
            self.docker(&["rmi", other]);
        }
        let began = Instant::now();
        let (ok, said) = sh(&format!(
            "docker save {tag} | docker -H {} load -q",
            self.uri()
        ));
        assert!(ok, "loading {tag} into the private daemon: {said}");
        // The image this tag named before, if any, is left with no tag.
        self.docker(&["image", "prune", "-f"]);
        eprintln!(
            "loaded {tag} into the private daemon in {:.0} s (kept for the next runs)",
            began.elapsed().as_secs_f64()
        );
    }
}

impl Drop for PrivateDaemon {
    fn drop(&mut self) {
        if self.child.is_some() {
            let _ = self.terminate().wait();
        }
        // Containers leave mounts under the data folder until the daemon
        // cleans them; unmount whatever is left so the folders can go.
        unmount_under(self.run.path());
        unmount_under(&self.data);
        let _ = sh(&format!("ip netns delete {}", self.netns));
    }
}

/// Stops the daemon named in `pidfile`, if it still runs.
fn stop_left_over(pidfile: &Path) {
    let Some(pid) = std::fs::read_to_string(pidfile)
        .ok()
        .and_then(|p| p.trim().parse::<i32>().ok())
        .filter(|pid| alive(*pid))
    else {
        return;
    };
    // SAFETY: signals a dockerd named in a pid file of ours.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    for _ in 0..120 {
        if !alive(pid) {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Whether `pid` is a running dockerd (and not a process that took the
/// number since).
fn alive(pid: i32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .is_ok_and(|c| String::from_utf8_lossy(&c).contains("dockerd"))
}

/// Lazily unmounts whatever is still mounted under `dir`.
fn unmount_under(dir: &Path) {
    let _ = sh(&format!(
        "grep -o ' {0}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l",
        dir.display()
    ));
}

/// Runs a shell script; whether it succeeded, and what it printed.
fn sh(script: &str) -> (bool, String) {
    let out = Command::new("sh").arg("-c").arg(script).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}
