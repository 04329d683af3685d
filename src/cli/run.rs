//! `sagedesk run NOTEBOOK.ipynb`: every code cell in order in a fresh
//! kernel, the outputs saved into the notebook after each cell, through the
//! same desk the window uses (the notebook's folder as the workspace).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use sagedesk::desk::{Desk, DeskOptions, KernelLife};
use sagedesk::notebook::CellView;
use sagedesk::session::{CellStatus, CellUpdate};
use sagedesk::workspace::{LoadedSettings, Settings};

use super::eval::{EXIT_KERNEL_DIED, EXIT_SAGE_ERROR, EXIT_TIMEOUT};

/// The notebook could not be read (corrupt, not a notebook): untouched.
pub const EXIT_BAD_NOTEBOOK: u8 = 4;

pub struct RunOptions {
    pub notebook: PathBuf,
    pub image: Option<String>,
    pub timeout: Option<Duration>,
}

pub async fn run(engine_setting: Option<&str>, options: RunOptions) -> anyhow::Result<ExitCode> {
    // The notebook's folder is the workspace, and the kernel's working
    // folder, as in Jupyter, so that the notebook finds the files beside it.
    let (folder, name) = match place_of(&options.notebook) {
        Ok(place) => place,
        Err(err) => {
            eprintln!("{}: {err}", options.notebook.display());
            return Ok(ExitCode::from(EXIT_BAD_NOTEBOOK));
        }
    };
    let settings = Settings {
        image: options.image,
        ..Settings::default()
    };
    let desk = Desk::new(DeskOptions {
        engine: engine_setting.map(String::from),
        settings: LoadedSettings {
            settings,
            warning: None,
        },
        kernels: KernelLife::OneRun,
        ..DeskOptions::default()
    });
    desk.collect_orphans().await;
    desk.set_workspace(&folder.display().to_string()).await?;
    let doc = match desk.open_notebook(&name).await {
        Ok(doc) => doc,
        Err(err) => {
            eprintln!("{err}");
            eprintln!("The notebook was not changed.");
            return Ok(ExitCode::from(EXIT_BAD_NOTEBOOK));
        }
    };
    let outcome = tokio::select! {
        outcome = run_cells(&desk, &name, &doc.cells, options.timeout) => outcome,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("cancelled; outputs of the cells that finished are saved");
            Ok(ExitCode::from(130))
        }
    };
    desk.quit().await;
    outcome.inspect(|code| {
        if *code == ExitCode::SUCCESS {
            let total = doc.cells.iter().filter(|c| c.cell_type == "code").count();
            println!(
                "ran {total} code cells; outputs saved in {}",
                folder.join(&name).display()
            );
        }
    })
}

/// The notebook's folder and its name there.
fn place_of(notebook: &Path) -> std::io::Result<(PathBuf, String)> {
    let absolute = std::fs::canonicalize(notebook)?;
    let folder = absolute.parent().map(Path::to_path_buf).unwrap_or_default();
    let name = absolute
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((folder, name))
}

async fn run_cells(
    desk: &Desk,
    notebook: &str,
    cells: &[CellView],
    timeout: Option<Duration>,
) -> anyhow::Result<ExitCode> {
    let code_cells: Vec<(usize, &CellView)> = cells
        .iter()
        .enumerate()
        .filter(|(_, c)| c.cell_type == "code")
        .collect();
    let total = code_cells.len();
    for (n, (index, cell)) in code_cells.into_iter().enumerate() {
        let label = format!(
            "cell {} of {total} (#{index}, id {}: {})",
            n + 1,
            cell.id,
            first_line(&cell.source)
        );
        // The time a cell may take counts from its start, not from a kernel
        // still loading Sage.
        let started = Arc::new(Notify::new());
        let starting = started.clone();
        let done = desk
            .execute_cell(notebook, &cell.id, &cell.source, move |batch| {
                for update in batch {
                    match update {
                        CellUpdate::Started => starting.notify_one(),
                        CellUpdate::Payload { payload } => super::payload::print(&payload),
                        _ => {}
                    }
                }
            })
            .await?
            .wait();
        tokio::pin!(done);
        let mut timed_out = false;
        let end = match timeout {
            None => done.await,
            Some(limit) => tokio::select! {
                end = &mut done => end,
                _ = async { started.notified().await; tokio::time::sleep(limit).await } => {
                    timed_out = true;
                    desk.interrupt(notebook).await?;
                    done.await
                }
            },
        };
        if let Some(why) = end.not_saved {
            anyhow::bail!("{label}: its outputs could not be saved: {why}");
        }
        if let Some(message) = end.death {
            eprintln!("{label}: {message}");
            return Ok(ExitCode::from(EXIT_KERNEL_DIED));
        }
        if timed_out {
            let secs = timeout.unwrap_or_default().as_secs_f64();
            eprintln!("{label}: interrupted after {secs} s");
            return Ok(ExitCode::from(EXIT_TIMEOUT));
        }
        if end.status == Some(CellStatus::Ok) {
            println!("[{}/{total}] ok", n + 1);
            continue;
        }
        let error = end
            .error
            .unwrap_or_else(|| "the cell did not complete".into());
        eprintln!("{label} failed: {error}");
        eprintln!("The outputs so far are saved in the notebook; later cells were not run.");
        return Ok(ExitCode::from(EXIT_SAGE_ERROR));
    }
    Ok(ExitCode::SUCCESS)
}

fn first_line(source: &str) -> String {
    let line = source.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if line.chars().count() > 60 {
        format!("{}…", line.chars().take(60).collect::<String>())
    } else {
        line.to_string()
    }
}
