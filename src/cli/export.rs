//! `sagedesk export NOTEBOOK --to html|sage|py [-o FILE]`: the notebook
//! file as a page or a script, written beside it (or to FILE, or to
//! standard output for `-o -`) atomically. The file is read as it is: no
//! workspace, no engine, no kernel.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sagedesk::export::{Format, export};
use sagedesk::notebook::atomic::{Replace, write_atomic};
use sagedesk::notebook::from_slice;

use super::run::EXIT_BAD_NOTEBOOK;

/// A format on the command line: the export's, and PDF, which is the
/// window's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportTo {
    Html,
    Sage,
    Py,
    /// Printed by the app's window (not available here).
    Pdf,
}

/// `--to pdf` is refused with this.
pub const EXIT_USAGE: u8 = 2;

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
        ExportTo::Pdf => {
            eprintln!(
                "sagedesk: PDF export runs in the app's window, which prints the notebook as it shows it; \
                 here, export to html and print the page from a browser"
            );
            return Ok(ExitCode::from(EXIT_USAGE));
        }
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
