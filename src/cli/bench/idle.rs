//! `sagedesk bench idle`: what the backend costs while a user reads: this
//! process holding one ready session (the kernel client's sockets and
//! tasks, the session's actor, the container's exit watch) and doing
//! nothing else, its resident memory sampled every second and its CPU time
//! over the period, from `/proc/self`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use serde::Serialize;

use super::measure::{CommonOptions, finish, on_session, run_ok, shipped_session};
use super::process::{ProcessFigures, mib};

#[derive(Args, Debug, Clone)]
pub struct IdleOptions {
    #[command(flatten)]
    pub common: CommonOptions,
    /// How long to hold the idle session.
    #[arg(long, default_value_t = 60.0)]
    pub seconds: f64,
    /// Seconds between the session's first cell and the start of the
    /// period.
    #[arg(long, default_value_t = 3.0)]
    pub settle: f64,
}

#[derive(Debug, Serialize)]
struct IdleFigures {
    image: String,
    /// The period's length as measured.
    seconds: f64,
    /// CPU time (user + system) over the period.
    cpu_s: f64,
    /// Resident memory, MiB: at the start and end of the period, the most
    /// seen in between, and the process's peak over its whole life.
    rss_start_mib: f64,
    rss_end_mib: f64,
    rss_max_mib: f64,
    peak_rss_mib: f64,
    threads: u64,
}

pub async fn run(engine_setting: Option<&str>, options: IdleOptions) -> anyhow::Result<ExitCode> {
    let image = options.common.image();
    let session = shipped_session(engine_setting, &image).await?;
    let period = Duration::from_secs_f64(options.seconds.max(1.0));
    let settle = Duration::from_secs_f64(options.settle.max(0.0));
    let measured = on_session(session, async |session| -> anyhow::Result<_> {
        session.ready().await?;
        run_ok(session, "1").await?;
        tokio::time::sleep(settle).await;
        let before = ProcessFigures::now()?;
        let started = Instant::now();
        let mut rss_max = before.rss_kib;
        let mut tick = tokio::time::interval_at(
            tokio::time::Instant::now() + Duration::from_secs(1),
            Duration::from_secs(1),
        );
        while started.elapsed() < period {
            tick.tick().await;
            rss_max = rss_max.max(ProcessFigures::now()?.rss_kib);
        }
        let after = ProcessFigures::now()?;
        let seconds = started.elapsed().as_secs_f64();
        // Still answering after the period.
        run_ok(session, "1").await?;
        Ok(IdleFigures {
            image: image.clone(),
            seconds: (seconds * 10.0).round() / 10.0,
            cpu_s: ((after.cpu_seconds - before.cpu_seconds) * 1000.0).round() / 1000.0,
            rss_start_mib: mib(before.rss_kib),
            rss_end_mib: mib(after.rss_kib),
            rss_max_mib: mib(rss_max.max(after.rss_kib)),
            peak_rss_mib: mib(after.hwm_kib),
            threads: after.threads,
        })
    })
    .await?;
    if let Some(figures) = &measured {
        println!(
            "idle with one ready session for {:.0} s: {:.2} s of CPU, {:.1} MiB resident ({:.1} at most, peak {:.1}), {} threads",
            figures.seconds,
            figures.cpu_s,
            figures.rss_end_mib,
            figures.rss_max_mib,
            figures.peak_rss_mib,
            figures.threads
        );
    }
    finish(options.common.json, measured)
}
