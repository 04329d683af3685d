//! Opening and saving notebook files: corrupt files are refused with an
//! error naming the problem and are never written; a file changed by
//! another program is never silently overwritten.

use std::fs;
use std::path::Path;
use std::time::SystemTime;

use sagedesk::notebook::{
    ConflictKind, FormatError, Notebook, NotebookError, NotebookFile, SaveOutcome,
};
use sagedesk::workspace::Workspace;

fn snapshot(path: &Path) -> (Vec<u8>, SystemTime) {
    (
        fs::read(path).unwrap(),
        fs::metadata(path).unwrap().modified().unwrap(),
    )
}

#[test]
fn corrupt_notebooks_are_refused_and_left_alone() {
    let valid = Notebook::new_sage("10.8").to_json();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.ipynb",
            valid.as_bytes()[..valid.len() / 2].to_vec(),
            "not valid JSON at line",
        ),
        ("empty.ipynb", Vec::new(), "the file is empty"),
        (
            "garbage.ipynb",
            b"\x00\x01PK\x03\x04 binary".to_vec(),
            "not valid JSON at line 1",
        ),
        (
            "latin1.ipynb",
            b"{\"cells\": \"\xe9\"}".to_vec(),
            "not valid JSON",
        ),
        (
            "list.ipynb",
            b"[1, 2, 3]\n".to_vec(),
            "holds a list, not a JSON object",
        ),
        (
            "settings.ipynb",
            b"{\"theme\": \"dark\"}".to_vec(),
            "no \"nbformat\" version",
        ),
        (
            "v3.ipynb",
            b"{\"nbformat\": 3, \"nbformat_minor\": 0, \"metadata\": {}, \"worksheets\": []}"
                .to_vec(),
            "format 3.0",
        ),
        (
            "nosource.ipynb",
            br#"{"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                 "cells": [{"id": "a", "cell_type": "code", "metadata": {},
                            "execution_count": null, "outputs": []}]}"#
                .to_vec(),
            "cells[0] has no \"source\"",
        ),
        (
            "badtype.ipynb",
            br#"{"nbformat": 4, "nbformat_minor": 4, "metadata": {},
                 "cells": [{"cell_type": "heading", "metadata": {}, "source": "x"}]}"#
                .to_vec(),
            "cells[0].cell_type is \"heading\"",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let workspace = Workspace::open(dir.path()).unwrap();
    for (name, bytes, problem) in cases {
        let path = dir.path().join(name);
        fs::write(&path, &bytes).unwrap();
        let before = snapshot(&path);

        let err = NotebookFile::open(&path).unwrap_err();
        let message = err.to_string();
        assert!(
            matches!(err, NotebookError::Format { .. }),
            "{name}: {err:?}"
        );
        assert_eq!(err.code(), "notebook_invalid");
        assert!(
            message.contains(&path.display().to_string()),
            "{name}: {message}"
        );
        assert!(message.contains(problem), "{name}: {message}");
        let err = workspace.open_notebook(name).unwrap_err();
        assert!(err.to_string().contains(problem), "{name}: {err}");

        assert_eq!(snapshot(&path), before, "{name} was touched");
    }
    // The JSON position is given as numbers too, for the UI.
    let path = dir.path().join("truncated.ipynb");
    match NotebookFile::open(&path).unwrap_err() {
        NotebookError::Format {
            source: FormatError::Json { line, column, .. },
            ..
        } => assert!(line > 1 && column > 0, "{line}:{column}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_file_changed_by_another_program_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("n.ipynb");
    let mut file = NotebookFile::create(&path, Notebook::new_sage("10.8")).unwrap();
    let id = file.notebook().cells[0].id.clone();

    // Another program saves its own version, same size or not.
    let mut theirs = Notebook::new_sage("10.8");
    theirs.cells[0].set_source("theirs = 1");
    fs::write(&path, theirs.to_json()).unwrap();
    assert_eq!(file.conflict().unwrap(), Some(ConflictKind::Modified));

    file.notebook_mut()
        .cell_mut(&id)
        .unwrap()
        .set_source("ours = 2");
    let err = file.save().unwrap_err();
    assert!(
        matches!(
            err,
            NotebookError::Conflict {
                kind: ConflictKind::Modified,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), "notebook_conflict");
    assert!(
        err.to_string()
            .contains("changed on disk by another program"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), theirs.to_json());

    // The user keeps theirs: reload.
    file.reload().unwrap();
    assert_eq!(file.notebook().cells[0].source_text(), "theirs = 1");
    assert_eq!(file.conflict().unwrap(), None);

    // Or keeps ours: overwrite, explicitly.
    let id = file.notebook().cells[0].id.clone();
    file.notebook_mut()
        .cell_mut(&id)
        .unwrap()
        .set_source("ours = 2");
    fs::write(&path, "{}").unwrap();
    assert!(file.save().is_err());
    file.save_overwriting().unwrap();
    assert!(fs::read_to_string(&path).unwrap().contains("ours = 2"));
    file.save().unwrap();

    // A file removed meanwhile is a conflict too.
    fs::remove_file(&path).unwrap();
    let err = file.save().unwrap_err();
    assert!(
        matches!(
            err,
            NotebookError::Conflict {
                kind: ConflictKind::Removed,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!path.exists());
    file.save_overwriting().unwrap();
    assert!(path.exists());
}

#[test]
fn create_never_replaces_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("n.ipynb");
    fs::write(&path, "precious").unwrap();
    let err = NotebookFile::create(&path, Notebook::new_sage("10.8")).unwrap_err();
    assert!(
        matches!(err, NotebookError::AlreadyExists { .. }),
        "{err:?}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), "precious");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[cfg(unix)]
#[test]
fn saving_keeps_permissions_and_links() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.ipynb");
    NotebookFile::create(&real, Notebook::new_sage("10.8")).unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).unwrap();
    let link = dir.path().join("link.ipynb");
    symlink("real.ipynb", &link).unwrap();

    let mut file = NotebookFile::open(&link).unwrap();
    let id = file.notebook().cells[0].id.clone();
    file.notebook_mut()
        .cell_mut(&id)
        .unwrap()
        .set_source("through the link");
    file.save().unwrap();

    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::read_to_string(&real)
            .unwrap()
            .contains("through the link")
    );
    let mode = fs::metadata(&real).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

/// A notebook swapped for a link leading out of its folder (what notebook
/// code in a kernel can do to the workspace) is never written or read
/// through, by a save or by a save that keeps this version over the file:
/// the outside file stays byte for byte, and the notebook is kept beside
/// the link under a new name, where later saves go.
#[cfg(unix)]
#[test]
fn a_notebook_swapped_for_a_link_out_is_kept_aside_never_written_through() {
    use std::os::unix::fs::symlink;
    let top = tempfile::tempdir().unwrap();
    let work = top.path().join("work");
    fs::create_dir(&work).unwrap();
    let outside = top.path().join(".bashrc");
    fs::write(&outside, "export PATH=$HOME/bin:$PATH\n").unwrap();
    let before = fs::read(&outside).unwrap();

    for keep_mine in [false, true] {
        let path = work.join(format!("n{keep_mine}.ipynb"));
        let mut file = NotebookFile::create(&path, Notebook::new_sage("10.8")).unwrap();
        let id = file.notebook().cells[0].id.clone();
        file.notebook_mut()
            .cell_mut(&id)
            .unwrap()
            .set_source("my work");
        // The swap.
        fs::remove_file(&path).unwrap();
        symlink("../.bashrc", &path).unwrap();
        assert!(matches!(
            file.conflict(),
            Err(NotebookError::LeadsOut { .. })
        ));

        let outcome = if keep_mine {
            file.save_overwriting().unwrap()
        } else {
            file.save().unwrap()
        };
        assert_eq!(
            outcome,
            SaveOutcome::KeptAside {
                replaced: path.file_name().unwrap().into()
            }
        );
        assert_eq!(
            fs::read(&outside).unwrap(),
            before,
            "written through the link"
        );
        let kept = work.join(format!("n{keep_mine} (kept).ipynb"));
        assert_eq!(file.path(), kept);
        assert!(fs::read_to_string(&kept).unwrap().contains("my work"));
        // The link is left as it was, and later saves go to the kept file.
        assert!(
            fs::symlink_metadata(&path)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        file.notebook_mut()
            .cell_mut(&id)
            .unwrap()
            .set_source("more work");
        assert_eq!(file.save().unwrap(), SaveOutcome::Written);
        assert!(fs::read_to_string(&kept).unwrap().contains("more work"));
        assert_eq!(fs::read(&outside).unwrap(), before);
    }
    // Opening through such a link is refused, and reads nothing.
    assert!(matches!(
        NotebookFile::open(work.join("nfalse.ipynb")),
        Err(NotebookError::LeadsOut { .. })
    ));
}
