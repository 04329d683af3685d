//! The operations on a workspace's notebooks: list, create, open, rename,
//! and delete into the workspace's `.trash` folder.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use serde::Serialize;

use super::allowed::check_not_root;
use super::error::WorkspaceError;
use super::names::{EXTENSION, Folders, Resolved, has_notebook_extension, notebook_name, resolve};
use crate::notebook::folder::{Folder, is_escape};
use crate::notebook::{Notebook, NotebookError, NotebookFile};

/// The folder deleted notebooks are moved to, at the workspace's top.
pub const TRASH: &str = ".trash";

/// A folder of notebooks and data (mounted into the kernel's container).
///
/// Every file operation goes through the folder opened once when the
/// workspace opens ([`Folder`]): the kernel can write in the folder, so a
/// notebook or a folder may turn into a link to elsewhere at any moment,
/// and nothing is read or written through one that leads out.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Canonical: no symbolic links, absolute.
    root: PathBuf,
    pub(crate) folder: Arc<Folder>,
}

/// A notebook found in a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotebookEntry {
    /// Its name in the workspace, folders separated by `/`.
    pub name: String,
    pub path: PathBuf,
    pub size: u64,
    /// Last change, in milliseconds since 1970.
    pub modified_ms: Option<u64>,
}

impl Workspace {
    /// The workspace in the existing folder `dir`, which must not be the
    /// file system's root. Temporary files that crashed saves left at its
    /// top are removed.
    pub fn open(dir: &Path) -> Result<Self, WorkspaceError> {
        let not_a_folder = || WorkspaceError::NotAFolder {
            path: dir.to_owned(),
        };
        let root = fs::canonicalize(dir).map_err(|_| not_a_folder())?;
        if !root.is_dir() {
            return Err(not_a_folder());
        }
        check_not_root(dir, &root)?;
        let folder = Folder::open(&root).map_err(|err| WorkspaceError::io("open", &root, err))?;
        let _ = folder.remove_stale_temp_files(Path::new(""));
        Ok(Workspace {
            root,
            folder: Arc::new(folder),
        })
    }

    /// Like [`Workspace::open`], creating the folder (and its parents) first
    /// when it does not exist.
    pub fn open_or_create(dir: &Path) -> Result<Self, WorkspaceError> {
        if fs::symlink_metadata(dir).is_err() {
            fs::create_dir_all(dir)
                .map_err(|err| WorkspaceError::io("create the workspace folder", dir, err))?;
        }
        Workspace::open(dir)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every notebook in the workspace and its folders, by name; hidden
    /// folders (`.trash`, `.ipynb_checkpoints`, `.sagedesk`) and hidden
    /// files are skipped, and folder links are not followed.
    pub fn notebooks(&self) -> Result<Vec<NotebookEntry>, WorkspaceError> {
        let mut found = Vec::new();
        self.walk(&self.root, "", &mut found)?;
        found.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(found)
    }

    fn walk(
        &self,
        dir: &Path,
        prefix: &str,
        found: &mut Vec<NotebookEntry>,
    ) -> Result<(), WorkspaceError> {
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            // A subfolder the user cannot read hides its notebooks, not the others.
            Err(_) if dir != self.root => return Ok(()),
            Err(err) => return Err(WorkspaceError::io("list", dir, err)),
        };
        for entry in entries {
            let entry = entry.map_err(|err| WorkspaceError::io("list", dir, err))?;
            let file_name = entry.file_name();
            let Some(file_name) = file_name.to_str() else {
                continue;
            };
            if file_name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            let file_type = entry
                .file_type()
                .map_err(|err| WorkspaceError::io("list", &path, err))?;
            let name = format!("{prefix}{file_name}");
            if file_type.is_dir() {
                self.walk(&path, &format!("{name}/"), found)?;
                continue;
            }
            if !has_notebook_extension(file_name) {
                continue;
            }
            if file_type.is_symlink() {
                // A notebook linked from outside the workspace is not one of its own.
                match fs::canonicalize(&path) {
                    Ok(real) if real.starts_with(&self.root) && real.is_file() => {}
                    _ => continue,
                }
            }
            let Ok(meta) = fs::metadata(&path) else {
                continue;
            };
            let modified_ms = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_millis() as u64);
            found.push(NotebookEntry {
                name,
                path,
                size: meta.len(),
                modified_ms,
            });
        }
        Ok(())
    }

    /// Creates the notebook `name` (`.ipynb` added when missing, missing
    /// folders created) holding `notebook`; refuses to replace anything.
    pub fn create_notebook(
        &self,
        name: &str,
        notebook: Notebook,
    ) -> Result<PathBuf, WorkspaceError> {
        let checked = notebook_name(name)?;
        let target = resolve(&self.folder, &checked, Folders::Create)?;
        if target.exists {
            return Err(WorkspaceError::AlreadyExists { name: checked.text });
        }
        match NotebookFile::create_in(self.folder.clone(), &target.name, notebook) {
            Ok(_) => Ok(target.path),
            Err(NotebookError::AlreadyExists { .. }) => {
                Err(WorkspaceError::AlreadyExists { name: checked.text })
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Creates the notebook `name` as a new, empty Sage notebook (one empty
    /// code cell).
    pub fn new_notebook(&self, name: &str, sage_version: &str) -> Result<PathBuf, WorkspaceError> {
        self.create_notebook(name, Notebook::new_sage(sage_version))
    }

    /// Opens the notebook `name`.
    pub fn open_notebook(&self, name: &str) -> Result<NotebookFile, WorkspaceError> {
        let existing = self.existing(name)?;
        Ok(NotebookFile::open_in(self.folder.clone(), existing.name)?)
    }

    /// Renames (or moves between folders) the notebook `from` to `to`,
    /// never replacing a file. Returns the new path.
    pub fn rename(&self, from: &str, to: &str) -> Result<PathBuf, WorkspaceError> {
        let source = self.existing(from)?;
        let checked = notebook_name(to)?;
        let target = resolve(&self.folder, &checked, Folders::Create)?;
        if target.exists {
            return Err(WorkspaceError::AlreadyExists { name: checked.text });
        }
        match self.folder.rename_noreplace(&source.name, &target.name) {
            Ok(()) => Ok(target.path),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                Err(WorkspaceError::AlreadyExists { name: checked.text })
            }
            Err(err) if is_escape(&err) => Err(WorkspaceError::OutsideWorkspace {
                name: checked.text,
                target: target.path,
            }),
            Err(err) => Err(WorkspaceError::io("rename", &source.path, err)),
        }
    }

    /// Moves the notebook `name` into the workspace's `.trash` folder (a
    /// name already there gets a number: `a 2.ipynb`). Nothing is destroyed.
    /// Returns where it went.
    pub fn delete(&self, name: &str) -> Result<PathBuf, WorkspaceError> {
        let source = self.existing(name)?;
        let trash = self.trash_dir()?;
        let file_name = source
            .name
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a checked name is UTF-8")
            .to_owned();
        let stem = &file_name[..file_name.len() - EXTENSION.len()];
        let ext = &file_name[file_name.len() - EXTENSION.len()..];
        for n in 1u32.. {
            let target = if n == 1 {
                trash.join(&file_name)
            } else {
                trash.join(format!("{stem} {n}{ext}"))
            };
            match self.folder.rename_noreplace(&source.name, &target) {
                Ok(()) => return Ok(self.folder.join(&target)),
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(err) => return Err(WorkspaceError::io("move to the trash", &source.path, err)),
            }
        }
        unreachable!("some number is free")
    }

    /// The existing notebook `name`.
    pub(crate) fn existing(&self, name: &str) -> Result<Resolved, WorkspaceError> {
        let checked = notebook_name(name)?;
        let resolved = resolve(&self.folder, &checked, Folders::Existing)?;
        if !resolved.exists
            || !self
                .folder
                .metadata(&resolved.name)
                .is_ok_and(|m| m.is_file())
        {
            return Err(WorkspaceError::NotFound { name: checked.text });
        }
        Ok(resolved)
    }

    /// `.trash`, created when missing; refused when it is not a real folder
    /// (a link to elsewhere would send deleted notebooks out).
    fn trash_dir(&self) -> Result<PathBuf, WorkspaceError> {
        let trash = Path::new(TRASH);
        match self.folder.symlink_metadata(trash) {
            Ok(meta) if meta.is_dir() => Ok(trash.to_path_buf()),
            Ok(_) => Err(WorkspaceError::NotAFolderInside {
                path: self.folder.join(trash),
            }),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                self.folder
                    .create_dir(trash)
                    .map_err(|err| WorkspaceError::io("create", self.folder.join(trash), err))?;
                Ok(trash.to_path_buf())
            }
            Err(err) => Err(WorkspaceError::io("open", self.folder.join(trash), err)),
        }
    }
}
