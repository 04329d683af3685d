//! A process saving a notebook in a loop, killed with SIGKILL at random
//! moments: the file on disk is always one of the versions it wrote, whole,
//! and no temporary file is left that could be taken for a notebook (the
//! ones a kill leaves are removed when the notebook is next opened).
//!
//! The saver is this test binary run again with `SAGEDESK_TEST_SAVER_DIR`
//! set, which turns the `saver_process` test into the saving loop. Traced
//! with strace, the same loop shows the order of each save's flushes: the
//! file's content before the rename, the folder after it.

#![cfg(unix)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use sagedesk::notebook::{Notebook, NotebookFile, from_slice, from_value};
use serde_json::{Value, json};

const SAVER_DIR: &str = "SAGEDESK_TEST_SAVER_DIR";
const SAVER_START: &str = "SAGEDESK_TEST_SAVER_START";
/// How many saves the saver makes (default: as many as fit in a minute).
const SAVER_COUNT: &str = "SAGEDESK_TEST_SAVER_COUNT";
const NOTEBOOK: &str = "saved.ipynb";
const KILLS: usize = 100;

/// Version `v` of the notebook: its number in the metadata, 1 to 20 cells,
/// outputs from 0 to ~200 KB, so saves differ in size and length of write.
fn version(v: u64) -> Notebook {
    let cells: Vec<Value> = (0..1 + v % 20)
        .map(|i| {
            json!({
                "id": format!("cell-{i}"),
                "cell_type": "code",
                "execution_count": v,
                "metadata": {},
                "source": [format!("x = {v}\n"), format!("y = {i}")],
                "outputs": [{
                    "output_type": "stream",
                    "name": "stdout",
                    "text": ["v".repeat(200 * (v % 50) as usize)],
                }],
            })
        })
        .collect();
    let value = json!({
        "cells": cells,
        "metadata": {"sagedesk_test_version": v},
        "nbformat": 4,
        "nbformat_minor": 5,
    });
    from_value(value).unwrap().notebook
}

/// The saving loop, when run as the saver; nothing otherwise.
#[test]
fn saver_process() {
    let Some(dir) = std::env::var_os(SAVER_DIR) else {
        return;
    };
    let start: u64 = std::env::var(SAVER_START).unwrap().parse().unwrap();
    let count: Option<u64> = std::env::var(SAVER_COUNT).ok().map(|c| c.parse().unwrap());
    let mut file = NotebookFile::open(PathBuf::from(dir).join(NOTEBOOK)).unwrap();
    let began = Instant::now();
    // Bounded, in case the parent is gone.
    for v in start.. {
        *file.notebook_mut() = version(v);
        file.save().unwrap();
        if began.elapsed() > Duration::from_secs(60) || count.is_some_and(|c| v + 1 - start >= c) {
            break;
        }
    }
}

fn version_on_disk(path: &Path) -> u64 {
    let bytes = fs::read(path).unwrap();
    let parsed = from_slice(&bytes).unwrap_or_else(|err| {
        panic!(
            "the notebook does not parse after a kill ({} bytes): {err}",
            bytes.len()
        )
    });
    let v = parsed.notebook.metadata["sagedesk_test_version"]
        .as_u64()
        .unwrap();
    // Not just parseable: exactly what version v is, every byte.
    assert!(
        bytes == version(v).to_json().into_bytes(),
        "the file is not version {v} as written"
    );
    v
}

/// Entries of `dir` other than the notebook.
fn others(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != NOTEBOOK)
        .collect();
    names.sort();
    names
}

/// A small random generator (xorshift64*), seeded from the clock; the seed
/// is printed so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn killed_saves_never_leave_a_broken_notebook() {
    let seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("seed {seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(NOTEBOOK);
    NotebookFile::create(&path, version(0)).unwrap();
    let exe = std::env::current_exe().unwrap();
    let began = Instant::now();
    let mut last = 0;
    let mut leftovers = 0;
    let mut saves = 0;
    for round in 0..KILLS {
        let start = (round as u64 + 1) * 1_000_000;
        let mut child = Command::new(&exe)
            .args(["saver_process", "--exact", "--test-threads=1"])
            .env(SAVER_DIR, dir.path())
            .env(SAVER_START, start.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the saver's first save, so the kill lands in its loop.
        let waiting = Instant::now();
        while version_on_disk(&path) < start {
            assert!(
                waiting.elapsed() < Duration::from_secs(10),
                "the saver did not save"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_micros(rng.next() % 20_000));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let v = version_on_disk(&path);
        assert!(v >= start && v >= last, "version {v} after {last}");
        saves += v - start + 1;
        last = v;
        // What a kill may leave: our temporary files, hidden and not `.ipynb`.
        let left = others(dir.path());
        for name in &left {
            assert!(
                name.starts_with('.')
                    && name.contains(".sagedesk-tmp-")
                    && !name.ends_with(".ipynb"),
                "unexpected file {name}"
            );
        }
        leftovers += left.len();
        // Opening the notebook removes them.
        let reopened = NotebookFile::open(&path).unwrap();
        assert_eq!(reopened.notebook(), &version(v));
        assert_eq!(others(dir.path()), Vec::<String>::new());
    }
    let took = began.elapsed();
    eprintln!(
        "{KILLS} kills in {:.1} s; {saves} saves completed; {leftovers} temporary files left by kills, all removed on open",
        took.as_secs_f64()
    );
    assert!(took < Duration::from_secs(30), "took {took:?}");
}

/// What a trace of a saving process shows of each save: whether the new
/// content was flushed before the rename made it the notebook, and the
/// folder flushed after it. Returns how many saves were seen, or what is
/// wrong with the first one that is not so.
fn check_fsync_order(trace: &str) -> Result<usize, String> {
    use std::collections::HashMap;
    #[derive(Clone, Copy, PartialEq)]
    enum Opened {
        Temp,
        Folder,
        Other,
    }
    let quoted = |line: &str| -> Vec<String> {
        line.split('"')
            .skip(1)
            .step_by(2)
            .map(String::from)
            .collect()
    };
    let fd_of = |line: &str| -> Option<u32> {
        let (_, args) = line.split_once('(')?;
        args.split([',', ')']).next()?.trim().parse().ok()
    };
    let result_of = |line: &str| -> Option<u32> { line.rsplit_once("= ")?.1.trim().parse().ok() };
    let mut fds: HashMap<u32, (Opened, String)> = HashMap::new();
    let mut written: HashMap<String, bool> = HashMap::new();
    let mut flushed: HashMap<String, bool> = HashMap::new();
    let mut renamed_unsynced: Option<String> = None;
    let mut saves = 0;
    for line in trace.lines() {
        // `PID  call(args) = result`
        let call = line.split_whitespace().nth(1).unwrap_or_default();
        let name = call.split('(').next().unwrap_or_default();
        match name {
            "open" | "openat" | "openat2" => {
                let Some(fd) = result_of(line) else { continue };
                let path = quoted(line).into_iter().next().unwrap_or_default();
                let kind = if path.contains("sagedesk-tmp") {
                    Opened::Temp
                } else if path == "." || line.contains("O_DIRECTORY") {
                    Opened::Folder
                } else {
                    Opened::Other
                };
                if kind == Opened::Temp {
                    if let Some(pending) = &renamed_unsynced {
                        return Err(format!(
                            "the folder was not flushed after {pending} became the notebook"
                        ));
                    }
                    written.insert(path.clone(), false);
                    flushed.insert(path.clone(), false);
                }
                fds.insert(fd, (kind, path));
            }
            "write" | "pwrite64" => {
                if let Some((Opened::Temp, path)) = fd_of(line).and_then(|fd| fds.get(&fd)) {
                    written.insert(path.clone(), true);
                    // A write after the flush is not on the disk.
                    flushed.insert(path.clone(), false);
                }
            }
            "fsync" | "fdatasync" => match fd_of(line).and_then(|fd| fds.get(&fd)) {
                Some((Opened::Temp, path)) => {
                    flushed.insert(path.clone(), true);
                }
                Some((Opened::Folder, _)) => renamed_unsynced = None,
                _ => {}
            },
            "rename" | "renameat" | "renameat2" => {
                let names = quoted(line);
                let (Some(from), Some(to)) = (names.first(), names.last()) else {
                    continue;
                };
                if !from.contains("sagedesk-tmp") || !to.ends_with(NOTEBOOK) {
                    continue;
                }
                let temp = fds
                    .values()
                    .map(|(_, p)| p)
                    .find(|p| p.ends_with(from.rsplit('/').next().unwrap_or(from)))
                    .cloned()
                    .unwrap_or_else(|| from.clone());
                if !written.get(&temp).copied().unwrap_or(false) {
                    return Err(format!(
                        "{temp} became the notebook with nothing written to it"
                    ));
                }
                if !flushed.get(&temp).copied().unwrap_or(false) {
                    return Err(format!(
                        "{temp} became the notebook before its content was flushed"
                    ));
                }
                renamed_unsynced = Some(temp);
                saves += 1;
            }
            _ => {}
        }
    }
    match renamed_unsynced {
        Some(pending) => Err(format!(
            "the folder was not flushed after {pending} became the notebook"
        )),
        None => Ok(saves),
    }
}

#[test]
fn the_order_check_catches_a_missing_or_late_flush() {
    let good = r#"7  openat2(4, ".a.ipynb.sagedesk-tmp-1-00000000", {flags=O_WRONLY|O_CREAT|O_EXCL}, 24) = 5
7  write(5, "{}", 2) = 2
7  fsync(5) = 0
7  renameat(4, ".a.ipynb.sagedesk-tmp-1-00000000", 4, "saved.ipynb") = 0
7  openat2(4, ".", {flags=O_RDONLY}, 24) = 5
7  fsync(5) = 0
"#;
    assert_eq!(check_fsync_order(good), Ok(1));
    let no_file_flush = good.replace("7  fsync(5) = 0\n7  renameat", "7  renameat");
    assert!(
        check_fsync_order(&no_file_flush)
            .unwrap_err()
            .contains("before its content was flushed")
    );
    let flush_then_write = good.replace(
        "7  fsync(5) = 0\n7  renameat",
        "7  fsync(5) = 0\n7  write(5, \"x\", 1) = 1\n7  renameat",
    );
    assert!(check_fsync_order(&flush_then_write).is_err());
    let no_folder_flush: String = good.lines().take(5).map(|l| format!("{l}\n")).collect();
    assert!(
        check_fsync_order(&no_folder_flush)
            .unwrap_err()
            .contains("folder was not flushed")
    );
}

/// A real save's system calls, traced: the new content is written and
/// flushed before the rename makes it the notebook, and the folder is
/// flushed after the rename, for every save.
#[test]
fn every_save_flushes_the_file_before_the_rename_and_the_folder_after() {
    if Command::new("strace").arg("-V").output().is_err() {
        panic!("strace is needed (apt install strace): scripts/lib.sh installs it");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(NOTEBOOK);
    NotebookFile::create(&path, version(0)).unwrap();
    let trace = dir.path().join("trace.log");
    let status = Command::new("strace")
        .args(["-f", "-o"])
        .arg(&trace)
        .args([
            "-e",
            "trace=open,openat,openat2,write,pwrite64,fsync,fdatasync,rename,renameat,renameat2",
        ])
        .arg(std::env::current_exe().unwrap())
        .args(["saver_process", "--exact", "--nocapture"])
        .env(SAVER_DIR, dir.path())
        .env(SAVER_START, "1")
        .env(SAVER_COUNT, "5")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let trace = fs::read_to_string(&trace).unwrap();
    assert_eq!(check_fsync_order(&trace), Ok(5), "{trace}");
}
