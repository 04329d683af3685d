//! `sagedesk export NOTEBOOK --to html|sage|py|pdf [-o FILE]`: the
//! notebook file as a page, a script or a PDF, written beside it (or to
//! FILE, or to standard output for `-o -`) atomically. The file is read as
//! it is: no workspace, no engine, no kernel.
//!
//! A PDF is the HTML page printed by the app's web view, as the window
//! prints a notebook: `sagedesk-app --print-to-pdf PAGE OUT` (beside this
//! command, or `SAGEDESK_APP`), which needs a display. JupyterLab's PDF
//! export needs TeX or a headless browser; this needs the app.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use sagedesk::export::{Format, export};
use sagedesk::notebook::atomic::{Replace, write_atomic};
use sagedesk::notebook::from_slice;

use super::run::EXIT_BAD_NOTEBOOK;

/// A format on the command line: the export's, and PDF, which the app's
/// web view prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportTo {
    Html,
    Sage,
    Py,
    /// The HTML page printed by the app's web view.
    Pdf,
}

/// `--to pdf` with no app or no display to print it, or `-o -`.
pub const EXIT_USAGE: u8 = 2;

/// Longest the app may take to print (a long notebook with many plots).
const PRINT_BUDGET: Duration = Duration::from_secs(180);

pub struct ExportOptions {
    pub notebook: PathBuf,
    pub to: ExportTo,
    /// `None`: beside the notebook; `-`: standard output.
    pub output: Option<PathBuf>,
}

pub fn run(options: ExportOptions) -> anyhow::Result<ExitCode> {
    let format = match options.to {
        ExportTo::Html => Format::Html,
        ExportTo::Sage => Format::Sage,
        ExportTo::Py => Format::Py,
        ExportTo::Pdf => Format::Html,
    };
    let notebook = &options.notebook;
    let parsed = match std::fs::read(notebook) {
        Ok(bytes) => from_slice(&bytes).map_err(|err| err.to_string()),
        Err(err) => Err(err.to_string()),
    };
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(why) => {
            eprintln!("{}: {why}", notebook.display());
            return Ok(ExitCode::from(EXIT_BAD_NOTEBOOK));
        }
    };
    let name = notebook
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let exported = export(&parsed.notebook, &name, format);
    if options.to == ExportTo::Pdf {
        return pdf(notebook, options.output, &exported);
    }
    if options.output.as_deref() == Some(Path::new("-")) {
        std::io::stdout().lock().write_all(exported.as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let output = options
        .output
        .unwrap_or_else(|| notebook.with_extension(format.extension()));
    if same_file(notebook, &output) {
        anyhow::bail!(
            "{} is the notebook itself: give another file with -o",
            output.display()
        );
    }
    write_atomic(&output, exported.as_bytes(), Replace::Replace)
        .map_err(|err| anyhow::anyhow!("could not write {}: {err}", output.display()))?;
    println!(
        "exported {} to {} ({})",
        notebook.display(),
        output.display(),
        sagedesk::size::decimal(exported.len() as u64)
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints the exported `page` of `notebook` to a PDF with the app, at
/// `output` (beside the notebook by default), replacing it only once the
/// whole file is printed.
fn pdf(notebook: &Path, output: Option<PathBuf>, page: &str) -> anyhow::Result<ExitCode> {
    let usage = |why: String| {
        eprintln!("sagedesk: {why}");
        Ok(ExitCode::from(EXIT_USAGE))
    };
    if output.as_deref() == Some(Path::new("-")) {
        return usage("a PDF is written to a file: give one with -o".into());
    }
    let Some(app) = app_binary() else {
        return usage(
            "PDF export needs the SageDesk app (sagedesk-app), whose web view prints the notebook; \
             it is not beside this command, or not where SAGEDESK_APP says"
                .into(),
        );
    };
    if cfg!(target_os = "linux")
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        return usage(
            "PDF export needs a display: the app's web view prints the notebook \
             (run it in a desktop session, or under xvfb-run)"
                .into(),
        );
    }
    let output = output.unwrap_or_else(|| notebook.with_extension("pdf"));
    if same_file(notebook, &output) {
        anyhow::bail!(
            "{} is the notebook itself: give another file with -o",
            output.display()
        );
    }
    let stamp = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    );
    let page_file = std::env::temp_dir().join(format!("sagedesk-print-{stamp}.html"));
    let folder = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let partial = folder.join(format!(
        ".{}.printing-{stamp}",
        output
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    write_atomic(&page_file, page.as_bytes(), Replace::Never)
        .map_err(|err| anyhow::anyhow!("could not write {}: {err}", page_file.display()))?;
    let printed = print_with(&app, &page_file, &partial);
    let _ = std::fs::remove_file(&page_file);
    if let Err(why) = printed {
        let _ = std::fs::remove_file(&partial);
        anyhow::bail!("could not print {} to PDF: {why}", notebook.display());
    }
    std::fs::rename(&partial, &output).map_err(|err| {
        let _ = std::fs::remove_file(&partial);
        anyhow::anyhow!("could not write {}: {err}", output.display())
    })?;
    let size = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
    println!(
        "exported {} to {} ({})",
        notebook.display(),
        output.display(),
        sagedesk::size::decimal(size)
    );
    Ok(ExitCode::SUCCESS)
}

/// The app that prints: `SAGEDESK_APP`, or `sagedesk-app` beside this
/// command (as the packages install them).
fn app_binary() -> Option<PathBuf> {
    if let Some(app) = std::env::var_os("SAGEDESK_APP") {
        let app = PathBuf::from(app);
        return app.is_file().then_some(app);
    }
    let beside = std::env::current_exe()
        .ok()?
        .with_file_name(format!("sagedesk-app{}", std::env::consts::EXE_SUFFIX));
    beside.is_file().then_some(beside)
}

/// Runs `app --print-to-pdf page out` and waits for it, within
/// [`PRINT_BUDGET`]; what it says on failure is the reason.
fn print_with(app: &Path, page: &Path, out: &Path) -> Result<(), String> {
    let mut child = std::process::Command::new(app)
        .arg("--print-to-pdf")
        .arg(page)
        .arg(out)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|err| format!("{} could not start: {err}", app.display()))?;
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|err| err.to_string())? {
            break status;
        }
        if started.elapsed() > PRINT_BUDGET {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "the app did not finish within {} s",
                PRINT_BUDGET.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let said = reader.join().unwrap_or_default();
    if status.success() && std::fs::metadata(out).is_ok_and(|m| m.len() > 0) {
        return Ok(());
    }
    let said = said
        .lines()
        .filter(|line| line.starts_with("sagedesk-app"))
        .collect::<Vec<_>>()
        .join("; ");
    Err(if said.is_empty() {
        format!("the app ended with {status}")
    } else {
        said
    })
}

/// Whether `output` names the notebook's file (by another path, a link or
/// a hard link).
fn same_file(notebook: &Path, output: &Path) -> bool {
    match (std::fs::metadata(notebook), std::fs::metadata(output)) {
        #[cfg(unix)]
        (Ok(a), Ok(b)) => {
            use std::os::unix::fs::MetadataExt;
            (a.dev(), a.ino()) == (b.dev(), b.ino())
        }
        #[cfg(not(unix))]
        (Ok(_), Ok(_)) => {
            std::fs::canonicalize(notebook).ok() == std::fs::canonicalize(output).ok()
        }
        // The output does not exist yet: it cannot be the notebook.
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notebook_is_recognised_by_any_path() {
        let dir = tempfile::tempdir().unwrap();
        let notebook = dir.path().join("a.ipynb");
        std::fs::write(&notebook, "{}").unwrap();
        assert!(same_file(&notebook, &dir.path().join("./a.ipynb")));
        assert!(!same_file(&notebook, &dir.path().join("a.html")));
        #[cfg(unix)]
        {
            let link = dir.path().join("a.html");
            std::os::unix::fs::symlink(&notebook, &link).unwrap();
            assert!(same_file(&notebook, &link));
            let hard = dir.path().join("a.py");
            std::fs::hard_link(&notebook, &hard).unwrap();
            assert!(same_file(&notebook, &hard));
        }
    }
}
