//! Replacing a file so that a crash at any moment leaves either the old
//! content or the new one, never a mix, an empty file or a truncated one.
//!
//! The new content goes to a temporary file in the same folder (a rename is
//! only atomic within one file system), is flushed to the disk, and is
//! renamed over the old file; then the folder itself is flushed, so the
//! rename survives a power cut too.
//!
//! Temporary files are named `.NAME.sagedesk-tmp-PID-RANDOM`: hidden, not
//! ending in `.ipynb` (no program takes one for a notebook), and carrying the
//! writer's process id, so [`Folder::remove_stale_temp_files`] removes only
//! those whose writer is gone.
//!
//! The writing itself goes through a [`Folder`] opened once, so that a name
//! swapped for a link cannot send it elsewhere; the functions here take
//! paths for files outside any workspace (the app's settings).

use std::ffi::OsStr;
use std::io;
use std::path::Path;

use super::folder::Folder;
pub use super::folder::Replace;

/// What marks a temporary file as SageDesk's.
pub(crate) const TEMP_MARK: &str = ".sagedesk-tmp-";

/// Writes `bytes` to `path` atomically (see the module documentation),
/// through its folder. On any error the file at `path` is as it was and the
/// temporary file is gone.
pub fn write_atomic(path: &Path, bytes: &[u8], replace: Replace) -> io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))?;
    Folder::open(parent_dir(path))?.write_atomic(Path::new(name), bytes, replace)
}

/// Renames `from` to `to` (in one folder), failing with `AlreadyExists` when
/// `to` exists, atomically where the system allows it.
pub fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    let dir = parent_dir(from);
    let (Some(from), Ok(to)) = (from.file_name(), to.strip_prefix(dir)) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "both names must be in one folder",
        ));
    };
    Folder::open(dir)?.rename_noreplace(Path::new(from), to)
}

/// The folder `path` is in (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Whether `name` is the name of one of SageDesk's temporary files, and the
/// process id of its writer.
pub fn temp_file_writer(name: &OsStr) -> Option<u32> {
    let name = name.to_str()?;
    if !name.starts_with('.') {
        return None;
    }
    let (_, tail) = name.rsplit_once(TEMP_MARK)?;
    let (pid, random) = tail.split_once('-')?;
    if random.len() != 8 || !random.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    pid.parse().ok()
}

#[cfg(unix)]
pub(crate) fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    let sent = unsafe { libc::kill(pid, 0) };
    sent == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Without a cheap check, only this process's own files are kept.
#[cfg(not(unix))]
pub(crate) fn process_alive(pid: u32) -> bool {
    pid == std::process::id()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_recognised() {
        assert_eq!(temp_file_writer(OsStr::new("a.ipynb")), None);
        assert_eq!(temp_file_writer(OsStr::new(".a.sagedesk-tmp-12-xyz")), None);
        assert_eq!(
            temp_file_writer(OsStr::new(".a.ipynb.sagedesk-tmp-12-0a1b2c3d")),
            Some(12)
        );
    }

    #[test]
    fn files_outside_a_workspace_are_written_and_renamed_by_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        write_atomic(&path, b"{}", Replace::Never).unwrap();
        let err = write_atomic(&path, b"[]", Replace::Never).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        write_atomic(&path, b"[1]", Replace::Replace).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"[1]");
        let kept = dir.path().join("settings.json.corrupt");
        rename_noreplace(&path, &kept).unwrap();
        assert!(!path.exists() && kept.is_file());
    }
}
