//! Saving onto a full disk: a clear error naming the full disk, the old file
//! intact byte for byte, no temporary file left. The disk is a real 256 KiB
//! tmpfs (mounting one needs root, as CI's tests run).

#![cfg(target_os = "linux")]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sagedesk::notebook::{Notebook, NotebookError, NotebookFile};
use serde_json::json;

/// A mounted tmpfs, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .expect("running mount");
        assert!(
            out.status.success(),
            "this test mounts a {size} tmpfs to fill it, which needs root (CI runs the tests as \
             root); mount said: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        SmallDisk { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn a_full_disk_fails_the_save_and_keeps_the_old_file() {
    let disk = SmallDisk::mount("256k");
    let path: PathBuf = disk.path().join("n.ipynb");
    let mut file = NotebookFile::create(&path, Notebook::new_sage("10.8")).unwrap();
    let before = fs::read(&path).unwrap();

    // About 1 MB of output: four times the disk.
    let id = file.notebook().cells[0].id.clone();
    let big = "x".repeat(1 << 20);
    file.notebook_mut()
        .cell_mut(&id)
        .unwrap()
        .set_nbformat_outputs(
            vec![json!({"output_type": "stream", "name": "stdout", "text": big})],
            Some(1),
        );
    let err = file.save().unwrap_err();
    assert!(matches!(err, NotebookError::DiskFull { .. }), "{err:?}");
    assert_eq!(err.code(), "disk_full");
    let message = err.to_string();
    assert!(message.contains("is full"), "{message}");
    assert!(
        message.contains(&disk.path().display().to_string()),
        "{message}"
    );

    assert!(fs::read(&path).unwrap() == before, "the old file changed");
    let names: Vec<_> = fs::read_dir(disk.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["n.ipynb"], "a temporary file was left");

    // Once there is room (a smaller output), saving works again.
    file.notebook_mut()
        .cell_mut(&id)
        .unwrap()
        .set_nbformat_outputs(
            vec![json!({"output_type": "stream", "name": "stdout", "text": "small\n"})],
            Some(1),
        );
    file.save().unwrap();
    assert!(fs::read_to_string(&path).unwrap().contains("small"));
}
