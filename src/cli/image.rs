//! `sagedesk image`: the SageMath image's tag, status, build and pull.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use sagedesk::engine::{BuildContext, BuildEvent, Engine, host_ca_bundle};
use sagedesk::size;

/// What `sagedesk image build` is asked.
pub struct BuildOptions {
    /// A build folder to use instead of the one compiled in.
    pub context: Option<PathBuf>,
    /// The base image, instead of the Dockerfile's.
    pub base_image: Option<String>,
    /// Extra certificate authorities (PEM) to trust while downloading.
    pub ca_bundle: Option<PathBuf>,
    /// Do not pass this machine's certificate bundle to the build.
    pub no_host_ca: bool,
    /// Print only the build's steps, not their output.
    pub quiet: bool,
}

/// `sagedesk image tag`: the tag the image built from these inputs has.
pub fn tag(context: Option<PathBuf>, base_image: Option<String>) -> anyhow::Result<ExitCode> {
    println!("{}", context_from(context, base_image)?.tag());
    Ok(ExitCode::SUCCESS)
}

/// `sagedesk image pull REFERENCE`, with progress.
pub async fn pull(engine_setting: Option<&str>, reference: &str) -> anyhow::Result<ExitCode> {
    let engine = Engine::connect(engine_setting).await?;
    let mut last_line = String::new();
    let pull = engine.pull_image(reference, |p| {
        let line = format!(
            "{} / {} in {}/{} layers",
            size::decimal(p.bytes_done),
            size::decimal(p.bytes_total),
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
        size::decimal(image.size_bytes),
        image.sage_version.as_deref().unwrap_or("(unlabelled)")
    );
    Ok(ExitCode::SUCCESS)
}

/// `sagedesk image status`: whether this build's image is present.
pub async fn status(engine_setting: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
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
                size::decimal(image.size_bytes),
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

/// `sagedesk image build`: builds the image through the engine.
pub async fn build(
    engine_setting: Option<&str>,
    options: BuildOptions,
) -> anyhow::Result<ExitCode> {
    let BuildOptions {
        context,
        base_image,
        ca_bundle,
        no_host_ca,
        quiet,
    } = options;
    let mut context = context_from(context, base_image)?;
    let bundle = match ca_bundle {
        Some(path) => Some(path),
        None if no_host_ca => None,
        None => host_ca_bundle(),
    };
    if let Some(path) = bundle {
        let pem = std::fs::read(&path)
            .with_context(|| format!("reading the certificate bundle {}", path.display()))?;
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
        size::decimal(image.size_bytes),
        image.sage_version.as_deref().unwrap_or("?"),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
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

fn first_line(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() > max {
        format!("{}…", line.chars().take(max).collect::<String>())
    } else {
        line.to_string()
    }
}
