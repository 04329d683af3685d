//! What the benchmarks besides `exec` share: their common options, a
//! session started as the app starts one and shut down whatever happens,
//! cells run to their end, a listener that receives a cell's updates as the
//! app's window does, and the figures printed at the end.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure};
use clap::Args;
use sagedesk::engine::{BuildContext, Engine};
use sagedesk::kernel::outputs::{Output, UpdateError, apply_update};
use sagedesk::session::{CellEvent, CellRun, CellStatus, CellUpdate, Session, SessionConfig};
use serde::Serialize;

/// How long a short cell may take before a benchmark gives up on it.
pub const CELL_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Args, Debug, Clone)]
pub struct CommonOptions {
    /// End with one line of JSON (the last line printed).
    #[arg(long)]
    pub json: bool,
    /// The image (default: the one this build uses).
    #[arg(long)]
    pub image: Option<String>,
}

impl CommonOptions {
    /// The image to run: the one asked for, or the one this build uses.
    pub fn image(&self) -> String {
        self.image
            .clone()
            .unwrap_or_else(|| BuildContext::embedded().tag())
    }
}

/// A session as the app starts one: the image's kernel with the settings
/// every session adds; never restarted by itself (a benchmark reports a
/// dead kernel instead). Unlike the app at launch, it collects no orphaned
/// containers: on a shared machine those may be kernels another process
/// left running on purpose and is about to reattach to. Its own container
/// goes whatever happens ([`on_session`]), short of a SIGKILL.
pub async fn shipped_session(engine_setting: Option<&str>, image: &str) -> anyhow::Result<Session> {
    let engine = Engine::connect(engine_setting).await?;
    let config = shipped_config(&engine, image).await?;
    Ok(Session::start(engine, config))
}

/// The configuration [`shipped_session`] starts its session with.
pub async fn shipped_config(engine: &Engine, image: &str) -> anyhow::Result<SessionConfig> {
    let mut config = SessionConfig::for_image(engine, image).await?;
    config.auto_restart = false;
    config.start_timeout = super::START_TIMEOUT;
    Ok(config)
}

/// Measures on `session`, then shuts it down (its container removed)
/// whatever happened. `None` when the process was told to stop (Ctrl-C,
/// or SIGTERM from a runner's timeout).
pub async fn on_session<T>(
    session: Session,
    measure: impl AsyncFnOnce(&Session) -> anyhow::Result<T>,
) -> anyhow::Result<Option<T>> {
    let outcome = tokio::select! {
        outcome = measure(&session) => outcome.map(Some),
        () = stop_requested() => {
            eprintln!("cancelled");
            Ok(None)
        }
    };
    session.shutdown().await;
    outcome
}

async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                Ok(()) = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// The cell's next event within `timeout`; a dead kernel or an ended
/// session is an error.
pub async fn next_event(run: &mut CellRun, timeout: Duration) -> anyhow::Result<CellEvent> {
    match tokio::time::timeout(timeout, run.events.recv()).await {
        Err(_) => bail!("no word from the cell within {timeout:?}"),
        Ok(None) => bail!("the session ended during a cell"),
        Ok(Some(CellEvent::KernelDied { message, .. })) => bail!("{message}"),
        Ok(Some(event)) => Ok(event),
    }
}

/// Runs `code` to its end; an error unless it ends ok.
pub async fn run_ok(session: &Session, code: &str) -> anyhow::Result<()> {
    let mut run = session.execute(code)?;
    loop {
        if let CellEvent::Finished { status, .. } = next_event(&mut run, CELL_TIMEOUT).await? {
            ensure!(status == CellStatus::Ok, "`{code}` ended as {status:?}");
            return Ok(());
        }
    }
}

/// What receives a cell's batches of updates, as the app's window does:
/// each batch serialised to JSON (what the window's channel carries) and
/// folded into a list of outputs. It notes when standard output first ends
/// with `mark`.
pub struct Listener {
    start: Instant,
    mark: String,
    pub outputs: Vec<Output>,
    pub marked_after: Option<Duration>,
    pub batches: usize,
    pub json_bytes: usize,
    pub error: Option<UpdateError>,
}

impl Listener {
    /// Times from `start`.
    pub fn new(start: Instant, mark: String) -> Listener {
        Listener {
            start,
            mark,
            outputs: Vec::new(),
            marked_after: None,
            batches: 0,
            json_bytes: 0,
            error: None,
        }
    }

    pub fn receive(&mut self, batch: Vec<CellUpdate>) {
        self.batches += 1;
        self.json_bytes += serde_json::to_string(&batch).map_or(0, |json| json.len());
        for update in &batch {
            if let CellUpdate::Outputs { updates } = update {
                for update in updates {
                    if let Err(err) = apply_update(&mut self.outputs, update) {
                        self.error.get_or_insert(err);
                    }
                }
            }
        }
        if self.marked_after.is_none()
            && self
                .stdout()
                .is_some_and(|(_, end)| end.ends_with(&self.mark))
        {
            self.marked_after = Some(self.start.elapsed());
        }
    }

    /// The standard output stream: its whole text or kept start, and its
    /// end (the kept end when its middle was left out).
    fn stdout(&self) -> Option<(&Output, &str)> {
        self.outputs.iter().rev().find_map(|output| match output {
            Output::Stream { name, text, tail } if name == "stdout" => Some((
                output,
                tail.as_ref().map_or(text.as_str(), |t| t.text.as_str()),
            )),
            _ => None,
        })
    }

    /// The lines printed to standard output, those left out included.
    pub fn stdout_lines(&self) -> u64 {
        match self.stdout() {
            Some((Output::Stream { text, tail, .. }, _)) => {
                let lines = |s: &str| s.bytes().filter(|&b| b == b'\n').count() as u64;
                lines(text)
                    + tail
                        .as_ref()
                        .map_or(0, |t| t.omitted_lines + lines(&t.text))
            }
            _ => 0,
        }
    }
}

/// Milliseconds, to a microsecond.
pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// The median, to a thousandth.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    };
    (median * 1e3).round() / 1e3
}

/// Ends a benchmark: its figures as one line of JSON when asked; 130 when
/// it was cancelled.
pub fn finish<T: Serialize>(json: bool, figures: Option<T>) -> anyhow::Result<ExitCode> {
    let Some(figures) = figures else {
        return Ok(ExitCode::from(130));
    };
    if json {
        println!("{}", serde_json::to_string(&figures)?);
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sagedesk::kernel::outputs::OutputUpdate;

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn the_listener_notes_when_the_mark_arrives_even_split() {
        let mut listener = Listener::new(Instant::now(), "\n9\n".into());
        let stream = |text: &str| Output::Stream {
            name: "stdout".into(),
            text: text.into(),
            tail: None,
        };
        listener.receive(vec![CellUpdate::Outputs {
            updates: vec![OutputUpdate::Insert {
                index: 0,
                output: stream("7\n8\n"),
            }],
        }]);
        assert!(listener.marked_after.is_none());
        listener.receive(vec![CellUpdate::Outputs {
            updates: vec![OutputUpdate::AppendText {
                index: 0,
                text: "9".into(),
            }],
        }]);
        assert!(listener.marked_after.is_none());
        listener.receive(vec![CellUpdate::Outputs {
            updates: vec![OutputUpdate::AppendText {
                index: 0,
                text: "\n".into(),
            }],
        }]);
        assert!(listener.marked_after.is_some());
        assert_eq!(listener.stdout_lines(), 3);
        assert_eq!(listener.batches, 3);
        assert!(listener.error.is_none());
    }
}
