//! The `sagedesk` command: SageDesk without a window, for people who script
//! and for the tests and benchmarks.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use sagedesk::engine::{BuildContext, BuildEvent, Engine, EngineError, ManagedContainer};
use sagedesk::{doctor, size};

#[derive(Parser)]
#[command(
    name = "sagedesk",
    version,
    about = "SageMath notebooks in a container, from the command line"
)]
struct Cli {
    /// The Docker engine to use (unix://…, tcp://…, npipe://…); by default
    /// DOCKER_HOST, the current Docker context, then the usual sockets.
    #[arg(long, global = true, value_name = "URI")]
    engine: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the engine and the SageMath image, and say what to do about
    /// anything missing.
    Doctor {
        /// The image to look for (default: the one this build uses).
        #[arg(long)]
        image: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run Sage code in a fresh session and print what it prints and its
    /// result. Exits 1 on a Sage error, 2 on a timeout, 3 when the kernel
    /// dies; no container is left behind.
    Eval {
        code: String,
        /// The image (default: the one this build uses).
        #[arg(long)]
        image: Option<String>,
        /// Memory limit, e.g. 512m or 2g (default 2g).
        #[arg(long, value_parser = cli::eval::parse_size)]
        memory: Option<i64>,
        /// CPU limit in cores (default 1).
        #[arg(long)]
        cpus: Option<f64>,
        /// Interrupt the code after this many seconds.
        #[arg(long, value_name = "SECS")]
        timeout: Option<f64>,
    },
    /// Benchmarks of SageDesk's own paths to the kernel.
    Bench {
        #[command(subcommand)]
        command: cli::bench::BenchCommand,
    },
    /// Run every code cell of a notebook in order in a fresh session and
    /// save the outputs into it; stops at the first error, naming the
    /// cell. Exits 1 on a Sage error, 2 on a timeout, 3 when the kernel
    /// dies, 4 when the notebook cannot be read (it is left untouched).
    Run {
        notebook: PathBuf,
        #[arg(long)]
        image: Option<String>,
        /// Interrupt a cell that runs longer than this many seconds.
        #[arg(long, value_name = "SECS")]
        timeout: Option<f64>,
    },
    /// Create DIR/NAME.ipynb, an empty Sage notebook (never replacing a file).
    New {
        /// The notebook's name in the workspace, e.g. `limits` or
        /// `ch1/limits` (`.ipynb` is added).
        name: String,
        /// The workspace folder (created when missing).
        #[arg(long, value_name = "DIR")]
        workspace: PathBuf,
    },
    /// List the notebooks of a workspace.
    Ls {
        #[arg(long, value_name = "DIR")]
        workspace: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// SageDesk's containers: their state, limits and owners.
    Ps {
        #[arg(long)]
        json: bool,
    },
    /// Remove containers whose owning SageDesk process is gone.
    Gc,
    /// The SageMath image.
    Image {
        #[command(subcommand)]
        command: ImageCommand,
    },
}

#[derive(Subcommand)]
enum ImageCommand {
    /// Whether the image is present, its tag and size.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Build the image through the engine (nothing happens when the image
    /// for these inputs is already there).
    Build {
        /// A build folder to use instead of the one compiled in.
        #[arg(long, value_name = "DIR")]
        context: Option<PathBuf>,
        /// The base image (default: debian:bookworm-slim).
        #[arg(long, value_name = "IMAGE")]
        base_image: Option<String>,
        /// Extra certificate authorities (PEM) to trust while downloading,
        /// for networks whose HTTPS goes through an intercepting proxy.
        /// Default: this machine's own bundle, where there is one.
        #[arg(long, value_name = "FILE")]
        ca_bundle: Option<PathBuf>,
        /// Do not pass this machine's certificate bundle to the build.
        #[arg(long, conflicts_with = "ca_bundle")]
        no_host_ca: bool,
        /// Print only the build's steps, not their output.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Pull an image from a registry, with progress (an image published
    /// ready-made, or any image whose org.sagedesk.kernel label names its
    /// kernel).
    Pull {
        /// The image reference, e.g. registry.example/sagedesk/sagemath:10.8
        reference: String,
    },
    /// Print the tag the image built from these inputs has.
    Tag {
        #[arg(long, value_name = "DIR")]
        context: Option<PathBuf>,
        #[arg(long, value_name = "IMAGE")]
        base_image: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("sagedesk: {err:#}");
            if let Some(engine_err) = err.downcast_ref::<EngineError>() {
                eprintln!("What to do: {}", engine_err.fix());
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let engine_setting = cli.engine.as_deref();
    match cli.command {
        Command::Doctor { image, json } => {
            let tag = image.unwrap_or_else(|| BuildContext::embedded().tag());
            let report = doctor::check_image(engine_setting, &tag).await;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_report(&report);
            }
            Ok(if report.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Image { command } => image(engine_setting, command).await,
        Command::Eval {
            code,
            image,
            memory,
            cpus,
            timeout,
        } => {
            let options = cli::eval::EvalOptions {
                code,
                image,
                memory_bytes: memory,
                cpus,
                timeout: timeout.map(std::time::Duration::from_secs_f64),
            };
            cli::eval::run(engine_setting, options).await
        }
        Command::Bench { command } => cli::bench::dispatch(engine_setting, command).await,
        Command::Run {
            notebook,
            image,
            timeout,
        } => {
            let options = cli::run::RunOptions {
                notebook,
                image,
                timeout: timeout.map(std::time::Duration::from_secs_f64),
            };
            cli::run::run(engine_setting, options).await
        }
        Command::New { name, workspace } => cli::new::run(&workspace, &name),
        Command::Ls { workspace, json } => cli::ls::run(engine_setting, &workspace, json).await,
        Command::Ps { json } => {
            let engine = Engine::connect(engine_setting).await?;
            let containers = engine.managed_containers().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&containers)?);
            } else {
                print_containers(&containers);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Gc => {
            let engine = Engine::connect(engine_setting).await?;
            // Kernels left running on purpose for the next launch are kept.
            let records = sagedesk::session::RecordStore::default_location();
            let removed = engine.remove_orphans(|c| records.keeps(&c.name)).await?;
            for c in &removed {
                println!("removed {} ({}, {})", c.name, c.state, c.status);
            }
            println!("{} orphaned container(s) removed", removed.len());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_containers(containers: &[ManagedContainer]) {
    if containers.is_empty() {
        println!("no SageDesk containers");
        return;
    }
    println!(
        "{:<40} {:<9} {:<8} {:<5} {:<7} {:<26} WORKSPACE",
        "NAME", "STATE", "MEMORY", "CPUS", "OWNER", "STATUS"
    );
    for c in containers {
        let (memory, cpus) = match &c.limits {
            Some(l) => (
                size::binary(l.memory_bytes.max(0) as u64),
                format!("{}", l.cpus),
            ),
            None => ("?".into(), "?".into()),
        };
        let owner = match (&c.owner, c.orphan) {
            (_, true) => "gone".to_string(),
            (Some(o), false) => o.pid.to_string(),
            (None, false) => "?".into(),
        };
        println!(
            "{:<40} {:<9} {:<8} {:<5} {:<7} {:<26} {}",
            c.name,
            c.state,
            memory,
            cpus,
            owner,
            c.status,
            c.workspace.as_deref().unwrap_or("-")
        );
    }
}

fn print_report(report: &doctor::Report) {
    match &report.engine {
        Some(engine) => {
            println!(
                "engine:  {} {} at {} (found via {}), API {}, {}/{}",
                engine.name,
                engine.version,
                engine.endpoint,
                engine.source,
                engine.api_version,
                engine.os,
                engine.arch
            );
        }
        None => println!("engine:  not found"),
    }
    match &report.image {
        Some(image) => println!(
            "image:   {} present, {}, SageMath {}",
            image.tag,
            size::binary(image.size_bytes),
            image.sage_version.as_deref().unwrap_or("(unlabelled)")
        ),
        None => println!("image:   {} not present", report.image_tag),
    }
    if let Some(problem) = &report.problem {
        println!();
        println!("problem: {}", problem.message);
        if !problem.tried.is_empty() {
            println!("tried:   {}", problem.tried.join("\n         "));
        }
        println!("to fix:  {}", problem.fix);
    } else {
        println!("\nSageDesk is ready.");
    }
}

fn context_from(dir: Option<PathBuf>, base: Option<String>) -> anyhow::Result<BuildContext> {
    let context = match dir {
        Some(dir) => BuildContext::from_dir(&dir)
            .with_context(|| format!("reading the build folder {}", dir.display()))?,
        None => BuildContext::embedded(),
    };
    Ok(match base {
        Some(base) => context.with_base_image(&base),
        None => context,
    })
}

async fn image(engine_setting: Option<&str>, command: ImageCommand) -> anyhow::Result<ExitCode> {
    match command {
        ImageCommand::Tag {
            context,
            base_image,
        } => {
            println!("{}", context_from(context, base_image)?.tag());
            Ok(ExitCode::SUCCESS)
        }
        ImageCommand::Pull { reference } => {
            let engine = Engine::connect(engine_setting).await?;
            let mut last_line = String::new();
            let pull = engine.pull_image(&reference, |p| {
                let line = format!(
                    "{} / {} in {}/{} layers",
                    size::binary(p.bytes_done),
                    size::binary(p.bytes_total),
                    p.layers_done,
                    p.layers_total
                );
                if line != last_line {
                    println!("{line}");
                    last_line = line;
                }
            });
            let image = tokio::select! {
                image = pull => image?,
                _ = tokio::signal::ctrl_c() => {
                    eprintln!("pull cancelled");
                    return Ok(ExitCode::from(130));
                }
            };
            println!(
                "{} ready: {}, SageMath {}",
                image.tag,
                size::binary(image.size_bytes),
                image.sage_version.as_deref().unwrap_or("(unlabelled)")
            );
            Ok(ExitCode::SUCCESS)
        }
        ImageCommand::Status { json } => {
            let tag = BuildContext::embedded().tag();
            let engine = Engine::connect(engine_setting).await?;
            let image = engine.image(&tag).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&image)?);
            } else {
                match &image {
                    Some(image) => println!(
                        "{} present ({}, SageMath {}, {})",
                        image.tag,
                        size::binary(image.size_bytes),
                        image.sage_version.as_deref().unwrap_or("?"),
                        &image.id
                    ),
                    None => println!("{tag} not present: build it with `sagedesk image build`"),
                }
            }
            Ok(if image.is_some() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        ImageCommand::Build {
            context,
            base_image,
            ca_bundle,
            no_host_ca,
            quiet,
        } => {
            let mut context = context_from(context, base_image)?;
            let bundle = match ca_bundle {
                Some(path) => Some(path),
                None if no_host_ca => None,
                None => sagedesk::engine::host_ca_bundle(),
            };
            if let Some(path) = bundle {
                let pem = std::fs::read(&path).with_context(|| {
                    format!("reading the certificate bundle {}", path.display())
                })?;
                context = context.with_extra_ca(pem);
            }
            let engine = Engine::connect(engine_setting).await?;
            println!(
                "building {} with {} {} at {}",
                context.tag(),
                engine.info().name,
                engine.info().version,
                engine.info().endpoint
            );
            let started = std::time::Instant::now();
            let build = engine.build_image(&context, |event| match event {
                BuildEvent::UpToDate { tag } => println!("{tag} is up to date"),
                BuildEvent::Step {
                    index,
                    total,
                    instruction,
                } => println!("[{index}/{total}] {}", first_line(&instruction, 100)),
                BuildEvent::Output { line } if !quiet => println!("    {line}"),
                BuildEvent::Output { .. } => {}
            });
            let image = tokio::select! {
                image = build => image?,
                _ = tokio::signal::ctrl_c() => {
                    eprintln!("build cancelled");
                    return Ok(ExitCode::from(130));
                }
            };
            println!(
                "{} ready: {}, SageMath {} ({:.0} s)",
                image.tag,
                size::binary(image.size_bytes),
                image.sage_version.as_deref().unwrap_or("?"),
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn first_line(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() > max {
        format!("{}…", line.chars().take(max).collect::<String>())
    } else {
        line.to_string()
    }
}
