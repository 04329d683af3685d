//! `sagedesk bench interrupt` and `sagedesk bench restart`: how long a
//! user waits for the kernel after pressing stop or restart.
//!
//! Interrupt: `while True: pass` runs for a moment, then
//! [`Session::interrupt`]; timed from the request until the cell's run is
//! over (the kernel idle again), and until the call returned. The
//! variables survive (checked at the end). Restart: [`Session::restart`],
//! then [`Session::ready`]; timed until ready, and until the new kernel has
//! run `1`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::ensure;
use clap::Args;
use sagedesk::session::{CellEvent, CellStatus, InterruptOutcome, Session};
use serde::Serialize;

use super::measure::{
    CELL_TIMEOUT, CommonOptions, finish, median, ms, next_event, on_session, run_ok,
    shipped_session,
};

const WARMUP: usize = 3;
const SPIN_CODE: &str = "while True: pass";

#[derive(Args, Debug, Clone)]
pub struct InterruptOptions {
    #[command(flatten)]
    pub common: CommonOptions,
    /// Interrupts, one after another in one session.
    #[arg(long, default_value_t = 3)]
    pub count: usize,
    /// Seconds the loop runs before each interrupt.
    #[arg(long, default_value_t = 0.5)]
    pub spin: f64,
}

#[derive(Args, Debug, Clone)]
pub struct RestartOptions {
    #[command(flatten)]
    pub common: CommonOptions,
    /// Restarts, one after another in one session.
    #[arg(long, default_value_t = 2)]
    pub count: usize,
}

#[derive(Debug, Serialize)]
struct InterruptFigures {
    image: String,
    count: usize,
    /// From the request until the cell's run was over.
    idle_ms: Vec<f64>,
    idle_median_ms: f64,
    /// From the request until `interrupt()` returned.
    returned_ms: Vec<f64>,
    outcomes: Vec<InterruptOutcome>,
}

#[derive(Debug, Serialize)]
struct RestartFigures {
    image: String,
    count: usize,
    /// From the request until `restart()` returned (the old kernel gone).
    returned_ms: Vec<f64>,
    /// Until the session was ready again.
    ready_ms: Vec<f64>,
    ready_median_ms: f64,
    /// Until the new kernel had run `1`.
    answer_ms: Vec<f64>,
    answer_median_ms: f64,
}

pub async fn interrupt(
    engine_setting: Option<&str>,
    options: InterruptOptions,
) -> anyhow::Result<ExitCode> {
    ensure!(options.count > 0, "--count must be at least 1");
    let image = options.common.image();
    let session = shipped_session(engine_setting, &image).await?;
    let spin = Duration::from_secs_f64(options.spin.max(0.0));
    let measured = on_session(session, async |session| -> anyhow::Result<_> {
        session.ready().await?;
        for _ in 0..WARMUP {
            run_ok(session, "1").await?;
        }
        run_ok(session, "x = 42").await?;
        let mut figures = InterruptFigures {
            image: image.clone(),
            count: options.count,
            idle_ms: Vec::new(),
            idle_median_ms: 0.0,
            returned_ms: Vec::new(),
            outcomes: Vec::new(),
        };
        for _ in 0..options.count {
            let (outcome, returned, idle) = interrupt_once(session, spin).await?;
            figures.outcomes.push(outcome);
            figures.returned_ms.push(ms(returned));
            figures.idle_ms.push(ms(idle));
        }
        run_ok(session, "assert x == 42").await?;
        figures.idle_median_ms = median(&figures.idle_ms);
        Ok(figures)
    })
    .await?;
    if let Some(figures) = &measured {
        println!(
            "interrupt `{SPIN_CODE}` to idle: median {:.1} ms of {:?} ms ({:?})",
            figures.idle_median_ms, figures.idle_ms, figures.outcomes
        );
    }
    finish(options.common.json, measured)
}

/// One interrupt: (its outcome, when the call returned, when the cell's
/// run was over), timed from the request.
async fn interrupt_once(
    session: &Session,
    spin: Duration,
) -> anyhow::Result<(InterruptOutcome, Duration, Duration)> {
    let mut run = session.execute(SPIN_CODE)?;
    loop {
        match next_event(&mut run, CELL_TIMEOUT).await? {
            CellEvent::Started => break,
            CellEvent::Finished { status, .. } => {
                anyhow::bail!("`{SPIN_CODE}` ended by itself, as {status:?}")
            }
            _ => {}
        }
    }
    tokio::time::sleep(spin).await;
    let started = Instant::now();
    let (outcome, ended) = tokio::join!(
        async {
            let outcome = session.interrupt().await?;
            anyhow::Ok((outcome, started.elapsed()))
        },
        async {
            loop {
                if let CellEvent::Finished { status, .. } =
                    next_event(&mut run, CELL_TIMEOUT).await?
                {
                    return anyhow::Ok((status, started.elapsed()));
                }
            }
        }
    );
    let (outcome, returned) = outcome?;
    let (status, idle) = ended?;
    ensure!(
        status == CellStatus::Error,
        "the interrupted cell ended as {status:?} ({outcome:?})"
    );
    Ok((outcome, returned, idle))
}

pub async fn restart(
    engine_setting: Option<&str>,
    options: RestartOptions,
) -> anyhow::Result<ExitCode> {
    ensure!(options.count > 0, "--count must be at least 1");
    let image = options.common.image();
    let session = shipped_session(engine_setting, &image).await?;
    let measured = on_session(session, async |session| -> anyhow::Result<_> {
        session.ready().await?;
        for _ in 0..WARMUP {
            run_ok(session, "1").await?;
        }
        let mut figures = RestartFigures {
            image: image.clone(),
            count: options.count,
            returned_ms: Vec::new(),
            ready_ms: Vec::new(),
            ready_median_ms: 0.0,
            answer_ms: Vec::new(),
            answer_median_ms: 0.0,
        };
        for _ in 0..options.count {
            let started = Instant::now();
            session.restart().await?;
            figures.returned_ms.push(ms(started.elapsed()));
            session.ready().await?;
            figures.ready_ms.push(ms(started.elapsed()));
            run_ok(session, "1").await?;
            figures.answer_ms.push(ms(started.elapsed()));
        }
        figures.ready_median_ms = median(&figures.ready_ms);
        figures.answer_median_ms = median(&figures.answer_ms);
        Ok(figures)
    })
    .await?;
    if let Some(figures) = &measured {
        println!(
            "restart to ready: median {:.0} ms of {:?} ms; to `1` answered: median {:.0} ms",
            figures.ready_median_ms, figures.ready_ms, figures.answer_median_ms
        );
    }
    finish(options.common.json, measured)
}
