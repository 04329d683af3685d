//! A folder opened once, through which every read and write of the files
//! below it goes.
//!
//! Notebook code runs in a kernel that has the workspace mounted read-write,
//! so it can swap a notebook, or a folder on the way to one, for a symbolic
//! link to anywhere on the laptop (`../../.bashrc`), at any moment, even
//! between a check and a write. So names are never resolved by path: the
//! folder is opened once as a handle, and each name is resolved against
//! that handle one component at a time, following a symbolic link only
//! while it stays below the folder (cap-std's sandboxed resolution: `openat`
//! with `O_NOFOLLOW` step by step, or `openat2` with `RESOLVE_BENEATH` where
//! Linux has it). A name that leads out fails, whenever the swap happened;
//! a rename replaces the link itself, never what it points to. Nothing is
//! written or read outside the folder.

use std::ffi::OsStr;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use cap_std::ambient_authority;
use cap_std::fs::{Dir, File, Metadata, OpenOptions};

use super::atomic::{TEMP_MARK, process_alive, temp_file_writer};

/// Longest file name most file systems take, in bytes.
const NAME_MAX: usize = 255;

/// How [`Folder::write_atomic`] treats a file already at the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// Replace it, keeping its permissions (and its owner, where allowed).
    Replace,
    /// Fail with `AlreadyExists` and leave it alone.
    Never,
}

/// An open folder: names below it are relative paths (`ch1/a.ipynb`).
#[derive(Debug)]
pub struct Folder {
    dir: Dir,
    /// Where it was opened, for messages and for the files' paths as the
    /// rest of the system shows them.
    path: PathBuf,
}

impl Folder {
    /// Opens the folder at `path` (following links on the way to it: this is
    /// the one place a path is trusted, and it is the user's choice).
    pub fn open(path: &Path) -> io::Result<Folder> {
        Ok(Folder {
            dir: Dir::open_ambient_dir(path, ambient_authority())?,
            path: path.to_path_buf(),
        })
    }

    /// Where the folder was opened.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file `name` as the rest of the system names it.
    pub fn join(&self, name: &Path) -> PathBuf {
        self.path.join(name)
    }

    /// The content of the file `name`.
    pub fn read(&self, name: &Path) -> io::Result<Vec<u8>> {
        self.dir.read(name)
    }

    /// What `name` is, following links that stay inside.
    pub fn metadata(&self, name: &Path) -> io::Result<Metadata> {
        self.dir.metadata(name)
    }

    /// What the entry `name` is, itself (a link is a link).
    pub fn symlink_metadata(&self, name: &Path) -> io::Result<Metadata> {
        self.dir.symlink_metadata(name)
    }

    /// Where `name` really is below the folder, its links followed while they
    /// stay inside.
    pub fn canonicalize(&self, name: &Path) -> io::Result<PathBuf> {
        self.dir.canonicalize(name)
    }

    /// Whether `name`, or a folder on the way to it, is a symbolic link that
    /// leads out of the folder (or to nothing that could be checked).
    pub fn leads_out(&self, name: &Path) -> bool {
        match self.dir.symlink_metadata(name) {
            Ok(meta) if meta.is_symlink() => self.dir.canonicalize(name).is_err(),
            Ok(_) => false,
            Err(err) => is_escape(&err),
        }
    }

    /// Creates the folder `name` and the folders on the way to it.
    pub fn create_dir_all(&self, name: &Path) -> io::Result<()> {
        if name.as_os_str().is_empty() {
            return Ok(());
        }
        self.dir.create_dir_all(name)
    }

    /// Creates the folder `name` (its parent must exist); one that exists
    /// is no error.
    pub fn create_dir(&self, name: &Path) -> io::Result<()> {
        match self.dir.create_dir(name) {
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Ok(()),
            other => other,
        }
    }

    /// Writes `bytes` to the file `name` so that a crash at any moment leaves
    /// the old content or the new one, never a mix (see
    /// [`atomic`](super::atomic)). A name that is a link staying inside is
    /// written where it points, so the link stays; one leading out is
    /// refused (`PermissionDenied`), and nothing is written.
    pub fn write_atomic(&self, name: &Path, bytes: &[u8], replace: Replace) -> io::Result<()> {
        let name = match self.dir.symlink_metadata(name) {
            Ok(meta) if meta.is_symlink() => self.dir.canonicalize(name)?,
            _ => name.to_path_buf(),
        };
        let (parent, file_name) = self.parent_of(&name)?;
        let (temp_name, mut file) = create_temp(&parent, file_name)?;
        let written = (|| {
            if replace == Replace::Replace {
                copy_permissions(&parent, file_name, &file)?;
            }
            file.write_all(bytes)?;
            // The data must be on the disk before the rename makes it the
            // file: otherwise a crash can leave the new name on empty blocks.
            file.sync_all()
        })();
        drop(file);
        let renamed = written.and_then(|()| match replace {
            // A rename replaces the entry, never what a link there points to.
            Replace::Replace => parent.rename(&temp_name, &parent, file_name),
            Replace::Never => {
                rename_noreplace_in(&parent, temp_name.as_os_str(), &parent, file_name)
            }
        });
        if let Err(err) = renamed {
            let _ = parent.remove_file(&temp_name);
            return Err(err);
        }
        // The file is saved; a folder that cannot be flushed only makes the
        // rename less durable across a power cut.
        if let Err(err) = sync(&parent) {
            eprintln!(
                "sagedesk: {} was saved, but its folder could not be flushed: {err}",
                self.join(&name).display()
            );
        }
        Ok(())
    }

    /// Renames `from` to `to` (both below the folder), failing with
    /// `AlreadyExists` when `to` exists, atomically where the system allows
    /// it. Links are neither followed nor replaced.
    pub fn rename_noreplace(&self, from: &Path, to: &Path) -> io::Result<()> {
        let (from_dir, from_name) = self.parent_of(from)?;
        let (to_dir, to_name) = self.parent_of(to)?;
        rename_noreplace_in(&from_dir, from_name, &to_dir, to_name)?;
        let _ = sync(&from_dir);
        let _ = sync(&to_dir);
        Ok(())
    }

    /// Removes SageDesk's temporary files in the folder `name` (not below
    /// it) left by writers that are no longer running, such as a save cut
    /// short by a crash. Returns their names. Other files are never touched.
    pub fn remove_stale_temp_files(&self, name: &Path) -> io::Result<Vec<PathBuf>> {
        let dir = self.open_dir(name)?;
        let mut removed = Vec::new();
        for entry in dir.entries()? {
            let entry = entry?;
            let file_name = entry.file_name();
            let Some(pid) = temp_file_writer(&file_name) else {
                continue;
            };
            if !entry.file_type()?.is_file() || process_alive(pid) {
                continue;
            }
            match dir.remove_file(&file_name) {
                Ok(()) => removed.push(name.join(&file_name)),
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => return Err(err),
            }
        }
        Ok(removed)
    }

    fn open_dir(&self, name: &Path) -> io::Result<Dir> {
        if name.as_os_str().is_empty() {
            self.dir.try_clone()
        } else {
            self.dir.open_dir(name)
        }
    }

    /// The folder holding `name`, opened, and its last component.
    fn parent_of<'a>(&self, name: &'a Path) -> io::Result<(Dir, &'a OsStr)> {
        let file_name = match name.components().next_back() {
            Some(Component::Normal(file_name)) => file_name,
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{} is not a file's name", name.display()),
                ));
            }
        };
        let parent = name.parent().unwrap_or(Path::new(""));
        Ok((self.open_dir(parent)?, file_name))
    }
}

/// Whether `err` is the refusal of a name that leads out of its folder.
pub fn is_escape(err: &io::Error) -> bool {
    // cap-std's words for it; a plain permission problem has the system's.
    err.kind() == io::ErrorKind::PermissionDenied
        && err.to_string().contains("led outside of the filesystem")
}

/// Flushes a folder's entries (a rename in it) to the disk.
#[cfg(unix)]
fn sync(dir: &Dir) -> io::Result<()> {
    dir.open(".")?.sync_all()
}

/// Windows has no way to flush a folder; its renames are journaled.
#[cfg(not(unix))]
fn sync(_dir: &Dir) -> io::Result<()> {
    Ok(())
}

fn create_temp(dir: &Dir, name: &OsStr) -> io::Result<(PathBuf, File)> {
    let name = name.to_string_lossy();
    let pid = std::process::id();
    loop {
        let tail = format!("{TEMP_MARK}{pid}-{}", crate::id::random_hex(4));
        let room = NAME_MAX.saturating_sub(tail.len() + 1);
        let temp_name = PathBuf::from(format!(".{}{tail}", truncate(&name, room)));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        match dir.open_with(&temp_name, &options) {
            Ok(file) => return Ok((temp_name, file)),
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
fn copy_permissions(dir: &Dir, name: &OsStr, file: &File) -> io::Result<()> {
    use cap_std::fs::MetadataExt;
    use std::os::fd::AsRawFd;
    let old = match dir.metadata(name) {
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
fn copy_permissions(dir: &Dir, name: &OsStr, file: &File) -> io::Result<()> {
    match dir.metadata(name) {
        Ok(old) => file.set_permissions(old.permissions()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(err),
    }
}

/// Renames the entry `from` of `from_dir` to `to` in `to_dir` (plain names,
/// no folders), failing with `AlreadyExists` when `to` exists.
fn rename_noreplace_in(from_dir: &Dir, from: &OsStr, to_dir: &Dir, to: &OsStr) -> io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use std::ffi::CString;
        use std::os::fd::AsRawFd;
        use std::os::unix::ffi::OsStrExt;
        let from_c = CString::new(from.as_bytes())?;
        let to_c = CString::new(to.as_bytes())?;
        // SAFETY: two open folders and two NUL-terminated names that live
        // across the call; the names are single components, so nothing is
        // resolved beyond the folders.
        let done = unsafe {
            libc::renameat2(
                from_dir.as_raw_fd(),
                from_c.as_ptr(),
                to_dir.as_raw_fd(),
                to_c.as_ptr(),
                libc::RENAME_NOREPLACE,
            )
        };
        if done == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        // File systems without RENAME_NOREPLACE answer EINVAL; old kernels
        // ENOSYS. They get the link-then-remove below.
        if !matches!(err.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) {
            return Err(err);
        }
    }
    // A hard link fails when the target exists, atomically.
    match from_dir.hard_link(from, to_dir, to) {
        Ok(()) => return from_dir.remove_file(from),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => return Err(err),
        Err(_) => {}
    }
    if to_dir.symlink_metadata(to).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} already exists", to.to_string_lossy()),
        ));
    }
    from_dir.rename(from, to_dir, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_recognised_and_never_notebooks() {
        let dir = tempfile::tempdir().unwrap();
        let folder = Folder::open(dir.path()).unwrap();
        let (name, file) = create_temp(&folder.dir, OsStr::new("a.ipynb")).unwrap();
        drop(file);
        assert!(!name.to_string_lossy().ends_with(".ipynb"));
        assert_eq!(temp_file_writer(name.as_os_str()), Some(std::process::id()));
        // The writer (this process) is alive: its file stays.
        assert!(
            folder
                .remove_stale_temp_files(Path::new(""))
                .unwrap()
                .is_empty()
        );
        let long = "é".repeat(200) + ".ipynb";
        let (name, _) = create_temp(&folder.dir, OsStr::new(&long)).unwrap();
        assert!(name.as_os_str().len() <= NAME_MAX);
    }

    #[test]
    fn noreplace_refuses_an_existing_target() {
        let dir = tempfile::tempdir().unwrap();
        let folder = Folder::open(dir.path()).unwrap();
        std::fs::write(dir.path().join("a"), "a").unwrap();
        std::fs::write(dir.path().join("b"), "b").unwrap();
        let err = folder
            .rename_noreplace(Path::new("a"), Path::new("b"))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(dir.path().join("b")).unwrap(), b"b");
        folder.create_dir(Path::new("sub")).unwrap();
        folder
            .rename_noreplace(Path::new("a"), Path::new("sub/c"))
            .unwrap();
        assert!(!dir.path().join("a").exists());
        assert_eq!(std::fs::read(dir.path().join("sub/c")).unwrap(), b"a");
    }

    #[cfg(unix)]
    #[test]
    fn permissions_survive_a_replace() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let folder = Folder::open(dir.path()).unwrap();
        let path = dir.path().join("n.ipynb");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        folder
            .write_atomic(Path::new("n.ipynb"), b"new", Replace::Replace)
            .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// A workspace with a file outside it and the links a kernel could make.
    #[cfg(unix)]
    fn with_links() -> (tempfile::TempDir, Folder) {
        let top = tempfile::tempdir().unwrap();
        let inside = top.path().join("work");
        std::fs::create_dir_all(inside.join("ch1")).unwrap();
        std::fs::write(top.path().join("secret"), "outside").unwrap();
        std::fs::write(inside.join("ch1/real.ipynb"), "inside").unwrap();
        let link =
            |target: &str, at: &str| std::os::unix::fs::symlink(target, inside.join(at)).unwrap();
        link("../secret", "out.ipynb");
        link(
            top.path().join("secret").to_str().unwrap(),
            "absolute.ipynb",
        );
        link("ch1/real.ipynb", "in.ipynb");
        link("..", "up");
        link("nowhere", "dangling.ipynb");
        let folder = Folder::open(&inside).unwrap();
        (top, folder)
    }

    #[cfg(unix)]
    #[test]
    fn links_leading_out_are_neither_read_nor_written() {
        let (top, folder) = with_links();
        let secret = top.path().join("secret");
        for name in ["out.ipynb", "absolute.ipynb", "up/secret"] {
            let name = Path::new(name);
            assert!(folder.leads_out(name), "{}", name.display());
            let err = folder.read(name).unwrap_err();
            assert!(is_escape(&err), "{}: {err}", name.display());
            let err = folder
                .write_atomic(name, b"notebook", Replace::Replace)
                .unwrap_err();
            assert!(is_escape(&err), "{}: {err}", name.display());
        }
        assert_eq!(std::fs::read(&secret).unwrap(), b"outside");
        // No temporary file was left anywhere.
        assert_eq!(std::fs::read_dir(top.path()).unwrap().count(), 2);
        // A link staying inside is written where it points; the link stays.
        assert!(!folder.leads_out(Path::new("in.ipynb")));
        folder
            .write_atomic(Path::new("in.ipynb"), b"saved", Replace::Replace)
            .unwrap();
        assert_eq!(
            std::fs::read(folder.join(Path::new("ch1/real.ipynb"))).unwrap(),
            b"saved"
        );
        assert!(
            folder
                .symlink_metadata(Path::new("in.ipynb"))
                .unwrap()
                .is_symlink()
        );
        // A link to nothing cannot be checked: it counts as leading out.
        assert!(folder.leads_out(Path::new("dangling.ipynb")));
        // A rename moves the link itself, never what it points to.
        folder
            .rename_noreplace(Path::new("out.ipynb"), Path::new("moved.ipynb"))
            .unwrap();
        assert_eq!(std::fs::read(&secret).unwrap(), b"outside");
        let err = folder
            .rename_noreplace(Path::new("in.ipynb"), Path::new("up/escaped.ipynb"))
            .unwrap_err();
        assert!(is_escape(&err), "{err}");
        assert!(!top.path().join("escaped.ipynb").exists());
    }
}
