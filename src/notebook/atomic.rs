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
//! writer's process id, so [`remove_stale_temp_files`] removes only those
//! whose writer is gone.

use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// What marks a temporary file as SageDesk's.
const TEMP_MARK: &str = ".sagedesk-tmp-";
/// Longest file name most file systems take, in bytes.
const NAME_MAX: usize = 255;

/// How [`write_atomic`] treats a file already at the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// Replace it, keeping its permissions (and its owner, where allowed).
    Replace,
    /// Fail with `AlreadyExists` and leave it alone.
    Never,
}

/// Writes `bytes` to `path` atomically (see the module documentation). On
/// any error the file at `path` is as it was and the temporary file is gone.
pub fn write_atomic(path: &Path, bytes: &[u8], replace: Replace) -> io::Result<()> {
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))?;
    let (temp_path, mut file) = create_temp(dir, name)?;
    let written = (|| {
        if replace == Replace::Replace {
            copy_permissions(path, &file)?;
        }
        file.write_all(bytes)?;
        // The data must be on the disk before the rename makes it the file:
        // otherwise a crash can leave the new name on empty blocks.
        file.sync_all()
    })();
    drop(file);
    let renamed = written.and_then(|()| match replace {
        Replace::Replace => fs::rename(&temp_path, path),
        Replace::Never => rename_noreplace(&temp_path, path),
    });
    if let Err(err) = renamed {
        let _ = fs::remove_file(&temp_path);
        return Err(err);
    }
    sync_dir(dir)
}

/// The folder `path` is in (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

fn create_temp(dir: &Path, name: &OsStr) -> io::Result<(PathBuf, File)> {
    let name = name.to_string_lossy();
    let pid = std::process::id();
    loop {
        let mut random = [0u8; 4];
        getrandom::fill(&mut random).map_err(|err| io::Error::other(err.to_string()))?;
        let tail = format!("{TEMP_MARK}{pid}-{}", hex::encode(random));
        let room = NAME_MAX.saturating_sub(tail.len() + 1);
        let temp_name = format!(".{}{tail}", truncate(&name, room));
        let temp_path = dir.join(temp_name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp_path)
        {
            Ok(file) => return Ok((temp_path, file)),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(err),
        }
    }
}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(unix)]
fn copy_permissions(path: &Path, file: &File) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::io::AsRawFd;
    let old = match fs::metadata(path) {
        Ok(old) => old,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err),
    };
    let new = file.metadata()?;
    if (old.uid(), old.gid()) != (new.uid(), new.gid()) {
        // Only root may give a file away; anyone else writes it as theirs,
        // as every editor does.
        // SAFETY: fchown on a descriptor this function's caller owns.
        unsafe { libc::fchown(file.as_raw_fd(), old.uid(), old.gid()) };
    }
    file.set_permissions(old.permissions())
}

#[cfg(not(unix))]
fn copy_permissions(path: &Path, file: &File) -> io::Result<()> {
    match fs::metadata(path) {
        Ok(old) => file.set_permissions(old.permissions()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(err),
    }
}

/// Flushes a folder's entries (a rename in it) to the disk.
#[cfg(unix)]
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Windows has no way to flush a folder; its renames are journaled.
#[cfg(not(unix))]
pub(crate) fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Renames `from` to `to`, failing with `AlreadyExists` when `to` exists,
/// atomically where the system allows it.
pub fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let from_c = CString::new(from.as_os_str().as_bytes())?;
        let to_c = CString::new(to.as_os_str().as_bytes())?;
        // SAFETY: two NUL-terminated paths that live across the call.
        let done = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                from_c.as_ptr(),
                libc::AT_FDCWD,
                to_c.as_ptr(),
                libc::RENAME_NOREPLACE,
            )
        };
        if done == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        // File systems without RENAME_NOREPLACE answer EINVAL; old kernels
        // ENOSYS. They get the check-then-rename below.
        if !matches!(err.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) {
            return Err(err);
        }
    }
    #[cfg(unix)]
    {
        // A hard link fails when the target exists, atomically.
        match fs::hard_link(from, to) {
            Ok(()) => return fs::remove_file(from),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => return Err(err),
            Err(_) => {}
        }
    }
    if fs::symlink_metadata(to).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} already exists", to.display()),
        ));
    }
    fs::rename(from, to)
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

/// Removes SageDesk's temporary files in `dir` (not below it) left by
/// writers that are no longer running, such as a save cut short by a crash.
/// Returns the files removed. Other files are never touched.
pub fn remove_stale_temp_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let Some(pid) = temp_file_writer(&entry.file_name()) else {
            continue;
        };
        if !entry.file_type()?.is_file() || process_alive(pid) {
            continue;
        }
        match fs::remove_file(entry.path()) {
            Ok(()) => removed.push(entry.path()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
    }
    Ok(removed)
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
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
fn process_alive(pid: u32) -> bool {
    pid == std::process::id()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_recognised_and_never_notebooks() {
        let dir = tempfile::tempdir().unwrap();
        let (path, file) = create_temp(dir.path(), OsStr::new("a.ipynb")).unwrap();
        drop(file);
        let name = path.file_name().unwrap();
        assert!(!name.to_string_lossy().ends_with(".ipynb"));
        assert_eq!(temp_file_writer(name), Some(std::process::id()));
        assert_eq!(temp_file_writer(OsStr::new("a.ipynb")), None);
        assert_eq!(temp_file_writer(OsStr::new(".a.sagedesk-tmp-12-xyz")), None);
        // The writer (this process) is alive: its file stays.
        assert!(remove_stale_temp_files(dir.path()).unwrap().is_empty());
        let long = "é".repeat(200) + ".ipynb";
        let (path, _) = create_temp(dir.path(), OsStr::new(&long)).unwrap();
        assert!(path.file_name().unwrap().len() <= NAME_MAX);
    }

    #[test]
    fn noreplace_refuses_an_existing_target() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        fs::write(&a, "a").unwrap();
        fs::write(&b, "b").unwrap();
        let err = rename_noreplace(&a, &b).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&b).unwrap(), b"b");
        rename_noreplace(&a, &dir.path().join("c")).unwrap();
        assert!(!a.exists());
    }

    #[cfg(unix)]
    #[test]
    fn permissions_survive_a_replace() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.ipynb");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, b"new", Replace::Replace).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
