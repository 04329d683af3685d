//! A notebook opened from a file: loaded, edited in memory, saved back
//! atomically, and never saved over changes another program made to the
//! file in the meantime.
//!
//! Every read and write goes through the [`Folder`] the notebook was opened
//! in: a notebook swapped for a link that leads out of it is never read or
//! written through. A save finding one keeps the notebook beside it under a
//! new name instead ([`SaveOutcome::KeptAside`]).
//!
//! The calls block on the file system; async callers run them on a blocking
//! thread (`tokio::task::spawn_blocking`).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use super::error::{ConflictKind, NotebookError};
use super::folder::{Folder, Replace, is_escape};
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    /// The file was replaced with the notebook's content.
    Written,
    /// The file already held exactly this content; nothing was written.
    Unchanged,
    /// The notebook's name had become a link leading out of its folder
    /// (something replaced the file with it): nothing was written through
    /// it. The notebook was saved beside it under a new name
    /// ([`NotebookFile::name`] now), where later saves go.
    KeptAside {
        /// The name that had become the link.
        replaced: PathBuf,
    },
}

/// A notebook and the file it lives in.
#[derive(Debug)]
pub struct NotebookFile {
    folder: Arc<Folder>,
    /// Its name in the folder (`ch1/a.ipynb`).
    name: PathBuf,
    notebook: Notebook,
    changes: Changes,
    disk: DiskState,
}

impl NotebookFile {
    /// Opens the notebook at `path` (its folder is the one it is confined
    /// to), after removing temporary files that crashed saves left beside
    /// it. A file that is not a notebook gives [`NotebookError::Format`] and
    /// is left untouched.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, NotebookError> {
        let (folder, name) = split(path.into(), "open")?;
        NotebookFile::open_in(folder, name)
    }

    /// Opens the notebook `name` of `folder`.
    pub fn open_in(folder: Arc<Folder>, name: impl Into<PathBuf>) -> Result<Self, NotebookError> {
        let name = name.into();
        // Best effort: a folder that cannot be listed still lets the file be read.
        let _ = folder.remove_stale_temp_files(parent(&name));
        let (notebook, changes, disk) = load(&folder, &name)?;
        Ok(NotebookFile {
            folder,
            name,
            notebook,
            changes,
            disk,
        })
    }

    /// Writes `notebook` to a new file at `path`; fails with
    /// [`NotebookError::AlreadyExists`] rather than replace a file there.
    pub fn create(path: impl Into<PathBuf>, notebook: Notebook) -> Result<Self, NotebookError> {
        let (folder, name) = split(path.into(), "create")?;
        NotebookFile::create_in(folder, name, notebook)
    }

    /// Writes `notebook` to a new file `name` of `folder`.
    pub fn create_in(
        folder: Arc<Folder>,
        name: impl Into<PathBuf>,
        notebook: Notebook,
    ) -> Result<Self, NotebookError> {
        let name = name.into();
        let bytes = notebook.to_json().into_bytes();
        folder
            .write_atomic(&name, &bytes, Replace::Never)
            .map_err(|err| {
                if err.kind() == io::ErrorKind::AlreadyExists {
                    NotebookError::AlreadyExists {
                        path: folder.join(&name),
                    }
                } else {
                    write_error(&folder, &name, "create", err)
                }
            })?;
        let disk = DiskState::of(&bytes, modified(&folder, &name));
        Ok(NotebookFile {
            folder,
            name,
            notebook,
            changes: Changes::default(),
            disk,
        })
    }

    /// The file's path, as the rest of the system names it.
    pub fn path(&self) -> PathBuf {
        self.folder.join(&self.name)
    }

    /// The file's name in its folder.
    pub fn name(&self) -> &Path {
        &self.name
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

    /// The file was moved to `name` in its folder (renamed, its content
    /// unchanged): later saves go there, and changes by other programs are
    /// still detected.
    pub fn moved_to(&mut self, name: impl Into<PathBuf>) {
        self.name = name.into();
    }

    /// The file as SageDesk last read or wrote it.
    pub fn disk_state(&self) -> &DiskState {
        &self.disk
    }

    /// Whether the file on disk is no longer what SageDesk last read or
    /// wrote, and how. A name that leads out of the folder is not read
    /// through ([`NotebookError::LeadsOut`]).
    pub fn conflict(&self) -> Result<Option<ConflictKind>, NotebookError> {
        // A different size needs no reading. The time of last change is not
        // trusted: a write within the file system's clock step keeps it.
        let failed = |err: io::Error| self.read_error("read", err);
        match self.folder.metadata(&self.name) {
            Ok(meta) if meta.len() != self.disk.size => return Ok(Some(ConflictKind::Modified)),
            Ok(_) => {}
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Ok(Some(ConflictKind::Removed));
            }
            Err(err) => return Err(failed(err)),
        }
        let on_disk = match self.folder.read(&self.name) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Ok(Some(ConflictKind::Removed));
            }
            Err(err) => return Err(failed(err)),
        };
        let same = <[u8; 32]>::from(Sha256::digest(&on_disk)) == self.disk.sha256;
        Ok((!same).then_some(ConflictKind::Modified))
    }

    /// Saves the notebook over the file, unless another program changed the
    /// file since it was opened or last saved: then nothing is written and
    /// the error is [`NotebookError::Conflict`]; the caller reloads
    /// ([`NotebookFile::reload`]) or keeps this version
    /// ([`NotebookFile::save_overwriting`]). A name that became a link
    /// leading out of the folder is kept aside
    /// ([`SaveOutcome::KeptAside`]).
    pub fn save(&mut self) -> Result<SaveOutcome, NotebookError> {
        match self.conflict() {
            Ok(None) => {}
            Ok(Some(kind)) => {
                return Err(NotebookError::Conflict {
                    path: self.path(),
                    kind,
                });
            }
            Err(NotebookError::LeadsOut { .. }) => return self.keep_aside(),
            Err(err) => return Err(err),
        }
        self.write(true)
    }

    /// Saves the notebook over the file whatever happened to the file since
    /// it was opened: the user chose this version over the one on disk. A
    /// name that became a link leading out of the folder is kept aside
    /// ([`SaveOutcome::KeptAside`]), never written through.
    pub fn save_overwriting(&mut self) -> Result<SaveOutcome, NotebookError> {
        let disk_is_ours = match self.conflict() {
            Ok(conflict) => conflict.is_none(),
            Err(NotebookError::LeadsOut { .. }) => return self.keep_aside(),
            Err(err) => return Err(err),
        };
        self.write(disk_is_ours)
    }

    /// Reads the file again, dropping the notebook in memory.
    pub fn reload(&mut self) -> Result<(), NotebookError> {
        let (notebook, changes, disk) = load(&self.folder, &self.name)?;
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
        match self
            .folder
            .write_atomic(&self.name, &bytes, Replace::Replace)
        {
            Ok(()) => {}
            // Swapped for a link since the check: still not written through.
            Err(err) if is_escape(&err) => return self.keep_aside(),
            Err(err) => return Err(write_error(&self.folder, &self.name, "save", err)),
        }
        self.disk = DiskState {
            modified: modified(&self.folder, &self.name),
            ..new
        };
        self.changes = Changes::default();
        Ok(SaveOutcome::Written)
    }

    /// Saves the notebook under a new name beside its own, which became a
    /// link leading out of the folder (or at the top of the folder, when
    /// the folder on the way leads out too), and goes on from there.
    fn keep_aside(&mut self) -> Result<SaveOutcome, NotebookError> {
        let replaced = self.name.clone();
        let bytes = self.notebook.to_json().into_bytes();
        let file_name = Path::new(replaced.file_name().unwrap_or_default());
        let beside = if self.folder.leads_out(parent(&replaced)) {
            Path::new("")
        } else {
            parent(&replaced)
        };
        for n in 1u32.. {
            let name = beside.join(kept_name(file_name, n));
            match self.folder.write_atomic(&name, &bytes, Replace::Never) {
                Ok(()) => {
                    self.disk = DiskState::of(&bytes, modified(&self.folder, &name));
                    self.name = name;
                    self.changes = Changes::default();
                    return Ok(SaveOutcome::KeptAside { replaced });
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(err) => return Err(write_error(&self.folder, &name, "save", err)),
            }
        }
        unreachable!("some number is free")
    }

    fn read_error(&self, action: &'static str, err: io::Error) -> NotebookError {
        read_error(&self.folder, &self.name, action, err)
    }
}

/// `a.ipynb` kept aside: `a (kept).ipynb`, then `a (kept 2).ipynb`, ….
fn kept_name(file_name: &Path, n: u32) -> PathBuf {
    let stem = file_name.file_stem().unwrap_or_default().to_string_lossy();
    let extension = file_name
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    if n == 1 {
        PathBuf::from(format!("{stem} (kept){extension}"))
    } else {
        PathBuf::from(format!("{stem} (kept {n}){extension}"))
    }
}

/// The folder `name` is in, relative (empty at the top).
fn parent(name: &Path) -> &Path {
    name.parent().unwrap_or(Path::new(""))
}

/// The folder of `path`, opened, and the file's name in it.
fn split(path: PathBuf, action: &'static str) -> Result<(Arc<Folder>, PathBuf), NotebookError> {
    let name = PathBuf::from(path.file_name().unwrap_or_default());
    let folder =
        Folder::open(super::atomic::parent_dir(&path)).map_err(|source| NotebookError::Io {
            action,
            path: path.clone(),
            source,
        })?;
    Ok((Arc::new(folder), name))
}

fn load(folder: &Folder, name: &Path) -> Result<(Notebook, Changes, DiskState), NotebookError> {
    let bytes = folder
        .read(name)
        .map_err(|err| read_error(folder, name, "read", err))?;
    let modified = modified(folder, name);
    let parsed = from_slice(&bytes).map_err(|source| NotebookError::Format {
        path: folder.join(name),
        source,
    })?;
    Ok((
        parsed.notebook,
        parsed.changes,
        DiskState::of(&bytes, modified),
    ))
}

fn modified(folder: &Folder, name: &Path) -> Option<SystemTime> {
    let modified = folder.metadata(name).and_then(|m| m.modified()).ok()?;
    Some(modified.into_std())
}

fn read_error(folder: &Folder, name: &Path, action: &'static str, err: io::Error) -> NotebookError {
    if is_escape(&err) {
        return NotebookError::LeadsOut {
            path: folder.join(name),
        };
    }
    NotebookError::Io {
        action,
        path: folder.join(name),
        source: err,
    }
}

fn write_error(
    folder: &Folder,
    name: &Path,
    action: &'static str,
    err: io::Error,
) -> NotebookError {
    if is_escape(&err) {
        return NotebookError::LeadsOut {
            path: folder.join(name),
        };
    }
    NotebookError::write(action, folder.join(name), err)
}
