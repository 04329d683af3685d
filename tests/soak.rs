//! Soak: many cells in one session, and many sessions one after another,
//! on the real engine and image. Nothing may pile up: this process's file
//! descriptors and memory stay flat, and the engine is left with no
//! container, network or published port of ours.
//!
//! Both tests measure this process, so they take turns.

mod support;

use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use sagedesk::engine::Owner;
use sagedesk::kernel::KernelPorts;
use sagedesk::session::Session;
use support::{container_exists, docker, engine, finished_ok, listeners, result, run};

static ALONE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Open file descriptors of this process.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

/// `now` is within 10% above `early` (and, for small counts, within one).
fn flat(early: u64, now: u64) -> bool {
    now <= early + (early / 10).max(1)
}

const EXECUTES: u64 = 10_000;
const WARMUP: u64 = 1_000;

/// Ten thousand trivial cells in one session, each checked for its
/// answer: after a warm-up, the open descriptors and the resident memory
/// of this process stay within 10% to the end.
#[tokio::test]
async fn ten_thousand_cells_in_one_session_leave_descriptors_and_memory_flat() {
    let _alone = ALONE.lock().await;
    let s = support::session(|_| {}).await;
    s.ready().await.unwrap();
    run(&s, "n = 0").await;
    let started = Instant::now();
    let mut early = None;
    let mut samples = Vec::new();
    for i in 1..=EXECUTES {
        let events = run(&s, "n += 1; n").await;
        assert!(finished_ok(&events), "cell {i}: {events:?}");
        assert_eq!(
            result(&events),
            Some(i.to_string()),
            "cell {i} ran once, in order"
        );
        if i == WARMUP {
            early = Some((open_fds() as u64, rss_kib()));
        }
        if i.is_multiple_of(1_000) {
            samples.push((i, open_fds(), rss_kib()));
        }
    }
    let elapsed = started.elapsed();
    let (fds_early, rss_early) = early.unwrap();
    let (fds_end, rss_end) = (open_fds() as u64, rss_kib());
    eprintln!(
        "{EXECUTES} cells in {:.1} s ({:.2} ms each); (cell, fds, RSS KiB): {samples:?}",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / EXECUTES as f64
    );
    assert!(
        flat(fds_early, fds_end),
        "open descriptors grew from {fds_early} to {fds_end}: {samples:?}"
    );
    assert!(
        flat(rss_early, rss_end),
        "resident memory grew from {rss_early} KiB to {rss_end} KiB: {samples:?}"
    );
    s.shutdown().await;
}

/// Host ports published by containers that exist now (anyone's).
fn published_ports_now() -> HashSet<u16> {
    let (_, ids) = docker(&["ps", "-q"]);
    let ids: Vec<&str> = ids.split_whitespace().collect();
    if ids.is_empty() {
        return HashSet::new();
    }
    let mut args = vec!["inspect"];
    args.extend(&ids);
    let (_, text) = docker(&args);
    let mut ports = HashSet::new();
    // Containers may go away between the list and the inspect: read what
    // came back.
    if let Ok(serde_json::Value::Array(all)) = serde_json::from_str(&text) {
        for c in all {
            if let Some(map) = c["NetworkSettings"]["Ports"].as_object() {
                for bindings in map.values().filter_map(|b| b.as_array()) {
                    ports.extend(
                        bindings
                            .iter()
                            .filter_map(|b| b["HostPort"].as_str()?.parse::<u16>().ok()),
                    );
                }
            }
        }
    }
    ports
}

fn networks() -> BTreeSet<String> {
    let (ok, ids) = docker(&["network", "ls", "-q", "--no-trunc"]);
    assert!(ok, "{ids}");
    ids.split_whitespace().map(str::to_string).collect()
}

const CYCLES: usize = 50;
const LANES: usize = 2;

/// What one create/destroy cycle left to check.
struct Cycle {
    name: String,
    ports: Vec<u16>,
}

/// Cycle `i`: a session started and shut down. Even cycles wait for the
/// kernel and run a cell, as when a notebook is opened and closed; odd ones
/// shut down while the session starts, at a different moment each time
/// (creating, starting, connecting), as when a notebook is closed at once.
async fn cycle(i: usize) -> Cycle {
    let engine = engine().await;
    let config = support::config(&engine).await;
    let s = Session::start(engine.clone(), config);
    let name = s.container_name();
    let mut ports = Vec::new();
    if i.is_multiple_of(2) {
        s.ready().await.unwrap();
        assert_eq!(
            result(&run(&s, "1 + 1").await).as_deref(),
            Some("2"),
            "cycle {i}"
        );
        ports = engine
            .host_ports(&name, &KernelPorts::IN_CONTAINER.to_array())
            .await
            .unwrap();
    } else {
        tokio::time::sleep(Duration::from_millis((i as u64 * 173) % 3_000)).await;
    }
    s.shutdown().await;
    assert!(
        !container_exists(&name),
        "cycle {i}: shutdown left {name} behind"
    );
    Cycle { name, ports }
}

/// Fifty sessions created and destroyed, two at a time: no container of
/// this process remains, no network was added, the bridge holds none of
/// them, none of their ports still listens, and this process holds no
/// more descriptors than after the first cycles.
#[tokio::test]
async fn fifty_create_destroy_cycles_leave_nothing_behind() {
    let _alone = ALONE.lock().await;
    let engine = engine().await;
    let networks_before = networks();
    let started = Instant::now();
    // A first round, so that what a first session sets up for good (the
    // engine connection, the runtime) is not counted as a leak.
    let mut cycles = vec![cycle(0).await, cycle(1).await];
    let fds_early = open_fds() as u64;
    let lanes = (0..LANES).map(|lane| async move {
        let mut done = Vec::new();
        let mut i = 2 + lane;
        while i < CYCLES {
            done.push(cycle(i).await);
            i += LANES;
        }
        done
    });
    for lane in futures_util::future::join_all(lanes).await {
        cycles.extend(lane);
    }
    assert_eq!(cycles.len(), CYCLES);
    let elapsed = started.elapsed();
    // Let the last closed sockets finish closing.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let fds_end = open_fds() as u64;
    eprintln!(
        "{CYCLES} cycles in {:.1} s; open descriptors {fds_early} after the first two, {fds_end} at the end",
        elapsed.as_secs_f64()
    );

    let me = Owner::current();
    let left: Vec<_> = engine
        .managed_containers()
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.owner.as_ref() == Some(&me))
        .collect();
    assert!(left.is_empty(), "containers left behind: {left:?}");
    for c in &cycles {
        assert!(!container_exists(&c.name), "{} is left behind", c.name);
    }

    assert_eq!(networks(), networks_before, "the networks changed");
    let (ok, endpoints) = docker(&["network", "inspect", "bridge", "-f", "{{json .Containers}}"]);
    assert!(ok, "{endpoints}");
    for c in &cycles {
        assert!(
            !endpoints.contains(&format!("\"{}\"", c.name)),
            "{} is still attached to the bridge: {endpoints}",
            c.name
        );
    }

    let ours: HashSet<u16> = cycles.iter().flat_map(|c| c.ports.clone()).collect();
    assert_eq!(
        cycles.iter().filter(|c| c.ports.len() == 5).count(),
        CYCLES / 2,
        "every cycle that ran a cell read its five ports"
    );
    let in_use = published_ports_now();
    let still: Vec<_> = listeners()
        .into_iter()
        .filter(|l| ours.contains(&l.port) && !in_use.contains(&l.port))
        .collect();
    assert!(still.is_empty(), "ports still listening: {still:?}");

    assert!(
        flat(fds_early, fds_end),
        "open descriptors grew from {fds_early} to {fds_end} over {CYCLES} cycles"
    );
}
