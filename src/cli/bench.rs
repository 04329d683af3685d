//! `sagedesk bench`: SageDesk's own paths to the kernel, timed.
//!
//! `exec` (here) is the round trip of a trivial execute (`1`), from the
//! moment the request is handed over to the moment its run is over (the
//! kernel's `status: idle` for it, and its shell reply), through a real
//! session as the app uses it. `start`, `lines`, `interrupt`, `restart` and
//! `idle` (in the modules below) time the rest of what a user waits for or
//! pays for. Each prints its figures and, with `--json`, ends with them as
//! one line of JSON.
//!
//! `bench/run` runs `exec` beside Python's `jupyter_client` against the same
//! image and prints the two with their ratio; `bench/all` runs every one of
//! them beside its baseline (`bench/kernel_baselines.py`, `docker`) and
//! prints one table.

mod control;
mod idle;
mod lines;
mod measure;
mod open;
mod process;
mod start;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use jupyter_protocol::connection_info::ConnectionInfo;
use jupyter_protocol::messaging::{
    ExecuteRequest, ExecutionState, JupyterMessage, JupyterMessageContent, KernelInfoRequest,
};
use sagedesk::engine::{BuildContext, Engine, KernelContainer, KernelContainerSpec, Owner};
use sagedesk::id::new_id;
use sagedesk::kernel::{
    ExecutionEvent, KernelClient, KernelPorts, container_connection_file, host_connection_info,
    new_key, new_session_id,
};
use sagedesk::session::{CellEvent, CellStatus, KERNEL_SETTINGS, Session, SessionConfig};
use serde::Serialize;

/// The code every timed execute runs: as little work for the kernel as a
/// cell can be, so what is measured is the path to it and back.
const CODE: &str = "1";
/// How long one execute may take before the benchmark gives up on it.
const EXECUTE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the kernel may take to come up.
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// A kernel that answers at once (see the file), run by the image's Python.
const NULL_KERNEL: &str = include_str!("../../bench/null_kernel.py");

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Time N trivial executes (`1`) after a warm-up, from sending the
    /// request to the kernel's idle status for it; prints p50/p90/p99.
    Exec(BenchOptions),
    /// Time from nothing to the output of `print(1)`: cold (the session
    /// creates its container) and warm (a session started and ready).
    Start(start::StartOptions),
    /// Time from opening a notebook the app has not seen to the output of
    /// `print(1)`, through the desk: its kernel started then (cold), or a
    /// spare kernel taken (warm).
    Open(open::OpenOptions),
    /// Time a cell printing N lines until its last line reaches a listener
    /// through `sagedesk::session::forward` (as the app's window gets it),
    /// and this process's peak memory.
    Lines(lines::LinesOptions),
    /// Time interrupting `while True: pass`, from the request to the end
    /// of the cell (the kernel idle again).
    Interrupt(control::InterruptOptions),
    /// Time restarting a session's kernel until the new one is ready.
    Restart(control::RestartOptions),
    /// Hold one ready session and report this process's memory and CPU
    /// time over a period.
    Idle(idle::IdleOptions),
}

/// Runs one benchmark.
pub async fn dispatch(
    engine_setting: Option<&str>,
    command: BenchCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Exec(options) => run(engine_setting, options).await,
        BenchCommand::Start(options) => start::run(engine_setting, options).await,
        BenchCommand::Open(options) => open::run(engine_setting, options).await,
        BenchCommand::Lines(options) => lines::run(engine_setting, options).await,
        BenchCommand::Interrupt(options) => control::interrupt(engine_setting, options).await,
        BenchCommand::Restart(options) => control::restart(engine_setting, options).await,
        BenchCommand::Idle(options) => idle::run(engine_setting, options).await,
    }
}

#[derive(Args, Debug, Clone)]
pub struct BenchOptions {
    /// Timed executes.
    #[arg(long, default_value_t = 1000)]
    pub iterations: usize,
    /// Untimed executes first (connections, caches and the kernel's
    /// first-run costs settle).
    #[arg(long, default_value_t = 20)]
    pub warmup: usize,
    /// End with one line of JSON (the last line printed).
    #[arg(long)]
    pub json: bool,
    /// The image (default: the one this build uses).
    #[arg(long)]
    pub image: Option<String>,
    /// Which layer requests go through: a session (what the app uses), the
    /// kernel client under it, or a bare loop on the ZeroMQ connections (to
    /// see what each layer adds).
    #[arg(long, value_enum, default_value_t = Via::Session)]
    pub via: Via,
    /// The kernel: the image's Sage kernel; the same with the settings of
    /// bench/README.md ("tuned"); or one that does no work (run with the
    /// image's Python), so that the client's own cost stands out.
    #[arg(long, value_enum, default_value_t = Kernel::Sage)]
    pub kernel: Kernel,
    /// The async runtime to run on: the command's own multi-threaded one,
    /// or a single-threaded one in a thread of its own.
    #[arg(long, value_enum, default_value_t = Runtime::MultiThread)]
    pub runtime: Runtime,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    Session,
    Client,
    Raw,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kernel {
    Sage,
    Tuned,
    Null,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runtime {
    MultiThread,
    CurrentThread,
}

/// The figures, in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub via: Via,
    pub kernel: Kernel,
    pub runtime: Runtime,
    pub image: String,
    pub warmup: usize,
    pub n: usize,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub mean_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    /// The kernel's own share (its busy status to its idle status, by its
    /// timestamps), where the layer can see it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel_p50_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel_p99_ms: Option<f64>,
}

/// Round trips, and the kernel's own share of each where it is known.
struct Samples {
    total: Vec<Duration>,
    kernel: Vec<Duration>,
}

impl Samples {
    fn with_capacity(n: usize) -> Samples {
        Samples {
            total: Vec::with_capacity(n),
            kernel: Vec::with_capacity(n),
        }
    }
}

pub async fn run(engine_setting: Option<&str>, options: BenchOptions) -> anyhow::Result<ExitCode> {
    if options.iterations == 0 {
        bail!("--iterations must be at least 1");
    }
    let summary = match options.runtime {
        Runtime::MultiThread => measure_cancellable(engine_setting, &options).await?,
        Runtime::CurrentThread => {
            // Everything, the engine connection and the session's tasks
            // included, must live on the one thread: a runtime of its own
            // in a thread of its own, since this one cannot be replaced.
            let engine_setting = engine_setting.map(str::to_string);
            let options = options.clone();
            let thread = std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .context("a single-threaded runtime")?
                    .block_on(measure_cancellable(engine_setting.as_deref(), &options))
            });
            tokio::task::spawn_blocking(move || thread.join())
                .await?
                .map_err(|_| anyhow::anyhow!("the benchmark thread panicked"))??
        }
    };
    let Some(summary) = summary else {
        return Ok(ExitCode::from(130));
    };
    print_summary(&summary);
    if options.json {
        println!("{}", serde_json::to_string(&summary)?);
    }
    Ok(ExitCode::SUCCESS)
}

/// `None` when cancelled with Ctrl-C (the kernel's container is removed
/// either way).
async fn measure_cancellable(
    engine_setting: Option<&str>,
    options: &BenchOptions,
) -> anyhow::Result<Option<Summary>> {
    // No orphans are collected here (see `measure::shipped_session`): on a
    // shared machine they may be kernels left running on purpose.
    let engine = Engine::connect(engine_setting).await?;
    let image = options
        .image
        .clone()
        .unwrap_or_else(|| BuildContext::embedded().tag());
    let samples = match options.via {
        Via::Session => through_session(engine, &image, options).await?,
        Via::Client => {
            let options = options.clone();
            with_kernel_container(engine, &image, options.kernel, |c| {
                through_client(c, options)
            })
            .await?
        }
        Via::Raw => {
            let options = options.clone();
            with_kernel_container(engine, &image, options.kernel, |c| through_zmq(c, options))
                .await?
        }
    };
    Ok(samples.map(|samples| summarize(options, &image, samples)))
}

async fn through_session(
    engine: Engine,
    image: &str,
    options: &BenchOptions,
) -> anyhow::Result<Option<Samples>> {
    let mut config = SessionConfig::for_image(&engine, image).await?;
    config.kernel_argv = kernel_argv(options.kernel, config.kernel_argv);
    config.auto_restart = false;
    config.start_timeout = START_TIMEOUT;
    let session = Session::start(engine, config);
    let outcome = tokio::select! {
        outcome = time_session(&session, options) => outcome.map(Some),
        _ = tokio::signal::ctrl_c() => {
            eprintln!("cancelled");
            Ok(None)
        }
    };
    session.shutdown().await;
    outcome
}

async fn time_session(session: &Session, options: &BenchOptions) -> anyhow::Result<Samples> {
    session.ready().await?;
    for _ in 0..options.warmup {
        session_execute(session).await?;
    }
    let mut samples = Samples::with_capacity(options.iterations);
    for _ in 0..options.iterations {
        samples.total.push(session_execute(session).await?);
    }
    Ok(samples)
}

/// One execute through the session, timed from the request to its
/// `Finished` event.
async fn session_execute(session: &Session) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let mut run = session.execute(CODE)?;
    loop {
        let event = tokio::time::timeout(EXECUTE_TIMEOUT, run.events.recv())
            .await
            .with_context(|| format!("no answer to an execute within {EXECUTE_TIMEOUT:?}"))?;
        match event {
            Some(CellEvent::Finished {
                status: CellStatus::Ok,
                ..
            }) => return Ok(start.elapsed()),
            Some(CellEvent::Finished { status, .. }) => bail!("`{CODE}` ended as {status:?}"),
            Some(CellEvent::KernelDied { message, .. }) => bail!("{message}"),
            Some(_) => {}
            None => bail!("the session ended during an execute"),
        }
    }
}

/// The argv of the kernel to run, from the image's (which names its Python
/// first). Sessions add [`KERNEL_SETTINGS`] to the image's argv; `sage`
/// runs the image's kernel without them (as a plain Jupyter client would),
/// `tuned` with them, so that both sides of a comparison run one kernel.
fn kernel_argv(kernel: Kernel, image_argv: Vec<String>) -> Vec<String> {
    let python = image_argv
        .first()
        .cloned()
        .unwrap_or_else(|| "python3".into());
    let plain = image_argv
        .into_iter()
        .filter(|a| !KERNEL_SETTINGS.contains(&a.as_str()));
    match kernel {
        Kernel::Sage => plain.collect(),
        Kernel::Tuned => plain.chain(KERNEL_SETTINGS.map(String::from)).collect(),
        Kernel::Null => {
            vec![
                python,
                "-c".into(),
                NULL_KERNEL.into(),
                "{connection_file}".into(),
            ]
        }
    }
}

/// A kernel container started as a session starts one, and the connection
/// to it.
async fn kernel_container(
    engine: &Engine,
    image: &str,
    kernel: Kernel,
) -> anyhow::Result<(KernelContainer, ConnectionInfo)> {
    let info = engine
        .image(image)
        .await?
        .with_context(|| format!("the image {image} is not on this machine"))?;
    let key = new_key();
    let spec = KernelContainerSpec {
        name: format!("sagedesk-bench-{}", &new_id()[..12]),
        image: image.to_string(),
        kernel_argv: kernel_argv(
            kernel,
            info.kernel_argv
                .with_context(|| format!("the image {image} has no org.sagedesk.kernel label"))?,
        ),
        connection_file: container_connection_file(&key),
        runtime_files: Vec::new(),
        ports: KernelPorts::IN_CONTAINER.to_array().to_vec(),
        workspace: None,
        network: Default::default(),
        notebook: None,
        spare: false,
        limits: Default::default(),
        owner: Owner::current(),
    };
    let container = engine.start_kernel_container(&spec).await?;
    let Ok(ports) = KernelPorts::try_from(container.ports.as_slice()) else {
        engine.remove_container(&container.id).await?;
        anyhow::bail!(
            "the engine read back {} ports for the kernel's 5",
            container.ports.len()
        );
    };
    let connection = host_connection_info(&key, ports);
    Ok((container, connection))
}

/// Runs `measure` against a fresh kernel container, removing the container
/// afterwards whatever happens. `None` when cancelled with Ctrl-C.
async fn with_kernel_container<F, Fut>(
    engine: Engine,
    image: &str,
    kernel: Kernel,
    measure: F,
) -> anyhow::Result<Option<Samples>>
where
    F: FnOnce(ConnectionInfo) -> Fut,
    Fut: Future<Output = anyhow::Result<Samples>>,
{
    let (container, connection) = kernel_container(&engine, image, kernel).await?;
    let outcome = tokio::select! {
        outcome = measure(connection) => outcome.map(Some),
        _ = tokio::signal::ctrl_c() => {
            eprintln!("cancelled");
            Ok(None)
        }
    };
    engine.remove_container(&container.id).await?;
    outcome
}

/// The same, one layer down: a [`KernelClient`] (its reader tasks and
/// router), with no session between the caller and the client.
async fn through_client(
    connection: ConnectionInfo,
    options: BenchOptions,
) -> anyhow::Result<Samples> {
    let (client, _) = KernelClient::connect(&connection, START_TIMEOUT).await?;
    for _ in 0..options.warmup {
        client_execute(&client).await?;
    }
    let mut samples = Samples::with_capacity(options.iterations);
    for _ in 0..options.iterations {
        samples.total.push(client_execute(&client).await?);
    }
    let _ = client.shutdown(Duration::from_secs(1)).await;
    Ok(samples)
}

async fn client_execute(client: &KernelClient) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let mut execution = client.execute(CODE, true)?;
    loop {
        let event = tokio::time::timeout(EXECUTE_TIMEOUT, execution.events.recv())
            .await
            .with_context(|| format!("no answer to an execute within {EXECUTE_TIMEOUT:?}"))?;
        match event {
            Some(ExecutionEvent::Done) => return Ok(start.elapsed()),
            Some(_) => {}
            None => bail!("the kernel connection closed during an execute"),
        }
    }
}

/// The floor for a Rust client on this stack: one task reading the shell
/// and iopub sockets of jupyter-zmq-client itself, no channels, no other
/// tasks; the same loop as bench/exec_roundtrip.py. It also reads the
/// kernel's own share from the timestamps of its busy and idle statuses.
async fn through_zmq(connection: ConnectionInfo, options: BenchOptions) -> anyhow::Result<Samples> {
    // The kernel client retries until the kernel listens behind the
    // published ports; once it has answered, plain sockets connect at once.
    drop(KernelClient::connect(&connection, START_TIMEOUT).await?);
    let session = new_session_id();
    let mut shell = jupyter_zmq_client::create_client_shell_connection_with_identity(
        &connection,
        &session,
        jupyter_zmq_client::peer_identity_for_session(&session)?,
    )
    .await?;
    let mut iopub =
        jupyter_zmq_client::create_client_iopub_connection(&connection, "", &session).await?;
    // Until the subscription is live, the kernel's statuses are lost.
    loop {
        let request = JupyterMessage::new(KernelInfoRequest {}, None);
        let id = request.header.msg_id.clone();
        shell.send(request).await?;
        loop {
            let reply = tokio::time::timeout(Duration::from_secs(5), shell.read())
                .await
                .context("no kernel_info reply")??;
            if parent_of(&reply) == Some(&id) {
                break;
            }
        }
        if tokio::time::timeout(Duration::from_millis(300), iopub.read())
            .await
            .is_ok()
        {
            break;
        }
    }
    // What the handshake left on iopub.
    while tokio::time::timeout(Duration::from_millis(200), iopub.read())
        .await
        .is_ok()
    {}
    let mut execute = async || -> anyhow::Result<(Duration, Option<Duration>)> {
        let request = JupyterMessage::new(
            ExecuteRequest {
                code: CODE.into(),
                silent: false,
                store_history: true,
                user_expressions: None,
                allow_stdin: false,
                stop_on_error: true,
            },
            None,
        );
        let id = request.header.msg_id.clone();
        let start = Instant::now();
        shell.send(request).await?;
        let mut busy = None;
        let (elapsed, idle) = loop {
            let message = tokio::time::timeout(EXECUTE_TIMEOUT, iopub.read())
                .await
                .context("no idle status")??;
            if parent_of(&message) != Some(&id) {
                continue;
            }
            if let JupyterMessageContent::Status(status) = &message.content {
                match status.execution_state {
                    ExecutionState::Busy => busy = Some(message.header.date),
                    ExecutionState::Idle => break (start.elapsed(), message.header.date),
                    _ => {}
                }
            }
        };
        loop {
            let reply = tokio::time::timeout(EXECUTE_TIMEOUT, shell.read())
                .await
                .context("no execute reply")??;
            if parent_of(&reply) == Some(&id) {
                break;
            }
        }
        let kernel = busy
            .and_then(|busy| (idle - busy).num_microseconds())
            .map(|us| Duration::from_micros(us.max(0) as u64));
        Ok((elapsed, kernel))
    };
    for _ in 0..options.warmup {
        execute().await?;
    }
    let mut samples = Samples::with_capacity(options.iterations);
    for _ in 0..options.iterations {
        let (total, kernel) = execute().await?;
        samples.total.push(total);
        samples.kernel.extend(kernel);
    }
    Ok(samples)
}

fn parent_of(message: &JupyterMessage) -> Option<&String> {
    message.parent_header.as_ref().map(|h| &h.msg_id)
}

/// The value below which a fraction `q` of the sorted samples lie
/// (nearest rank, as `bench/exec_roundtrip.py` computes it).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn sorted_ms(samples: &[Duration]) -> Vec<f64> {
    let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    ms
}

fn summarize(options: &BenchOptions, image: &str, samples: Samples) -> Summary {
    let ms = sorted_ms(&samples.total);
    let kernel = sorted_ms(&samples.kernel);
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    let kernel_at = |q| (!kernel.is_empty()).then(|| round(percentile(&kernel, q)));
    Summary {
        via: options.via,
        kernel: options.kernel,
        runtime: options.runtime,
        image: image.to_string(),
        warmup: options.warmup,
        n: ms.len(),
        p50_ms: round(percentile(&ms, 0.50)),
        p90_ms: round(percentile(&ms, 0.90)),
        p99_ms: round(percentile(&ms, 0.99)),
        mean_ms: round(ms.iter().sum::<f64>() / ms.len() as f64),
        min_ms: round(ms[0]),
        max_ms: round(ms[ms.len() - 1]),
        kernel_p50_ms: kernel_at(0.50),
        kernel_p99_ms: kernel_at(0.99),
    }
}

fn print_summary(s: &Summary) {
    let via = match s.via {
        Via::Session => "a session",
        Via::Client => "the kernel client",
        Via::Raw => "a bare ZeroMQ loop",
    };
    let kernel = match s.kernel {
        Kernel::Sage => "the Sage kernel",
        Kernel::Tuned => "the tuned Sage kernel",
        Kernel::Null => "the null kernel",
    };
    println!(
        "execute `{CODE}` on {kernel} through {via} ({}), {} times after {} warm-up:",
        match s.runtime {
            Runtime::MultiThread => "multi-threaded runtime",
            Runtime::CurrentThread => "single-threaded runtime",
        },
        s.n,
        s.warmup
    );
    println!(
        "  p50 {:.3} ms   p90 {:.3} ms   p99 {:.3} ms   mean {:.3} ms   min {:.3} ms   max {:.3} ms",
        s.p50_ms, s.p90_ms, s.p99_ms, s.mean_ms, s.min_ms, s.max_ms
    );
    if let (Some(p50), Some(p99)) = (s.kernel_p50_ms, s.kernel_p99_ms) {
        println!("  of which the kernel (its busy→idle): p50 {p50:.3} ms   p99 {p99:.3} ms");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let sorted: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&sorted, 0.50), 50.0);
        assert_eq!(percentile(&sorted, 0.90), 90.0);
        assert_eq!(percentile(&sorted, 0.99), 99.0);
        // One sample is every percentile.
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
        assert_eq!(percentile(&[1.0, 2.0], 0.5), 1.0);
    }
}
