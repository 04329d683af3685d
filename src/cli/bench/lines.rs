//! `sagedesk bench lines`: a cell printing N lines (a million by default),
//! through a session and [`forward`], the path the app's window gets a
//! cell's outputs by: folded, bounded, batched. Timed from sending the cell
//! until its last line reaches the listener, and until its run is over;
//! with this process's memory before and its peak.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use clap::Args;
use sagedesk::kernel::outputs::OutputLimits;
use sagedesk::session::{CellStatus, Session, forward};
use serde::Serialize;

use super::measure::{CommonOptions, Listener, finish, ms, on_session, run_ok, shipped_session};
use super::process::{ProcessFigures, mib};

/// How long the whole cell may take.
const LINES_TIMEOUT: Duration = Duration::from_secs(600);
/// Untimed cells first.
const WARMUP: usize = 3;

#[derive(Args, Debug, Clone)]
pub struct LinesOptions {
    #[command(flatten)]
    pub common: CommonOptions,
    /// Lines the cell prints (`for i in range(N): print(i)`).
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(2..))]
    pub lines: u64,
}

#[derive(Debug, Serialize)]
struct LinesFigures {
    image: String,
    lines: u64,
    /// Until the last line reached the listener.
    last_line_ms: f64,
    /// Until the cell's run was over (the listener got its end).
    finished_ms: f64,
    /// What the listener received: batches, and their size as JSON.
    batches: usize,
    json_bytes: usize,
    /// This process, MiB: resident before the cell, its peak before the
    /// cell (the session's start included), its peak at the end, and
    /// resident after.
    rss_before_mib: f64,
    peak_before_mib: f64,
    peak_rss_mib: f64,
    rss_after_mib: f64,
}

pub async fn run(engine_setting: Option<&str>, options: LinesOptions) -> anyhow::Result<ExitCode> {
    let image = options.common.image();
    let session = shipped_session(engine_setting, &image).await?;
    let lines = options.lines;
    let Some(figures) = on_session(session, async |session| {
        measure(session, &image, lines).await
    })
    .await?
    else {
        return finish::<LinesFigures>(false, None);
    };
    println!(
        "{lines} lines: the last reached the listener after {:.0} ms ({} batches, {:.1} MB as JSON), the run ended after {:.0} ms",
        figures.last_line_ms,
        figures.batches,
        figures.json_bytes as f64 / 1e6,
        figures.finished_ms
    );
    println!(
        "this process: {:.1} MiB resident before, peak {:.1} MiB ({:.1} before the cell), {:.1} MiB after",
        figures.rss_before_mib,
        figures.peak_rss_mib,
        figures.peak_before_mib,
        figures.rss_after_mib
    );
    finish(options.common.json, Some(figures))
}

async fn measure(session: &Session, image: &str, lines: u64) -> anyhow::Result<LinesFigures> {
    session.ready().await?;
    for _ in 0..WARMUP {
        run_ok(session, "1").await?;
    }
    let before = ProcessFigures::now()?;
    let code = format!("for i in range({lines}): print(i)");
    let started = Instant::now();
    let run = session.execute(&code)?;
    let mut listener = Listener::new(started, format!("\n{}\n", lines - 1));
    let done = tokio::time::timeout(
        LINES_TIMEOUT,
        forward(run, OutputLimits::default(), |batch| {
            listener.receive(batch)
        }),
    )
    .await
    .with_context(|| format!("the cell did not end within {LINES_TIMEOUT:?}"))?;
    let finished = started.elapsed();
    let after = ProcessFigures::now()?;
    if let Some((_, message)) = done.death {
        bail!("{message}");
    }
    ensure!(
        done.status == Some(CellStatus::Ok),
        "the cell ended as {:?}",
        done.status
    );
    if let Some(err) = listener.error {
        bail!("the listener could not apply an update: {err}");
    }
    let last_line = listener
        .marked_after
        .context("the last line never reached the listener")?;
    ensure!(
        listener.stdout_lines() == lines,
        "the listener accounts for {} lines of {lines}",
        listener.stdout_lines()
    );
    Ok(LinesFigures {
        image: image.to_string(),
        lines,
        last_line_ms: ms(last_line),
        finished_ms: ms(finished),
        batches: listener.batches,
        json_bytes: listener.json_bytes,
        rss_before_mib: mib(before.rss_kib),
        peak_before_mib: mib(before.hwm_kib),
        peak_rss_mib: mib(after.hwm_kib),
        rss_after_mib: mib(after.rss_kib),
    })
}
