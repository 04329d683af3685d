//! The `sagedesk` command: SageDesk without a window, for people who script
//! and for the tests and benchmarks.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sagedesk::engine::EngineError;

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
        /// Memory limit, e.g. 512m or 2g (default: half the engine's memory,
        /// at least 2g).
        #[arg(long, value_parser = cli::eval::parse_size)]
        memory: Option<i64>,
        /// CPU limit in cores (default: every core, at a lower weight than
        /// other programs').
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
    /// Export a notebook: to one HTML file that shows it offline (maths
    /// typeset), or to a Sage or Python script. Written beside it with the
    /// new extension unless -o says where (`-o -`: standard output). Exits
    /// 4 when the notebook cannot be read, 2 for `--to pdf` (the app's
    /// window prints PDF).
    Export {
        notebook: PathBuf,
        /// What to export to.
        #[arg(long, value_enum)]
        to: cli::export::ExportTo,
        /// The file to write (replaced if it exists, never the notebook).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
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
        Command::Doctor { image, json } => cli::doctor::run(engine_setting, image, json).await,
        Command::Image { command } => match command {
            ImageCommand::Status { json } => cli::image::status(engine_setting, json).await,
            ImageCommand::Build {
                context,
                base_image,
                ca_bundle,
                no_host_ca,
                quiet,
            } => {
                let options = cli::image::BuildOptions {
                    context,
                    base_image,
                    ca_bundle,
                    no_host_ca,
                    quiet,
                };
                cli::image::build(engine_setting, options).await
            }
            ImageCommand::Pull { reference } => cli::image::pull(engine_setting, &reference).await,
            ImageCommand::Tag {
                context,
                base_image,
            } => cli::image::tag(context, base_image),
        },
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
        Command::Export {
            notebook,
            to,
            output,
        } => cli::export::run(cli::export::ExportOptions {
            notebook,
            to,
            output,
        }),
        Command::New { name, workspace } => cli::new::run(&workspace, &name),
        Command::Ls { workspace, json } => cli::ls::run(engine_setting, &workspace, json).await,
        Command::Ps { json } => cli::ps::run(engine_setting, json).await,
        Command::Gc => cli::gc::run(engine_setting).await,
    }
}
