//! Pulling an image from a registry through the engine's image create
//! endpoint, with its per-layer progress summed into one figure a progress
//! bar can show.
//!
//! What the figure counts:
//!
//! - **Bytes are download bytes**: the compressed size of each layer, as the
//!   engine reports it while downloading. A layer's size becomes known only
//!   when its download starts (the engine downloads a few layers at a time),
//!   so `bytes_total` grows during the pull and is final once every layer
//!   has started; show it as "of at least", or show the layers next to it.
//! - **Extraction adds no bytes.** The engine reports extraction with a
//!   `current`/`total` of its own, over the same compressed bytes: adding it
//!   would count every byte twice, and taking it in place of the download's
//!   figure would send the bar back to zero for every layer. It shows in
//!   `status_line` instead (`"2068721620e1: Extracting 45%"`).
//! - **A layer is done** when the engine says "Already exists", "Download
//!   complete" or "Pull complete": Docker sends the last after extracting,
//!   engines that store layers without extracting them (containerd's image
//!   store, Podman) may stop at "Download complete". A layer already on the
//!   machine adds no bytes.
//! - **Nothing goes backwards**: a download that the engine retries starts
//!   again from zero, but the figure keeps the most bytes seen per layer.
//!
//! Progress is sent at most every [`PROGRESS_EVERY`], the latest state
//! each time, and once more at the end.
//!
//! Dropping the future of [`Engine::pull_image`] cancels the pull: it drops
//! the response stream, which closes the connection, and the engine abandons
//! a pull whose client went away. `tests/pull.rs` checks this against Docker
//! Engine 20.10: the engine hangs up on the registry mid-layer.

use std::time::{Duration, Instant};

use bollard::models::CreateImageInfo;
use bollard::query_parameters::CreateImageOptionsBuilder;
use futures_util::StreamExt;
use serde::Serialize;

use super::error::{self, EngineError};
use super::{Engine, ImageInfo};
use crate::pacer::Pacer;

/// A pull from which the engine sends nothing for this long is stuck. The
/// engine reports every half megabyte it downloads or extracts, so this only
/// trips on a connection slower than about 4 kB/s or a hung engine.
const PULL_STALL: Duration = Duration::from_secs(120);

/// The least time between two progress reports (at most ten a second).
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// How far an image pull has come, summed over its layers. Bytes are the
/// layers' compressed download; extraction adds none and shows in
/// `status_line`. A layer already on the machine is done and adds no bytes.
/// No figure ever decreases.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PullProgress {
    /// Compressed bytes downloaded so far; never decreases.
    pub bytes_done: u64,
    /// Compressed size of the layers whose size is known so far (see the
    /// module documentation: it grows until every layer has started).
    pub bytes_total: u64,
    /// Layers present on the machine: already there or downloaded.
    pub layers_done: u32,
    /// Layers the engine has named so far.
    pub layers_total: u32,
    /// What the engine is doing, in its words.
    pub status_line: String,
}

impl Engine {
    /// Pulls `reference` (`name`, `name:tag` or `name@digest`; a name alone
    /// means its `latest` tag) and returns the image. Progress goes to
    /// `on_progress` (see [`PullProgress`] for what it counts): once at the
    /// start, at most ten times a second, and once at the end.
    ///
    /// Errors: [`EngineError::Api`] naming the reference when the engine or
    /// the registry refuses the pull (no such image, registry unreachable, a
    /// corrupt layer), also when the refusal arrives in the middle of the
    /// stream; [`EngineError::Stalled`] when the engine sends nothing for two
    /// minutes. Dropping the future cancels the pull.
    pub async fn pull_image(
        &self,
        reference: &str,
        on_progress: impl FnMut(PullProgress),
    ) -> Result<ImageInfo, EngineError> {
        self.pull_with_stall(reference, PULL_STALL, on_progress)
            .await
    }

    async fn pull_with_stall(
        &self,
        reference: &str,
        stall: Duration,
        mut on_progress: impl FnMut(PullProgress),
    ) -> Result<ImageInfo, EngineError> {
        let reference = full_reference(reference)?;
        let what = format!("pull {reference}");
        let options = CreateImageOptionsBuilder::default()
            .from_image(&reference)
            .build();
        let mut stream = self.docker().create_image(Some(options), None, None);

        let mut tally = Tally::new(&reference);
        let mut reports = Reports::new(PROGRESS_EVERY);
        let mut last_message = tokio::time::Instant::now();
        loop {
            let progress = tally.progress();
            let now = Instant::now();
            let due = reports.due(now, &progress);
            if due.is_some_and(|at| at <= now) {
                reports.sent(now, progress.clone());
                on_progress(progress);
                continue;
            }
            // Wait for the next message, or for the moment the progress
            // held back may go out, whichever comes first.
            let next = tokio::select! {
                next = tokio::time::timeout_at(last_message + stall, stream.next()) => next,
                () = tokio::time::sleep_until(due.unwrap_or(now).into()), if due.is_some() => continue,
            };
            let item = match next {
                Err(_) => {
                    return Err(EngineError::Stalled {
                        what: format!("pulling {reference}"),
                        after: stall,
                    });
                }
                Ok(None) => break,
                Ok(Some(item)) => item,
            };
            last_message = tokio::time::Instant::now();
            let info = item.map_err(|e| pull_error(&what, e))?;
            // bollard turns an error entry into an `Err` only when it
            // carries a message; one without is still an error.
            if let Some(detail) = &info.error_detail {
                return Err(EngineError::Api {
                    what,
                    message: detail.message.clone().unwrap_or_else(|| match detail.code {
                        Some(code) => format!("the engine reported error {code}"),
                        None => "the engine reported an error".into(),
                    }),
                });
            }
            tally.apply(&info);
        }
        let last = tally.progress();
        if reports.due(Instant::now(), &last).is_some() {
            on_progress(last);
        }
        self.image(&reference)
            .await?
            .ok_or_else(|| EngineError::Api {
                what,
                message: "the engine reported the pull finished, but it does not have the image"
                    .into(),
            })
    }
}

/// The reference with its tag spelled out: given a name alone, the engine
/// pulls every tag of the repository, not `latest`.
fn full_reference(reference: &str) -> Result<String, EngineError> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err(EngineError::Api {
            what: "pull an image".into(),
            message: "no image was named".into(),
        });
    }
    // A registry's port also follows a colon, so only the last path
    // component can hold the tag.
    let last = reference.rsplit('/').next().unwrap_or(reference);
    if reference.contains('@') || last.contains(':') {
        Ok(reference.to_string())
    } else {
        Ok(format!("{reference}:latest"))
    }
}

fn pull_error(what: &str, err: bollard::errors::Error) -> EngineError {
    match err {
        bollard::errors::Error::DockerStreamError { error } => EngineError::Api {
            what: what.to_string(),
            message: error,
        },
        other => error::api(what, other),
    }
}

/// The per-layer statuses of a pull, as the engine spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LayerStatus {
    /// "Pulling fs layer", "Waiting", "Retrying in N seconds".
    Queued,
    Downloading,
    VerifyingChecksum,
    DownloadComplete,
    Extracting,
    PullComplete,
    AlreadyExists,
}

impl LayerStatus {
    /// `None` for statuses about the whole pull ("Pulling from x", whose
    /// `id` is the tag, "Digest: …", "Status: …").
    fn parse(status: &str) -> Option<LayerStatus> {
        Some(match status {
            "Pulling fs layer" | "Waiting" => LayerStatus::Queued,
            "Downloading" => LayerStatus::Downloading,
            "Verifying Checksum" => LayerStatus::VerifyingChecksum,
            "Download complete" => LayerStatus::DownloadComplete,
            "Extracting" => LayerStatus::Extracting,
            "Pull complete" => LayerStatus::PullComplete,
            "Already exists" => LayerStatus::AlreadyExists,
            s if s.starts_with("Retrying in") => LayerStatus::Queued,
            _ => return None,
        })
    }
}

/// One layer's share of the figure. Invariant: `downloaded <= size`, and
/// neither ever decreases.
#[derive(Debug, Default, Clone, Copy)]
struct Layer {
    /// Compressed size; 0 until the engine reports it.
    size: u64,
    downloaded: u64,
    done: bool,
}

impl Layer {
    fn apply(&mut self, status: LayerStatus, current: Option<u64>, total: Option<u64>) {
        match status {
            LayerStatus::Queued => {}
            LayerStatus::Downloading => {
                if let Some(total) = total {
                    self.size = self.size.max(total);
                }
                if let Some(current) = current {
                    self.downloaded = self.downloaded.max(current.min(self.size));
                }
            }
            LayerStatus::VerifyingChecksum => self.downloaded = self.size,
            LayerStatus::Extracting => {
                // Extraction comes after the whole download; its total is
                // the same compressed size, used only if the download's
                // progress was never seen.
                if self.size == 0 {
                    self.size = total.unwrap_or(0);
                }
                self.downloaded = self.size;
            }
            LayerStatus::DownloadComplete
            | LayerStatus::PullComplete
            | LayerStatus::AlreadyExists => {
                self.downloaded = self.size;
                self.done = true;
            }
        }
    }
}

/// The running sum of a pull's messages.
#[derive(Debug)]
struct Tally {
    /// Layers by the short id the engine names them with, in the order the
    /// engine first named them.
    layers: Vec<(String, Layer)>,
    status_line: String,
}

impl Tally {
    fn new(reference: &str) -> Tally {
        Tally {
            layers: Vec::new(),
            status_line: format!("Pulling {reference}"),
        }
    }

    fn apply(&mut self, info: &CreateImageInfo) {
        let status = info.status.as_deref().unwrap_or_default().trim();
        let detail = info.progress_detail.as_ref();
        // The engine sends -1 or nothing for an unknown figure.
        let figure = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok());
        let current = figure(detail.and_then(|d| d.current));
        let total = figure(detail.and_then(|d| d.total)).filter(|&t| t > 0);
        match (info.id.as_deref(), LayerStatus::parse(status)) {
            (Some(id), Some(layer_status)) => {
                let index = match self.layers.iter().position(|(known, _)| known == id) {
                    Some(index) => index,
                    None => {
                        self.layers.push((id.to_string(), Layer::default()));
                        self.layers.len() - 1
                    }
                };
                self.layers[index].1.apply(layer_status, current, total);
                self.status_line = match (current, total) {
                    (Some(current), Some(total)) => {
                        format!("{id}: {status} {}%", current.min(total) * 100 / total)
                    }
                    _ => format!("{id}: {status}"),
                };
            }
            _ if !status.is_empty() => self.status_line = status.to_string(),
            _ => {}
        }
    }

    fn progress(&self) -> PullProgress {
        let layers = self.layers.iter().map(|(_, layer)| layer);
        PullProgress {
            bytes_done: layers.clone().map(|l| l.downloaded).sum(),
            bytes_total: layers.clone().map(|l| l.size).sum(),
            layers_done: layers.clone().filter(|l| l.done).count() as u32,
            layers_total: self.layers.len() as u32,
            status_line: self.status_line.clone(),
        }
    }
}

/// Holds progress back so that reports go out at most once per `every`
/// (the [`Pacer`]'s rule), and never twice the same.
#[derive(Debug)]
struct Reports {
    pacer: Pacer,
    last: Option<PullProgress>,
}

impl Reports {
    fn new(every: Duration) -> Reports {
        Reports {
            pacer: Pacer::new(every),
            last: None,
        }
    }

    /// When `progress` may go out: `now` for the first report, one interval
    /// after the last report otherwise, `None` when it is what went out last.
    fn due(&self, now: Instant, progress: &PullProgress) -> Option<Instant> {
        if self.last.as_ref() == Some(progress) {
            None
        } else {
            Some(self.pacer.next_at(now))
        }
    }

    fn sent(&mut self, now: Instant, progress: PullProgress) {
        self.pacer.sent(now);
        self.last = Some(progress);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Docker Engine 20.10 pulling a two-layer image from a local registry:
    /// the base layer is on the machine, the other one (8 MB) is not.
    const RECORDED_PULL: &str = r#"
{"status":"Pulling from x/two","id":"1"}
{"status":"Already exists","progressDetail":{},"id":"59ad34ecb5ca"}
{"status":"Pulling fs layer","progressDetail":{},"id":"2068721620e1"}
{"status":"Downloading","progressDetail":{"current":98304,"total":8002636},"progress":"[\u003e                                                  ]   98.3kB/8.003MB","id":"2068721620e1"}
{"status":"Downloading","progressDetail":{"current":8002636,"total":8002636},"progress":"[==================================================\u003e]  8.003MB/8.003MB","id":"2068721620e1"}
{"status":"Verifying Checksum","progressDetail":{},"id":"2068721620e1"}
{"status":"Download complete","progressDetail":{},"id":"2068721620e1"}
{"status":"Extracting","progressDetail":{"current":98304,"total":8002636},"progress":"[\u003e                                                  ]   98.3kB/8.003MB","id":"2068721620e1"}
{"status":"Extracting","progressDetail":{"current":8002636,"total":8002636},"progress":"[==================================================\u003e]  8.003MB/8.003MB","id":"2068721620e1"}
{"status":"Pull complete","progressDetail":{},"id":"2068721620e1"}
{"status":"Digest: sha256:e0df5187799b375506993aeea26b7f693e19eab2d9bfeaf91a49aa4d39b6e4b7"}
{"status":"Status: Downloaded newer image for 127.0.0.1:5077/x/two:1"}
"#;

    /// The same engine when the registry serves a corrupt layer.
    const RECORDED_CORRUPT_LAYER: &str = r#"
{"status":"Pulling from x/two","id":"1"}
{"status":"Already exists","progressDetail":{},"id":"59ad34ecb5ca"}
{"status":"Pulling fs layer","progressDetail":{},"id":"2068721620e1"}
{"status":"Downloading","progressDetail":{"current":98304,"total":8002636},"progress":"[\u003e                                                  ]   98.3kB/8.003MB","id":"2068721620e1"}
{"status":"Verifying Checksum","progressDetail":{},"id":"2068721620e1"}
{"errorDetail":{"message":"filesystem layer verification failed for digest sha256:2068721620e1614008f49677e37a3a7a420971cbcd6f9d2737964169b25d2009"},"error":"filesystem layer verification failed for digest sha256:2068721620e1614008f49677e37a3a7a420971cbcd6f9d2737964169b25d2009"}
"#;

    fn messages(recorded: &str) -> Vec<CreateImageInfo> {
        recorded
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The progress after each message.
    fn replay(messages: &[CreateImageInfo]) -> Vec<PullProgress> {
        let mut tally = Tally::new("x");
        messages
            .iter()
            .map(|m| {
                tally.apply(m);
                tally.progress()
            })
            .collect()
    }

    fn never_backwards(steps: &[PullProgress]) {
        for pair in steps.windows(2) {
            assert!(pair[1].bytes_done >= pair[0].bytes_done, "{pair:#?}");
            assert!(pair[1].bytes_total >= pair[0].bytes_total, "{pair:#?}");
            assert!(pair[1].layers_done >= pair[0].layers_done, "{pair:#?}");
            assert!(pair[1].bytes_done <= pair[1].bytes_total, "{pair:#?}");
        }
    }

    fn message(
        id: &str,
        status: &str,
        current: Option<i64>,
        total: Option<i64>,
    ) -> CreateImageInfo {
        CreateImageInfo {
            id: Some(id.into()),
            status: Some(status.into()),
            progress_detail: Some(bollard::models::ProgressDetail { current, total }),
            ..Default::default()
        }
    }

    #[test]
    fn a_recorded_pull_sums_to_its_downloaded_layer() {
        let steps = replay(&messages(RECORDED_PULL));
        never_backwards(&steps);
        let last = steps.last().unwrap();
        assert_eq!(last.bytes_done, 8_002_636);
        assert_eq!(last.bytes_total, 8_002_636);
        // The base layer was already there: done, with no bytes to fetch;
        // "Pulling from x/two" names the tag, not a layer.
        assert_eq!((last.layers_done, last.layers_total), (2, 2));
        assert_eq!(
            last.status_line,
            "Status: Downloaded newer image for 127.0.0.1:5077/x/two:1"
        );
        // Extraction restarts its own count at 98 kB: the bytes stay full,
        // and the status line shows the extraction.
        let extracting = &steps[7];
        assert_eq!(extracting.bytes_done, 8_002_636);
        assert_eq!(extracting.status_line, "2068721620e1: Extracting 1%");
        assert_eq!(steps[3].bytes_done, 98_304);
    }

    #[test]
    fn a_corrupt_layer_arrives_as_an_error_entry() {
        let recorded = messages(RECORDED_CORRUPT_LAYER);
        let error = recorded.last().unwrap().error_detail.clone().unwrap();
        assert!(error.message.unwrap().contains("verification failed"));
        let steps = replay(&recorded[..recorded.len() - 1]);
        never_backwards(&steps);
        // Checksum verification starts once every byte is in.
        assert_eq!(steps.last().unwrap().bytes_done, 8_002_636);
    }

    #[test]
    fn concurrent_layers_and_retries_never_go_backwards() {
        let steps = replay(&[
            message("a", "Pulling fs layer", None, None),
            message("b", "Pulling fs layer", None, None),
            message("c", "Waiting", None, None),
            message("a", "Downloading", Some(500), Some(1000)),
            message("b", "Downloading", Some(100), Some(200)),
            message("a", "Retrying in 5 seconds", None, None),
            message("a", "Downloading", Some(10), Some(1000)),
            message("a", "Downloading", Some(700), Some(1000)),
            message("b", "Download complete", None, None),
            message("c", "Downloading", Some(-1), Some(-1)),
            message("a", "Download complete", None, None),
            message("c", "Downloading", Some(30), Some(300)),
        ]);
        never_backwards(&steps);
        // The retry restarted at 10 bytes; the figure kept the 500 it had.
        assert_eq!(steps[6].bytes_done, 500 + 100);
        assert_eq!(steps[7].bytes_done, 700 + 100);
        let last = steps.last().unwrap();
        assert_eq!(
            (last.bytes_done, last.bytes_total),
            (1000 + 200 + 30, 1000 + 200 + 300)
        );
        assert_eq!((last.layers_done, last.layers_total), (2, 3));
    }

    #[test]
    fn a_size_first_seen_in_extraction_counts_as_downloaded() {
        // A small layer can finish before the engine reports its download.
        let steps = replay(&[
            message("a", "Pulling fs layer", None, None),
            message("a", "Download complete", None, None),
            message("a", "Extracting", Some(32), Some(4096)),
            message("a", "Pull complete", None, None),
        ]);
        never_backwards(&steps);
        assert_eq!(steps[1].layers_done, 1);
        assert_eq!((steps[2].bytes_done, steps[2].bytes_total), (4096, 4096));
        assert_eq!((steps[3].layers_done, steps[3].layers_total), (1, 1));
    }

    #[test]
    fn an_image_already_here_has_no_layers_to_fetch() {
        let steps = replay(&messages(
            r#"{"status":"Pulling from x/two","id":"1"}
{"status":"Digest: sha256:e0df5187799b375506993aeea26b7f693e19eab2d9bfeaf91a49aa4d39b6e4b7"}
{"status":"Status: Image is up to date for 127.0.0.1:5077/x/two:1"}"#,
        ));
        let last = steps.last().unwrap();
        assert_eq!((last.bytes_total, last.layers_total), (0, 0));
        assert!(last.status_line.contains("up to date"));
    }

    #[test]
    fn a_name_alone_means_its_latest_tag() {
        let full = |r: &str| full_reference(r).unwrap();
        assert_eq!(full("debian"), "debian:latest");
        assert_eq!(full(" sagemath/sagemath "), "sagemath/sagemath:latest");
        assert_eq!(
            full("127.0.0.1:5000/x/base"),
            "127.0.0.1:5000/x/base:latest"
        );
        assert_eq!(full("127.0.0.1:5000/x/base:1"), "127.0.0.1:5000/x/base:1");
        assert_eq!(full("debian:bookworm-slim"), "debian:bookworm-slim");
        let digest = format!("debian@sha256:{}", "0".repeat(64));
        assert_eq!(full(&digest), digest);
        assert_eq!(full_reference("  ").unwrap_err().code(), "engine_error");
    }

    #[test]
    fn progress_goes_out_at_most_ten_times_a_second_and_at_the_end() {
        let start = Instant::now();
        let mut reports = Reports::new(PROGRESS_EVERY);
        let mut sent = Vec::new();
        let mut latest = PullProgress::default();
        // A change every millisecond for two seconds.
        for ms in 0..2000u64 {
            let now = start + Duration::from_millis(ms);
            latest = PullProgress {
                bytes_done: ms,
                ..PullProgress::default()
            };
            if reports.due(now, &latest).is_some_and(|at| at <= now) {
                reports.sent(now, latest.clone());
                sent.push(latest.clone());
            }
        }
        assert!(sent.len() <= 21, "{} reports in 2 s", sent.len());
        assert!(sent.len() >= 19, "{} reports in 2 s", sent.len());
        // The last state is held back, then goes out at the end.
        assert_ne!(sent.last(), Some(&latest));
        assert!(
            reports
                .due(start + Duration::from_secs(2), &latest)
                .is_some()
        );
        reports.sent(start + Duration::from_secs(2), latest.clone());
        // The same state never goes out twice.
        assert_eq!(reports.due(start + Duration::from_secs(9), &latest), None);
    }

    #[test]
    fn progress_is_camel_case_json() {
        let json = serde_json::to_value(PullProgress {
            bytes_done: 1,
            bytes_total: 2,
            layers_done: 3,
            layers_total: 4,
            status_line: "s".into(),
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "bytesDone": 1, "bytesTotal": 2, "layersDone": 3, "layersTotal": 4, "statusLine": "s"
            })
        );
    }

    /// A stand-in for the engine on a Unix socket: it answers a pull with
    /// the given lines, then ends the stream or holds it open, and answers
    /// every other request (the inspect after a pull) with "no such image".
    #[cfg(unix)]
    mod fake_engine {
        use super::*;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        use tokio::net::{UnixListener, UnixStream};
        use tokio::sync::oneshot;

        pub(super) struct FakeEngine {
            pub(super) engine: Engine,
            /// Fires when the client closes a pull held open.
            pub(super) hung_up: oneshot::Receiver<()>,
            _dir: tempfile::TempDir,
        }

        pub(super) fn start(lines: &str, hold_open: bool) -> FakeEngine {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("engine.sock");
            let listener = UnixListener::bind(&path).unwrap();
            let (tx, hung_up) = oneshot::channel();
            let lines: Vec<String> = lines
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(String::from)
                .collect();
            tokio::spawn(serve(listener, lines, hold_open, tx));
            let docker = bollard::Docker::connect_with_unix(
                &path.to_string_lossy(),
                30,
                bollard::API_DEFAULT_VERSION,
            )
            .unwrap();
            let engine = Engine {
                docker,
                info: crate::engine::EngineInfo {
                    endpoint: format!("unix://{}", path.display()),
                    source: "test".into(),
                    name: "fake".into(),
                    version: "0".into(),
                    api_version: "1.41".into(),
                    os: "linux".into(),
                    arch: "amd64".into(),
                    memory_bytes: 0,
                    cpus: 0,
                },
            };
            FakeEngine {
                engine,
                hung_up,
                _dir: dir,
            }
        }

        async fn serve(
            listener: UnixListener,
            lines: Vec<String>,
            hold_open: bool,
            hung_up: oneshot::Sender<()>,
        ) {
            let mut hung_up = Some(hung_up);
            while let Ok((mut conn, _)) = listener.accept().await {
                let head = read_head(&mut conn).await;
                if !head.contains("/images/create") {
                    let body = r#"{"message":"No such image"}"#;
                    let _ = conn
                        .write_all(
                            format!(
                                "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\
                                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                                body.len()
                            )
                            .as_bytes(),
                        )
                        .await;
                    continue;
                }
                let mut response = String::from(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                     Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
                );
                for line in &lines {
                    let data = format!("{line}\n");
                    response.push_str(&format!("{:x}\r\n{data}\r\n", data.len()));
                }
                if !hold_open {
                    response.push_str("0\r\n\r\n");
                }
                let _ = conn.write_all(response.as_bytes()).await;
                if hold_open {
                    let mut buf = [0u8; 256];
                    while matches!(conn.read(&mut buf).await, Ok(n) if n > 0) {}
                    if let Some(tx) = hung_up.take() {
                        let _ = tx.send(());
                    }
                }
            }
        }

        async fn read_head(conn: &mut UnixStream) -> String {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match conn.read(&mut byte).await {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            String::from_utf8_lossy(&head).into_owned()
        }
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn an_engine_that_goes_quiet_is_reported_stalled_and_left() {
        let fake = fake_engine::start(r#"{"status":"Pulling from x/two","id":"1"}"#, true);
        let started = std::time::Instant::now();
        let mut reports = Vec::new();
        let err = fake
            .engine
            .pull_with_stall("x/two:1", Duration::from_millis(300), |p| reports.push(p))
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::Stalled { .. }), "{err:?}");
        assert!(err.to_string().contains("pulling x/two:1"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
        // The connection is closed, so the engine can abandon the pull.
        tokio::time::timeout(Duration::from_secs(5), fake.hung_up)
            .await
            .expect("the client closes the connection")
            .unwrap();
        assert_eq!(reports[0].status_line, "Pulling x/two:1");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn an_error_entry_mid_stream_names_the_reference() {
        let fake = fake_engine::start(RECORDED_CORRUPT_LAYER, false);
        let err = fake
            .engine
            .pull_image("127.0.0.1:5077/x/two:1", |_| {})
            .await
            .unwrap_err();
        assert_eq!(err.code(), "engine_error");
        let text = err.to_string();
        assert!(text.contains("pull 127.0.0.1:5077/x/two:1"), "{text}");
        assert!(text.contains("verification failed"), "{text}");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_finished_pull_without_the_image_is_an_error() {
        let fake = fake_engine::start(RECORDED_PULL, false);
        let mut reports = Vec::new();
        let err = fake
            .engine
            .pull_image("127.0.0.1:5077/x/two:1", |p| reports.push(p))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("does not have the image"), "{err}");
        // The first report and the final state both went out.
        assert_eq!(reports.first().unwrap().bytes_done, 0);
        let last = reports.last().unwrap();
        assert_eq!((last.bytes_done, last.layers_done), (8_002_636, 2));
    }
}
