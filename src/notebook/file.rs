//! A notebook opened from a file: loaded, edited in memory, saved back
//! atomically, and never saved over changes another program made to the
//! file in the meantime.
//!
//! The calls block on the file system; async callers run them on a blocking
//! thread (`tokio::task::spawn_blocking`).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use super::atomic::{Replace, parent_dir, remove_stale_temp_files, write_atomic};
use super::error::{ConflictKind, NotebookError};
use super::model::Notebook;
use super::parse::{Changes, from_slice};

/// What SageDesk last read from or wrote to a file: how it recognises a file
/// another program changed since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskState {
    pub size: u64,
    pub modified: Option<SystemTime>,
    pub sha256: [u8; 32],
}

impl DiskState {
    fn of(bytes: &[u8], modified: Option<SystemTime>) -> Self {
        DiskState {
            size: bytes.len() as u64,
            modified,
            sha256: Sha256::digest(bytes).into(),
        }
    }
}

/// What a save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    /// The file was replaced with the notebook's content.
    Written,
    /// The file already held exactly this content; nothing was written.
    Unchanged,
}

/// A notebook and the file it lives in.
#[derive(Debug)]
pub struct NotebookFile {
    path: PathBuf,
    notebook: Notebook,
    changes: Changes,
    disk: DiskState,
}

impl NotebookFile {
    /// Opens the notebook at `path`, after removing temporary files that
    /// crashed saves left in its folder. A file that is not a notebook gives
    /// [`NotebookError::Format`] and is left untouched.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, NotebookError> {
        let path = path.into();
        // Best effort: a folder that cannot be listed still lets the file be read.
        let _ = remove_stale_temp_files(parent_dir(&path));
        let (notebook, changes, disk) = load(&path)?;
        Ok(NotebookFile {
            path,
            notebook,
            changes,
            disk,
        })
    }

    /// Writes `notebook` to a new file at `path`; fails with
    /// [`NotebookError::AlreadyExists`] rather than replace a file there.
    pub fn create(path: impl Into<PathBuf>, notebook: Notebook) -> Result<Self, NotebookError> {
        let path = path.into();
        let bytes = notebook.to_json().into_bytes();
        write_atomic(&path, &bytes, Replace::Never).map_err(|err| {
            if err.kind() == io::ErrorKind::AlreadyExists {
                NotebookError::AlreadyExists { path: path.clone() }
            } else {
                NotebookError::write("create", path.clone(), err)
            }
        })?;
        let disk = DiskState::of(&bytes, modified(&path));
        Ok(NotebookFile {
            path,
            notebook,
            changes: Changes::default(),
            disk,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn notebook(&self) -> &Notebook {
        &self.notebook
    }

    pub fn notebook_mut(&mut self) -> &mut Notebook {
        &mut self.notebook
    }

    /// What opening the file changed (an older format upgraded, ids given);
    /// the next save writes it.
    pub fn changes_on_open(&self) -> &Changes {
        &self.changes
    }

    /// The file was moved to `path` (renamed, its content unchanged): later
    /// saves go there, and changes by other programs are still detected.
    pub fn moved_to(&mut self, path: impl Into<PathBuf>) {
        self.path = path.into();
    }

    /// The file as SageDesk last read or wrote it.
    pub fn disk_state(&self) -> &DiskState {
        &self.disk
    }

    /// Whether the file on disk is no longer what SageDesk last read or
    /// wrote, and how.
    pub fn conflict(&self) -> Result<Option<ConflictKind>, NotebookError> {
        // A different size needs no reading. The time of last change is not
        // trusted: a write within the file system's clock step keeps it.
        match fs::metadata(&self.path) {
            Ok(meta) if meta.len() != self.disk.size => return Ok(Some(ConflictKind::Modified)),
            Ok(_) => {}
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Ok(Some(ConflictKind::Removed));
            }
            Err(err) => return Err(io_error("read", &self.path, err)),
        }
        let on_disk = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Ok(Some(ConflictKind::Removed));
            }
            Err(err) => return Err(io_error("read", &self.path, err)),
        };
        let same = <[u8; 32]>::from(Sha256::digest(&on_disk)) == self.disk.sha256;
        Ok((!same).then_some(ConflictKind::Modified))
    }

    /// Saves the notebook over the file, unless another program changed the
    /// file since it was opened or last saved: then nothing is written and
    /// the error is [`NotebookError::Conflict`]; the caller reloads
    /// ([`NotebookFile::reload`]) or keeps this version
    /// ([`NotebookFile::save_overwriting`]).
    pub fn save(&mut self) -> Result<SaveOutcome, NotebookError> {
        if let Some(kind) = self.conflict()? {
            return Err(NotebookError::Conflict {
                path: self.path.clone(),
                kind,
            });
        }
        self.write(true)
    }

    /// Saves the notebook over the file whatever happened to the file since
    /// it was opened: the user chose this version over the one on disk.
    pub fn save_overwriting(&mut self) -> Result<SaveOutcome, NotebookError> {
        let disk_is_ours = self.conflict()?.is_none();
        self.write(disk_is_ours)
    }

    /// Reads the file again, dropping the notebook in memory.
    pub fn reload(&mut self) -> Result<(), NotebookError> {
        let (notebook, changes, disk) = load(&self.path)?;
        self.notebook = notebook;
        self.changes = changes;
        self.disk = disk;
        Ok(())
    }

    /// Writes the notebook; `disk_is_ours` says the file holds what SageDesk
    /// last read or wrote, so the same content need not be written again.
    fn write(&mut self, disk_is_ours: bool) -> Result<SaveOutcome, NotebookError> {
        let bytes = self.notebook.to_json().into_bytes();
        let new = DiskState::of(&bytes, None);
        if disk_is_ours && new.sha256 == self.disk.sha256 {
            return Ok(SaveOutcome::Unchanged);
        }
        // A notebook reached through a symbolic link is saved where the link
        // points, so the link stays.
        let target = fs::canonicalize(&self.path).unwrap_or_else(|_| self.path.clone());
        write_atomic(&target, &bytes, Replace::Replace)
            .map_err(|err| NotebookError::write("save", self.path.clone(), err))?;
        self.disk = DiskState {
            modified: modified(&target),
            ..new
        };
        self.changes = Changes::default();
        Ok(SaveOutcome::Written)
    }
}

fn load(path: &Path) -> Result<(Notebook, Changes, DiskState), NotebookError> {
    let bytes = fs::read(path).map_err(|err| io_error("read", path, err))?;
    let modified = modified(path);
    let parsed = from_slice(&bytes).map_err(|source| NotebookError::Format {
        path: path.to_owned(),
        source,
    })?;
    Ok((
        parsed.notebook,
        parsed.changes,
        DiskState::of(&bytes, modified),
    ))
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn io_error(action: &'static str, path: &Path, source: io::Error) -> NotebookError {
    NotebookError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}
