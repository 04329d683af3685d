//! Names stay inside the workspace: `..`, absolute paths and symbolic links
//! leading out are refused, and nothing is written outside.

#![cfg(unix)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use sagedesk::workspace::{TRASH, Workspace, WorkspaceError};

/// Every path under `dir` with its content (folders and links by kind).
fn tree(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let what = if meta.file_type().is_symlink() {
                format!("link to {}", fs::read_link(&path).unwrap().display())
            } else if meta.is_dir() {
                stack.push(path.clone());
                "folder".into()
            } else {
                String::from_utf8_lossy(&fs::read(&path).unwrap()).into_owned()
            };
            found.insert(path, what);
        }
    }
    found
}

struct Setup {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    outside: PathBuf,
    workspace: Workspace,
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("ws");
    let outside = tmp.path().join("outside");
    fs::create_dir_all(root.join("sub")).unwrap();
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("victim.ipynb"), "outside notebook").unwrap();
    symlink(&outside, root.join("out")).unwrap();
    symlink(outside.join("victim.ipynb"), root.join("evil.ipynb")).unwrap();
    symlink("../../outside", root.join("sub/up")).unwrap();
    symlink(outside.join("nothing.ipynb"), root.join("dangling.ipynb")).unwrap();
    let workspace = Workspace::open(&root).unwrap();
    workspace.new_notebook("mine", "10.8").unwrap();
    Setup {
        _tmp: tmp,
        root,
        outside,
        workspace,
    }
}

/// What `sagedesk new NAME --workspace DIR` asks of the core (its listing
/// and its notebook are tested with the command, in src/cli/).
fn new_command(dir: &Path, name: &str) -> Result<PathBuf, WorkspaceError> {
    Workspace::open_or_create(dir)?.new_notebook(name, "10.8")
}

fn refused(result: Result<PathBuf, WorkspaceError>, code: &str, what: &str) {
    match result {
        Err(err) => assert_eq!(err.code(), code, "{what}: {err}"),
        Ok(path) => panic!("{what} was allowed: {}", path.display()),
    }
}

#[test]
fn escaping_names_are_refused_and_nothing_is_written_outside() {
    let s = setup();
    let outside_before = tree(&s.outside);
    let abs = s.outside.join("abs.ipynb");
    let abs = abs.to_str().unwrap();
    let ws = &s.workspace;

    for name in [
        "../x",
        "sub/../../x",
        "..",
        "/tmp/x",
        abs,
        "a/./b",
        ".trash/x",
        "sub\\..\\x",
    ] {
        refused(ws.new_notebook(name, "10.8"), "invalid_name", name);
        refused(ws.rename("mine", name), "invalid_name", name);
        refused(ws.delete(name), "invalid_name", name);
        refused(new_command(&s.root, name), "invalid_name", name);
    }
    for name in ["out/x", "sub/up/x", "out/victim", "evil", "dangling"] {
        refused(ws.new_notebook(name, "10.8"), "outside_workspace", name);
        refused(ws.rename("mine", name), "outside_workspace", name);
        refused(new_command(&s.root, name), "outside_workspace", name);
    }
    for name in ["evil", "out/victim", "sub/up/victim"] {
        refused(ws.delete(name), "outside_workspace", name);
        refused(ws.rename(name, "fine"), "outside_workspace", name);
        assert_eq!(
            ws.open_notebook(name).unwrap_err().code(),
            "outside_workspace"
        );
    }
    let err = ws.new_notebook("out/x", "10.8").unwrap_err().to_string();
    assert!(err.contains("leads outside the workspace"), "{err}");

    assert_eq!(
        tree(&s.outside),
        outside_before,
        "something was written outside"
    );
    assert!(s.root.join("mine.ipynb").is_file());
    assert!(!s.root.join(TRASH).exists(), "no delete went through");
}

#[test]
fn a_trash_that_leads_outside_is_not_used() {
    let s = setup();
    let outside_before = tree(&s.outside);
    symlink(&s.outside, s.root.join(TRASH)).unwrap();
    let err = s.workspace.delete("mine").unwrap_err();
    assert!(err.to_string().contains(".trash"), "{err}");
    assert!(s.root.join("mine.ipynb").is_file());
    assert_eq!(tree(&s.outside), outside_before);
}

#[test]
fn create_rename_delete_inside_the_workspace() {
    let s = setup();
    let ws = &s.workspace;
    // `new` refuses to overwrite.
    assert_eq!(
        ws.new_notebook("mine", "10.8").unwrap_err().code(),
        "already_exists"
    );
    // Folders are created on the way, inside.
    let nested = ws.new_notebook("ch1/part 2/limits", "10.8").unwrap();
    assert_eq!(
        nested,
        s.root
            .canonicalize()
            .unwrap()
            .join("ch1/part 2/limits.ipynb")
    );
    // A relative link inside the workspace is fine.
    symlink("sub", s.root.join("alias")).unwrap();
    ws.new_notebook("alias/linked", "10.8").unwrap();
    assert!(s.root.join("sub/linked.ipynb").is_file());
    // An absolute one is not followed, even to a place inside: absolute
    // paths are not the same inside the kernel's container and outside it,
    // and a link a kernel makes is not trusted to mean the laptop's.
    symlink(s.root.join("sub"), s.root.join("absolute")).unwrap();
    assert_eq!(
        ws.new_notebook("absolute/linked", "10.8")
            .unwrap_err()
            .code(),
        "outside_workspace"
    );

    let moved = ws.rename("mine", "sub/renamed").unwrap();
    assert!(moved.ends_with("sub/renamed.ipynb") && moved.is_file());
    assert!(!s.root.join("mine.ipynb").exists());
    assert_eq!(
        ws.rename("sub/renamed", "ch1/part 2/limits")
            .unwrap_err()
            .code(),
        "already_exists"
    );
    assert_eq!(ws.rename("nothing", "x").unwrap_err().code(), "not_found");

    // Deleting moves into .trash; the same name twice gets a number.
    let content = fs::read(&moved).unwrap();
    let first = ws.delete("sub/renamed").unwrap();
    ws.new_notebook("renamed", "10.8").unwrap();
    let second = ws.delete("renamed").unwrap();
    assert_eq!(
        first,
        s.root.canonicalize().unwrap().join(".trash/renamed.ipynb")
    );
    assert_eq!(
        second,
        s.root
            .canonicalize()
            .unwrap()
            .join(".trash/renamed 2.ipynb")
    );
    assert_eq!(fs::read(&first).unwrap(), content);
    assert_eq!(ws.delete("renamed").unwrap_err().code(), "not_found");

    // The listing: notebooks in folders, not in hidden ones; folder links
    // are not followed (the notebook behind `alias` is listed as `sub/`).
    fs::create_dir(s.root.join(".ipynb_checkpoints")).unwrap();
    fs::write(s.root.join(".ipynb_checkpoints/x-checkpoint.ipynb"), "{}").unwrap();
    fs::write(s.root.join("data.csv"), "1,2").unwrap();
    let names: Vec<String> = ws
        .notebooks()
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["ch1/part 2/limits.ipynb", "sub/linked.ipynb"]);
    let listed = Workspace::open(&s.root).unwrap().notebooks().unwrap();
    assert_eq!(listed.len(), 2);
}
