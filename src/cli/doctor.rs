//! `sagedesk doctor`: the engine and the image checked, and what to do
//! about anything missing.

use std::process::ExitCode;

use sagedesk::doctor::{self, Report};
use sagedesk::engine::BuildContext;
use sagedesk::size;

/// Runs `sagedesk doctor [--image TAG] [--json]`: fails when something is
/// missing.
pub async fn run(
    engine_setting: Option<&str>,
    image: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
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

fn print_report(report: &Report) {
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
            size::decimal(image.size_bytes),
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
