//! Pulling images through SageDesk's engine code from a real registry:
//! Debian's `docker-registry` (the Distribution registry) serving plain HTTP
//! on 127.0.0.1, which the engine trusts without TLS by default.
//!
//! Needs a running Docker engine, the `docker` command, the image
//! `debian:bookworm-slim`, and `docker-registry` on PATH; a missing one
//! fails the test rather than skipping it.
//!
//! Every image pushed here carries a layer of fresh random bytes: a layer
//! the engine already has is reported "Already exists" and never
//! downloaded, so an image made only of `debian:bookworm-slim`'s layer
//! would move no bytes at all.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sagedesk::engine::{Engine, PullProgress};
use support::{BASE_IMAGE, docker, docker_quietly, engine};

/// A registry of its own for one test, on a free port of 127.0.0.1,
/// storing into a temporary folder; stopped when dropped.
struct Registry {
    child: Child,
    host: String,
    storage: PathBuf,
    _dir: tempfile::TempDir,
}

impl Registry {
    fn start() -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let storage = dir.path().join("storage");
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let host = format!("127.0.0.1:{port}");
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {host}\n",
                storage.display()
            ),
        )
        .unwrap();
        let log = dir.path().join("registry.log");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
            .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
                "`docker-registry` is not installed, and these tests pull from a local registry: \
                 install it with `sudo apt-get install docker-registry` (Debian and Ubuntu's package \
                 of the Distribution registry)"
            ),
            Err(e) => panic!("starting docker-registry: {e}"),
        };
        let mut registry = Registry {
            child,
            host,
            storage,
            _dir: dir,
        };
        registry.wait_until_it_answers(&log);
        registry
    }

    fn wait_until_it_answers(&mut self, log: &Path) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "docker-registry exited ({status}): {}",
                    std::fs::read_to_string(log).unwrap_or_default()
                );
            }
            if answers(&self.host) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "docker-registry did not answer on {} within 15 s: {}",
                self.host,
                std::fs::read_to_string(log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The largest blob it stores: the layer of random bytes.
    fn largest_blob(&self) -> PathBuf {
        fn walk(dir: &Path, found: &mut Vec<(u64, PathBuf)>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let entry = entry.unwrap();
                if entry.file_type().unwrap().is_dir() {
                    walk(&entry.path(), found);
                } else if entry.file_name() == "data" {
                    found.push((entry.metadata().unwrap().len(), entry.path()));
                }
            }
        }
        let mut found = Vec::new();
        walk(&self.storage.join("docker/registry/v2/blobs"), &mut found);
        found
            .into_iter()
            .max()
            .expect("the registry stores blobs")
            .1
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether the registry's API root answers 200.
fn answers(host: &str) -> bool {
    let Ok(mut conn) = TcpStream::connect(host) else {
        return false;
    };
    let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
    if conn
        .write_all(format!("GET /v2/ HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes())
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    conn.read_exact(&mut head).is_ok() && head.ends_with(b" 200")
}

/// Tags a test created, removed when it ends however it ends (only the
/// tags: the base image stays).
struct Tags(Vec<String>);

impl Drop for Tags {
    fn drop(&mut self) {
        for tag in &self.0 {
            docker_quietly(&["rmi", tag]);
        }
    }
}

/// Bytes no engine has seen before: a seeded xorshift, so no compression
/// shrinks them and no earlier run's layer matches them.
fn fresh_bytes(len: usize) -> Vec<u8> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut state = nanos ^ (u64::from(std::process::id()) << 32) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// `debian:bookworm-slim` plus a layer holding `len` fresh bytes, tagged
/// `reference`.
fn layered_image(reference: &str, len: usize) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fresh.bin");
    std::fs::write(&file, fresh_bytes(len)).unwrap();
    let (made, id) = docker(&["create", BASE_IMAGE, "true"]);
    assert!(
        made,
        "these tests need the image {BASE_IMAGE} (make it with scripts/make-base-image.sh): {id}"
    );
    let container = Container(id.trim().to_string());
    let target = format!("{}:/sagedesk-test.bin", container.0);
    let (ok, said) = docker(&["cp", &file.to_string_lossy(), &target]);
    assert!(ok, "docker cp to {target}: {said}");
    let (ok, said) = docker(&["commit", &container.0, reference]);
    assert!(ok, "docker commit {reference}: {said}");
}

/// A container made to build an image from, removed when dropped.
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        docker_quietly(&["rm", "-f", &self.0]);
    }
}

/// A one-layer image of `len` fresh bytes, tagged `reference`.
fn single_layer_image(reference: &str, len: usize) {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = tar::Builder::new(Vec::new());
    let data = fresh_bytes(len);
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    archive
        .append_data(&mut header, "fresh.bin", data.as_slice())
        .unwrap();
    let file = dir.path().join("layer.tar");
    std::fs::write(&file, archive.into_inner().unwrap()).unwrap();
    let (ok, said) = docker(&["import", &file.to_string_lossy(), reference]);
    assert!(ok, "docker import {reference}: {said}");
}

/// Pushes `reference` to its registry, then removes it here, so that the
/// next pull has to fetch it.
async fn push_then_forget(engine: &Engine, reference: &str) {
    let (ok, said) = docker(&["push", reference]);
    assert!(ok, "docker push {reference}: {said}");
    let (ok, said) = docker(&["rmi", reference]);
    assert!(ok, "docker rmi {reference}: {said}");
    assert!(
        engine.image(reference).await.unwrap().is_none(),
        "{reference} is still here after removing its tag"
    );
}

#[tokio::test]
async fn an_image_is_pulled_with_progress_summed_over_its_layers() {
    let engine = engine().await;
    let registry = Registry::start();
    let reference = format!("{}/sagedesk-test/base:1", registry.host);
    let _tags = Tags(vec![reference.clone()]);
    let fresh = 8 << 20;
    layered_image(&reference, fresh);
    push_then_forget(&engine, &reference).await;

    let started = Instant::now();
    let mut reports: Vec<PullProgress> = Vec::new();
    let info = engine
        .pull_image(&reference, |p| reports.push(p))
        .await
        .unwrap_or_else(|e| panic!("pulling {reference}: {e}"));
    let took = started.elapsed();
    eprintln!("pulled in {took:?} with {} reports", reports.len());
    for report in &reports {
        eprintln!("  {report:?}");
    }

    assert!(reports.len() >= 2, "{reports:#?}");
    for pair in reports.windows(2) {
        assert!(pair[1].bytes_done >= pair[0].bytes_done, "{pair:#?}");
        assert!(pair[1].bytes_done <= pair[1].bytes_total, "{pair:#?}");
    }
    let (first, last) = (&reports[0], reports.last().unwrap());
    assert!(last.bytes_done > first.bytes_done, "{reports:#?}");
    // Random bytes do not compress: the download is at least their size.
    assert!(last.bytes_total >= fresh as u64, "{last:?}");
    assert_eq!(last.bytes_done, last.bytes_total, "{last:?}");
    // The base layer is already here; the fresh one was downloaded.
    assert!(last.layers_total >= 2, "{last:?}");
    assert_eq!(last.layers_done, last.layers_total, "{last:?}");
    // At most ten reports a second, plus the first and the last.
    assert!(
        reports.len() as f64 <= took.as_secs_f64() * 10.0 + 3.0,
        "{} reports in {took:?}",
        reports.len()
    );

    assert_eq!(info.tag, reference);
    let here = engine
        .image(&reference)
        .await
        .unwrap()
        .expect("the image is here after the pull");
    assert_eq!(here.id, info.id);
}

#[tokio::test]
async fn a_reference_the_registry_does_not_have_is_named_in_the_error() {
    let engine = engine().await;
    let registry = Registry::start();
    let reference = format!("{}/sagedesk-test/absent:1", registry.host);
    let _tags = Tags(vec![reference.clone()]);
    let err = tokio::time::timeout(
        Duration::from_secs(60),
        engine.pull_image(&reference, |_| {}),
    )
    .await
    .expect("the pull ends instead of hanging")
    .expect_err("there is no such image to pull");
    eprintln!("{err}");
    assert_eq!(err.code(), "engine_error");
    assert!(err.to_string().contains(&reference), "{err}");
}

#[tokio::test]
async fn a_corrupt_layer_in_the_registry_fails_the_pull_mid_stream() {
    let engine = engine().await;
    let registry = Registry::start();
    let reference = format!("{}/sagedesk-test/corrupt:1", registry.host);
    let _tags = Tags(vec![reference.clone()]);
    single_layer_image(&reference, 2 << 20);
    push_then_forget(&engine, &reference).await;
    // Flip one byte in the middle of the stored layer.
    let blob = registry.largest_blob();
    let mut data = std::fs::read(&blob).unwrap();
    let middle = data.len() / 2;
    data[middle] ^= 0xff;
    std::fs::write(&blob, data).unwrap();

    // The registry stores a blob under its digest.
    let digest = blob
        .parent()
        .and_then(|dir| dir.file_name())
        .unwrap()
        .to_string_lossy()
        .into_owned();

    let err = tokio::time::timeout(
        Duration::from_secs(60),
        engine.pull_image(&reference, |_| {}),
    )
    .await
    .expect("the pull ends instead of hanging")
    .expect_err("a corrupt layer fails the pull");
    eprintln!("{err}");
    assert_eq!(err.code(), "engine_error");
    let text = err.to_string();
    assert!(text.contains(&reference), "{text}");
    // The engine finds the corruption only after downloading the layer, so
    // it reports it in the stream, naming the layer.
    assert!(text.contains(&digest), "{text}");
    assert!(engine.image(&reference).await.unwrap().is_none());
}

/// A TCP relay to the registry that passes the registry's answers on at
/// `bytes_per_second`, and notes when the engine hangs up on a transfer
/// still under way.
struct SlowRelay {
    addr: SocketAddr,
    forwarded: Arc<AtomicU64>,
    hung_up: Arc<AtomicBool>,
}

impl SlowRelay {
    async fn start(upstream: String, bytes_per_second: u64) -> SlowRelay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = SlowRelay {
            addr: listener.local_addr().unwrap(),
            forwarded: Arc::default(),
            hung_up: Arc::default(),
        };
        let (forwarded, hung_up) = (relay.forwarded.clone(), relay.hung_up.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else {
                    continue;
                };
                let (forwarded, hung_up) = (forwarded.clone(), hung_up.clone());
                tokio::spawn(relay_one(
                    client,
                    server,
                    bytes_per_second,
                    forwarded,
                    hung_up,
                ));
            }
        });
        relay
    }

    async fn wait_for_hang_up(&self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if self.hung_up.load(Ordering::SeqCst) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }
}

async fn relay_one(
    client: tokio::net::TcpStream,
    server: tokio::net::TcpStream,
    bytes_per_second: u64,
    forwarded: Arc<AtomicU64>,
    hung_up: Arc<AtomicBool>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    tokio::spawn(async move {
        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
    });
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match server_read.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if client_write.write_all(&buf[..n]).await.is_err() {
            hung_up.store(true, Ordering::SeqCst);
            return;
        }
        forwarded.fetch_add(n as u64, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs_f64(n as f64 / bytes_per_second as f64)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_pull_makes_the_engine_abandon_it() {
    let engine = engine().await;
    let registry = Registry::start();
    let direct = format!("{}/sagedesk-test/big:1", registry.host);
    let size = 24 << 20;
    single_layer_image(&direct, size);
    push_then_forget(&engine, &direct).await;
    // The same repository through the relay: at 4 MiB/s the layer takes
    // six seconds, time enough to cancel in the middle.
    let relay = SlowRelay::start(registry.host.clone(), 4 << 20).await;
    let through = format!("{}/sagedesk-test/big:1", relay.addr);
    let _tags = Tags(vec![direct.clone(), through.clone()]);

    let (started_tx, started) = tokio::sync::oneshot::channel();
    let mut started_tx = Some(started_tx);
    let pull = engine.pull_image(&through, |p| {
        if p.bytes_done > 0
            && let Some(tx) = started_tx.take()
        {
            let _ = tx.send(p);
        }
    });
    let seen = tokio::select! {
        result = pull => panic!("the pull ended before it could be cancelled: {result:?}"),
        seen = started => seen.unwrap(),
    };
    // The pull's future is dropped here.
    let dropped = Instant::now();
    eprintln!("cancelled at {seen:?}");

    assert!(
        relay.wait_for_hang_up(Duration::from_secs(10)).await,
        "the engine kept downloading after the client went away"
    );
    eprintln!("the engine hung up {:?} after the drop", dropped.elapsed());
    let forwarded = relay.forwarded.load(Ordering::SeqCst);
    assert!(forwarded < size as u64, "{forwarded} bytes forwarded");
    // Nothing finishes the pull in the background.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(relay.forwarded.load(Ordering::SeqCst), forwarded);
    assert!(engine.image(&through).await.unwrap().is_none());
}
