//! `sagedesk bench start`: the time from nothing to a first result.
//!
//! Cold: from before the process's first engine connection, through reading the image's
//! kernel, creating the session (its container, the kernel starting in it,
//! the handshake), to the `1` printed by `print(1)` reaching a listener
//! through [`forward`], as the app's window gets it. The cell is sent at
//! once, as when a user runs a cell of a notebook whose kernel is not up
//! yet (the session queues it). Warm: a session started and ready, left
//! idle a moment, then the same cell: what a user waits for when the app
//! has warmed the kernel while the notebook opened.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use clap::Args;
use sagedesk::engine::Engine;
use sagedesk::kernel::outputs::OutputLimits;
use sagedesk::session::{CellStatus, Session, forward};
use serde::Serialize;

use super::measure::{
    CELL_TIMEOUT, CommonOptions, Listener, finish, ms, on_session, shipped_config,
};

const CODE: &str = "print(1)";

#[derive(Args, Debug, Clone)]
pub struct StartOptions {
    #[command(flatten)]
    pub common: CommonOptions,
    /// Seconds the warm session sits ready before its cell.
    #[arg(long, default_value_t = 1.0)]
    pub settle: f64,
}

/// Milliseconds from the clock's start.
#[derive(Debug, Serialize)]
struct StartFigures {
    image: String,
    code: &'static str,
    /// Cold: until the session was ready (its kernel answered).
    cold_ready_ms: f64,
    /// Cold: until the `1` reached the listener.
    cold_first_ms: f64,
    /// Cold: until the cell's run was over.
    cold_done_ms: f64,
    /// Warm: from sending the cell until the `1` reached the listener.
    warm_first_ms: f64,
    warm_done_ms: f64,
}

pub async fn run(engine_setting: Option<&str>, options: StartOptions) -> anyhow::Result<ExitCode> {
    let image = options.common.image();
    let started = Instant::now();
    let engine = Engine::connect(engine_setting).await?;
    let config = shipped_config(&engine, &image).await?;
    let cold = on_session(
        Session::start(engine, config.clone()),
        async |session| -> anyhow::Result<(f64, Timings)> {
            let (ready, first) = tokio::join!(
                async {
                    session.ready().await?;
                    anyhow::Ok(started.elapsed())
                },
                first_result(session, started)
            );
            Ok((ms(ready?), first?))
        },
    )
    .await?;
    let Some((cold_ready, cold)) = cold else {
        return finish::<StartFigures>(false, None);
    };

    let engine = Engine::connect(engine_setting).await?;
    let settle = Duration::from_secs_f64(options.settle.max(0.0));
    let warm = on_session(Session::start(engine, config), async |session| {
        session.ready().await?;
        tokio::time::sleep(settle).await;
        first_result(session, Instant::now()).await
    })
    .await?;
    let Some(warm) = warm else {
        return finish::<StartFigures>(false, None);
    };

    let figures = StartFigures {
        image,
        code: CODE,
        cold_ready_ms: cold_ready,
        cold_first_ms: ms(cold.first),
        cold_done_ms: ms(cold.done),
        warm_first_ms: ms(warm.first),
        warm_done_ms: ms(warm.done),
    };
    println!(
        "`{CODE}` from nothing (cold): ready after {:.0} ms, `1` after {:.0} ms, done after {:.0} ms",
        figures.cold_ready_ms, figures.cold_first_ms, figures.cold_done_ms
    );
    println!(
        "`{CODE}` in a ready session (warm): `1` after {:.1} ms, done after {:.1} ms",
        figures.warm_first_ms, figures.warm_done_ms
    );
    finish(options.common.json, Some(figures))
}

struct Timings {
    first: Duration,
    done: Duration,
}

/// Runs [`CODE`] and times, from `started`, its `1` reaching the listener
/// and the end of its run.
async fn first_result(session: &Session, started: Instant) -> anyhow::Result<Timings> {
    let run = session.execute(CODE)?;
    let mut listener = Listener::new(started, "1\n".into());
    // The cold cell waits for the kernel to come up: a generous deadline.
    let done = tokio::time::timeout(
        super::START_TIMEOUT + CELL_TIMEOUT,
        forward(run, OutputLimits::default(), |batch| {
            listener.receive(batch)
        }),
    )
    .await
    .context("no end to `print(1)`")?;
    let done_after = started.elapsed();
    if let Some((_, message)) = done.death {
        anyhow::bail!("{message}");
    }
    ensure!(
        done.status == Some(CellStatus::Ok),
        "`{CODE}` ended as {:?}",
        done.status
    );
    let first = listener
        .marked_after
        .context("`print(1)` ended without its `1` reaching the listener")?;
    Ok(Timings {
        first,
        done: done_after,
    })
}
