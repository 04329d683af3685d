//! `sagedesk bench open`: from opening a notebook the app has not seen to
//! the `1` of `print(1)` in the window, through the desk as the app drives
//! it. Cold: the notebook's kernel starts when it opens. Warm: the desk has
//! kept a spare kernel ready (the app's default), which the notebook takes.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use sagedesk::desk::{Desk, DeskOptions};
use sagedesk::session::{CellUpdate, RecordStore};
use serde::Serialize;

use super::measure::{finish, median, ms};

const CODE: &str = "print(1)";

#[derive(Args, Debug, Clone)]
pub struct OpenOptions {
    /// Rounds, each one cold and one warm, alternating which goes first.
    #[arg(long, default_value_t = 5)]
    pub rounds: usize,
    /// Seconds the warm desk's spare sits ready before the notebook opens.
    #[arg(long, default_value_t = 1.0)]
    pub settle: f64,
    /// End with one line of JSON (the last line printed).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct OpenFigures {
    code: &'static str,
    rounds: usize,
    /// Each round's time from opening the notebook to its `1`, in ms.
    cold_ms: Vec<f64>,
    warm_ms: Vec<f64>,
    cold_p50_ms: f64,
    warm_p50_ms: f64,
}

pub async fn run(engine_setting: Option<&str>, options: OpenOptions) -> anyhow::Result<ExitCode> {
    let settle = Duration::from_secs_f64(options.settle.max(0.0));
    let (mut cold, mut warm) = (Vec::new(), Vec::new());
    for round in 0..options.rounds.max(1) {
        for spare in [round % 2 == 1, round % 2 == 0] {
            let took = open_to_first(engine_setting, spare, settle).await?;
            if spare { &mut warm } else { &mut cold }.push(ms(took));
        }
    }
    let figures = OpenFigures {
        code: CODE,
        rounds: cold.len(),
        cold_p50_ms: median(&cold),
        warm_p50_ms: median(&warm),
        cold_ms: cold,
        warm_ms: warm,
    };
    println!(
        "open a new notebook to the `1` of `{CODE}`: {:.0} ms p50 with its kernel started then, {:.0} ms with a spare kernel ({} rounds)",
        figures.cold_p50_ms, figures.warm_p50_ms, figures.rounds
    );
    finish(options.json, Some(figures))
}

/// One notebook opened in a fresh workspace and `print(1)` run in it: the
/// time from asking to open it to the `1` reaching the listener.
async fn open_to_first(
    engine_setting: Option<&str>,
    spare: bool,
    settle: Duration,
) -> anyhow::Result<Duration> {
    let scratch =
        std::env::temp_dir().join(format!("sagedesk-bench-open-{}", sagedesk::id::new_id()));
    let (workspace, data) = (scratch.join("work"), scratch.join("data"));
    std::fs::create_dir_all(&workspace)?;
    let desk = Desk::new(DeskOptions {
        engine: engine_setting.map(str::to_string),
        records: RecordStore::new(&data),
        spare_kernels: spare,
        ..DeskOptions::default()
    });
    let measured = async {
        desk.open_workspace(&workspace.display().to_string())
            .await?;
        if spare {
            let deadline = Instant::now() + super::START_TIMEOUT;
            while desk.spare_kernel().await.is_none() {
                anyhow::ensure!(
                    Instant::now() < deadline,
                    "no spare kernel within {:?}",
                    super::START_TIMEOUT
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            tokio::time::sleep(settle).await;
        }
        let item = desk.create_notebook("bench").await?;
        let started = Instant::now();
        let doc = desk.open_notebook(&item.path).await?;
        let id = doc
            .cells
            .first()
            .context("a new notebook has a cell")?
            .id
            .clone();
        let first = Arc::new(Mutex::new(None));
        let seen = first.clone();
        let end = desk
            .execute_cell(&item.path, &id, CODE, move |batch| {
                if batch
                    .iter()
                    .any(|u| matches!(u, CellUpdate::Outputs { .. }))
                {
                    seen.lock().expect("first").get_or_insert(started.elapsed());
                }
            })
            .await?
            .wait()
            .await;
        anyhow::ensure!(
            end.death.is_none() && end.error.is_none(),
            "`{CODE}` failed: {end:?}"
        );
        let took = *first.lock().expect("first");
        took.context("`print(1)` ended without its `1`")
    };
    let took = tokio::time::timeout(super::START_TIMEOUT * 2, measured).await;
    desk.quit().await;
    let _ = std::fs::remove_dir_all(&scratch);
    took.context("the notebook did not answer in time")?
}
