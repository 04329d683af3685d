//! `sagedesk run NOTEBOOK.ipynb`: every code cell in order in a fresh
//! session, the outputs saved into the notebook after each cell.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use sagedesk::kernel::outputs::OutputLimits;
use sagedesk::notebook::{CellKind, NotebookFile};
use sagedesk::session::{CellStatus, Session, forward};

use super::eval::{EXIT_KERNEL_DIED, EXIT_SAGE_ERROR, EXIT_TIMEOUT};

/// The notebook could not be read (corrupt, not a notebook): untouched.
pub const EXIT_BAD_NOTEBOOK: u8 = 4;

pub struct RunOptions {
    pub notebook: PathBuf,
    pub image: Option<String>,
    pub timeout: Option<Duration>,
}

pub async fn run(engine_setting: Option<&str>, options: RunOptions) -> anyhow::Result<ExitCode> {
    let path = options.notebook.clone();
    let mut file = match blocking(move || NotebookFile::open(path)).await? {
        Ok(file) => file,
        Err(err) => {
            eprintln!("{err}");
            eprintln!("The notebook was not changed.");
            return Ok(ExitCode::from(EXIT_BAD_NOTEBOOK));
        }
    };
    // The notebook's folder is the kernel's working folder, as in Jupyter,
    // so that the notebook finds the files beside it.
    let folder = folder_of(&options.notebook)?;
    let session = super::fresh_session(engine_setting, options.image, |config| {
        config.workspace = Some(folder);
    })
    .await?;
    let outcome = tokio::select! {
        outcome = run_cells(&session, &mut file, options.timeout) => outcome,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("cancelled; outputs of the cells that finished are saved");
            Ok(ExitCode::from(130))
        }
    };
    session.shutdown().await;
    outcome
}

fn folder_of(notebook: &Path) -> anyhow::Result<PathBuf> {
    let absolute = std::fs::canonicalize(notebook)?;
    Ok(absolute
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/")))
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    Ok(tokio::task::spawn_blocking(f).await?)
}

/// Saves the notebook (crash-safe: temp file, fsync, rename), on this
/// thread but without stalling the runtime's other tasks.
fn save(file: &mut NotebookFile) -> anyhow::Result<()> {
    tokio::task::block_in_place(|| file.save())?;
    Ok(())
}

async fn run_cells(
    session: &Session,
    file: &mut NotebookFile,
    timeout: Option<Duration>,
) -> anyhow::Result<ExitCode> {
    let code_cells: Vec<(usize, String, String)> = file
        .notebook()
        .cells
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.kind, CellKind::Code { .. }))
        .map(|(i, c)| (i, c.id.clone(), c.source_text()))
        .collect();
    let total = code_cells.len();
    for (n, (index, id, source)) in code_cells.into_iter().enumerate() {
        let label = format!(
            "cell {} of {total} (#{index}, id {id}: {})",
            n + 1,
            first_line(&source)
        );
        let run = session.execute(&source)?;
        let forwarded = forward(run, OutputLimits::default(), |_| {});
        tokio::pin!(forwarded);
        let mut timed_out = false;
        let done = match timeout {
            None => forwarded.await,
            Some(limit) => tokio::select! {
                done = &mut forwarded => done,
                _ = tokio::time::sleep(limit) => {
                    timed_out = true;
                    session.interrupt().await?;
                    forwarded.await
                }
            },
        };
        let cell = &mut file.notebook_mut().cells[index];
        cell.set_outputs(&done.outputs, done.execution_count.map(|c| c as u64));
        save(file)?;
        if let Some((_, message)) = done.death {
            eprintln!("{label}: {message}");
            return Ok(ExitCode::from(EXIT_KERNEL_DIED));
        }
        if timed_out {
            let secs = timeout.unwrap_or_default().as_secs_f64();
            eprintln!("{label}: interrupted after {secs} s");
            return Ok(ExitCode::from(EXIT_TIMEOUT));
        }
        match done.status {
            Some(CellStatus::Ok) => println!("[{}/{total}] ok", n + 1),
            _ => {
                let error = done
                    .outputs
                    .to_nbformat()
                    .iter()
                    .find(|o| o["output_type"] == "error")
                    .map(|o| {
                        format!(
                            "{}: {}",
                            o["ename"].as_str().unwrap_or(""),
                            o["evalue"].as_str().unwrap_or("")
                        )
                    })
                    .unwrap_or_else(|| "the cell did not complete".into());
                eprintln!("{label} failed: {error}");
                eprintln!(
                    "The outputs so far are saved in the notebook; later cells were not run."
                );
                return Ok(ExitCode::from(EXIT_SAGE_ERROR));
            }
        }
    }
    println!(
        "ran {total} code cells; outputs saved in {}",
        file.path().display()
    );
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
