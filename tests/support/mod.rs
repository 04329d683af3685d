//! What the fault and soak tests share: sessions on the real engine and
//! image, running a cell to its end, a workspace holding a saved notebook
//! and a file Sage wrote, and what the host shows of listening ports.
//!
//! Each test binary uses part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use jupyter_protocol::messaging::JupyterMessageContent;
use sagedesk::engine::{BuildContext, Engine};
use sagedesk::kernel::outputs::OutputLimits;
use sagedesk::notebook::{Notebook, NotebookFile, from_slice};
use sagedesk::session::{CellEvent, CellStatus, DeathReason, Session, SessionConfig, forward};

/// The default engine; these tests need one.
pub async fn engine() -> Engine {
    Engine::connect(None)
        .await
        .unwrap_or_else(|e| panic!("these tests need a Docker engine: {e}\n{}", e.fix()))
}

/// The session defaults for the SageMath image on `engine`.
pub async fn config(engine: &Engine) -> SessionConfig {
    SessionConfig::for_image(engine, &BuildContext::embedded().tag())
        .await
        .expect("the SageMath image (sagedesk image build)")
}

/// A session on the default engine, its configuration changed by `configure`.
pub async fn session(configure: impl FnOnce(&mut SessionConfig)) -> Session {
    let engine = engine().await;
    let mut config = config(&engine).await;
    configure(&mut config);
    Session::start(engine, config)
}

/// The events of one cell, up to its last.
pub async fn run(session: &Session, code: &str) -> Vec<CellEvent> {
    let mut run = session.execute(code).unwrap();
    let mut events = Vec::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(120), run.events.recv())
            .await
            .unwrap_or_else(|_| panic!("the cell {code:?} makes progress"))
            .expect("the cell ends with Finished or KernelDied");
        let last = matches!(
            event,
            CellEvent::Finished { .. } | CellEvent::KernelDied { .. }
        );
        events.push(event);
        if last {
            return events;
        }
    }
}

/// The plain text of the cell's result, if it had one.
pub fn result(events: &[CellEvent]) -> Option<String> {
    events.iter().find_map(|e| match e {
        CellEvent::Output(JupyterMessageContent::ExecuteResult(r)) => serde_json::to_value(&r.data)
            .unwrap()["text/plain"]
            .as_str()
            .map(str::to_string),
        _ => None,
    })
}

/// Whether the cell finished without an error.
pub fn finished_ok(events: &[CellEvent]) -> bool {
    matches!(
        events.last(),
        Some(CellEvent::Finished {
            status: CellStatus::Ok,
            ..
        })
    )
}

/// The death that ended the cell; panics if it ended otherwise.
pub fn death(events: &[CellEvent]) -> (DeathReason, String) {
    match events.last() {
        Some(CellEvent::KernelDied { reason, message }) => (reason.clone(), message.clone()),
        other => panic!("the cell should end with KernelDied, got {other:?}"),
    }
}

/// Runs the docker command line; whether it succeeded, and what it printed.
pub fn docker(args: &[&str]) -> (bool, String) {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("the docker command");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// Whether the engine still has a container of this name or id.
pub fn container_exists(name: &str) -> bool {
    docker(&["container", "inspect", name]).0
}

/// A workspace folder as a user has one: owned by an ordinary user (so the
/// kernel runs as them), holding a notebook saved with the output of a cell
/// the kernel ran, and a file Sage wrote.
pub struct Workspace {
    dir: tempfile::TempDir,
}

/// The notebook [`Workspace::seed`] saves.
pub const NOTEBOOK: &str = "work.ipynb";
/// The file the seeding cell has Sage write.
pub const SAGE_FILE: &str = "factors.txt";
/// The seeding cell: its result goes into the notebook, and Sage writes it
/// to [`SAGE_FILE`] too.
const SEED_CODE: &str =
    "f = factor(2^64 - 1); open('/home/sage/work/factors.txt', 'w').write(str(f)); f";
/// A cell whose result is the text of [`SAGE_FILE`], read by the kernel.
pub fn read_sage_file() -> String {
    format!("open('/home/sage/work/{SAGE_FILE}').read()")
}
/// What Sage prints for the seeding cell.
pub const SEED_RESULT: &str = "3 * 5 * 17 * 257 * 641 * 65537 * 6700417";

impl Workspace {
    pub fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::chown(dir.path(), Some(4321), Some(4321)).unwrap();
        Workspace { dir }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// Runs the seeding cell in `session` (whose workspace this is), and
    /// saves the notebook with its outputs, as the app does when a cell ends.
    pub async fn seed(&self, session: &Session) {
        let mut notebook = Notebook::new_sage("10.8");
        let id = notebook.cells[0].id.clone();
        notebook.cell_mut(&id).unwrap().set_source(SEED_CODE);
        let mut file = NotebookFile::create(self.dir.path().join(NOTEBOOK), notebook).unwrap();
        let run = session.execute(SEED_CODE).unwrap();
        let done = tokio::time::timeout(
            Duration::from_secs(120),
            forward(run, OutputLimits::default(), |_| {}),
        )
        .await
        .expect("the seeding cell ends");
        assert_eq!(
            done.status,
            Some(CellStatus::Ok),
            "the seeding cell: {:?}",
            done.death
        );
        file.notebook_mut()
            .cell_mut(&id)
            .unwrap()
            .set_outputs(&done.outputs, done.execution_count.map(|c| c as u64));
        file.save().unwrap();
        let saved = std::fs::read_to_string(self.dir.path().join(NOTEBOOK)).unwrap();
        assert!(saved.contains(SEED_RESULT), "{saved}");
        assert_eq!(
            std::fs::read_to_string(self.dir.path().join(SAGE_FILE)).unwrap(),
            SEED_RESULT
        );
    }

    /// Every file in the folder, with its bytes.
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        fn walk(dir: &Path, into: &mut BTreeMap<PathBuf, Vec<u8>>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, into);
                } else {
                    into.insert(path.clone(), std::fs::read(&path).unwrap());
                }
            }
        }
        let mut files = BTreeMap::new();
        walk(self.dir.path(), &mut files);
        files
    }

    /// Nothing of `before` was lost: every file is still there with the same
    /// bytes, and the notebook still opens with the seeding cell's output.
    pub fn assert_kept(&self, before: &BTreeMap<PathBuf, Vec<u8>>, after_what: &str) {
        assert!(
            before.len() >= 2,
            "the workspace was seeded: {:?}",
            before.keys()
        );
        let now = self.snapshot();
        for (path, bytes) in before {
            match now.get(path) {
                None => panic!("{} is gone after {after_what}", path.display()),
                Some(b) => assert!(b == bytes, "{} changed after {after_what}", path.display()),
            }
        }
        let notebook = now.get(&self.dir.path().join(NOTEBOOK)).unwrap();
        let parsed = from_slice(notebook)
            .unwrap_or_else(|e| panic!("the notebook no longer opens after {after_what}: {e}"));
        assert!(parsed.notebook.to_json().contains(SEED_RESULT));
    }
}

/// A socket in the LISTEN state on this host (this network namespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listener {
    pub ip: IpAddr,
    pub port: u16,
}

/// Every listening TCP socket, from `/proc/net/tcp` and `/proc/net/tcp6`.
pub fn listeners() -> Vec<Listener> {
    let mut found = Vec::new();
    for (file, v6) in [("/proc/net/tcp", false), ("/proc/net/tcp6", true)] {
        let Ok(table) = std::fs::read_to_string(file) else {
            continue;
        };
        for line in table.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // sl, local_address, rem_address, st, …; 0A is LISTEN.
            if fields.len() < 4 || fields[3] != "0A" {
                continue;
            }
            let (ip, port) = fields[1].split_once(':').unwrap();
            let port = u16::from_str_radix(port, 16).unwrap();
            found.push(Listener {
                ip: parse_proc_ip(ip, v6),
                port,
            });
        }
    }
    found
}

/// An address as the kernel prints it in `/proc/net/tcp*`: the in-memory
/// bytes, printed as native-endian 32-bit words.
fn parse_proc_ip(hex: &str, v6: bool) -> IpAddr {
    let words: Vec<[u8; 4]> = (0..hex.len() / 8)
        .map(|i| {
            u32::from_str_radix(&hex[i * 8..i * 8 + 8], 16)
                .unwrap()
                .to_ne_bytes()
        })
        .collect();
    if v6 {
        let mut bytes = [0u8; 16];
        for (i, w) in words.iter().enumerate() {
            bytes[i * 4..i * 4 + 4].copy_from_slice(w);
        }
        IpAddr::V6(Ipv6Addr::from(bytes))
    } else {
        IpAddr::V4(Ipv4Addr::from(words[0]))
    }
}

#[test]
fn proc_net_addresses_are_read_in_memory_order() {
    // As Linux prints them on a little-endian machine.
    if cfg!(target_endian = "little") {
        assert_eq!(
            parse_proc_ip("0100007F", false),
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        );
        assert_eq!(
            parse_proc_ip("00000000000000000000000001000000", true),
            IpAddr::V6(Ipv6Addr::LOCALHOST)
        );
    }
}
