//! A process saving a notebook in a loop, killed with SIGKILL at random
//! moments: the file on disk is always one of the versions it wrote, whole,
//! and no temporary file is left that could be taken for a notebook (the
//! ones a kill leaves are removed when the notebook is next opened).
//!
//! The saver is this test binary run again with `SAGEDESK_TEST_SAVER_DIR`
//! set, which turns the `saver_process` test into the saving loop.

#![cfg(unix)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use sagedesk::notebook::{Notebook, NotebookFile, from_slice, from_value};
use serde_json::{Value, json};

const SAVER_DIR: &str = "SAGEDESK_TEST_SAVER_DIR";
const SAVER_START: &str = "SAGEDESK_TEST_SAVER_START";
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
    let mut file = NotebookFile::open(PathBuf::from(dir).join(NOTEBOOK)).unwrap();
    let began = Instant::now();
    // Bounded, in case the parent is gone.
    for v in start.. {
        *file.notebook_mut() = version(v);
        file.save().unwrap();
        if began.elapsed() > Duration::from_secs(60) {
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
