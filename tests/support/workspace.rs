//! A workspace folder as a user has one, and what must survive a fault in it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sagedesk::kernel::outputs::OutputLimits;
use sagedesk::notebook::{Notebook, NotebookFile, from_slice};
use sagedesk::session::{CellStatus, Session, forward};

/// A workspace folder as a user has one: owned by an ordinary user (so the
/// kernel runs as them), holding a notebook saved with the output of a cell
/// the kernel ran, and a file Sage wrote.
pub struct Workspace {
    dir: tempfile::TempDir,
}

/// The notebook [`Workspace::seed`] saves.
pub const NOTEBOOK: &str = "work.ipynb";
/// The file the seeding cell has Sage write.
pub const SAGE_FILE: &str = "factors.txt";
/// The seeding cell: its result goes into the notebook, and Sage writes it
/// to [`SAGE_FILE`] too.
const SEED_CODE: &str =
    "f = factor(2^64 - 1); open('/home/sage/work/factors.txt', 'w').write(str(f)); f";
/// A cell whose result is the text of [`SAGE_FILE`], read by the kernel.
pub fn read_sage_file() -> String {
    format!("open('/home/sage/work/{SAGE_FILE}').read()")
}
/// What Sage prints for the seeding cell.
pub const SEED_RESULT: &str = "3 * 5 * 17 * 257 * 641 * 65537 * 6700417";

impl Workspace {
    pub fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::chown(dir.path(), Some(4321), Some(4321)).unwrap();
        Workspace { dir }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// Runs the seeding cell in `session` (whose workspace this is), and
    /// saves the notebook with its outputs, as the app does when a cell ends.
    pub async fn seed(&self, session: &Session) {
        let mut notebook = Notebook::new_sage("10.8");
        let id = notebook.cells[0].id.clone();
        notebook.cell_mut(&id).unwrap().set_source(SEED_CODE);
        let mut file = NotebookFile::create(self.dir.path().join(NOTEBOOK), notebook).unwrap();
        let run = session.execute(SEED_CODE).unwrap();
        let done = tokio::time::timeout(
            Duration::from_secs(120),
            forward(run, OutputLimits::default(), |_| {}),
        )
        .await
        .expect("the seeding cell ends");
        assert_eq!(
            done.status,
            Some(CellStatus::Ok),
            "the seeding cell: {:?}",
            done.death
        );
        file.notebook_mut()
            .cell_mut(&id)
            .unwrap()
            .set_outputs(&done.outputs, done.execution_count.map(|c| c as u64));
        file.save().unwrap();
        let saved = std::fs::read_to_string(self.dir.path().join(NOTEBOOK)).unwrap();
        assert!(saved.contains(SEED_RESULT), "{saved}");
        assert_eq!(
            std::fs::read_to_string(self.dir.path().join(SAGE_FILE)).unwrap(),
            SEED_RESULT
        );
    }

    /// Every file in the folder, with its bytes.
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        fn walk(dir: &Path, into: &mut BTreeMap<PathBuf, Vec<u8>>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, into);
                } else {
                    into.insert(path.clone(), std::fs::read(&path).unwrap());
                }
            }
        }
        let mut files = BTreeMap::new();
        walk(self.dir.path(), &mut files);
        files
    }

    /// Nothing of `before` was lost: every file is still there with the same
    /// bytes, and the notebook still opens with the seeding cell's output.
    pub fn assert_kept(&self, before: &BTreeMap<PathBuf, Vec<u8>>, after_what: &str) {
        assert!(
            before.len() >= 2,
            "the workspace was seeded: {:?}",
            before.keys()
        );
        let now = self.snapshot();
        for (path, bytes) in before {
            match now.get(path) {
                None => panic!("{} is gone after {after_what}", path.display()),
                Some(b) => assert!(b == bytes, "{} changed after {after_what}", path.display()),
            }
        }
        let notebook = now.get(&self.dir.path().join(NOTEBOOK)).unwrap();
        let parsed = from_slice(notebook)
            .unwrap_or_else(|e| panic!("the notebook no longer opens after {after_what}: {e}"));
        assert!(parsed.notebook.to_json().contains(SEED_RESULT));
    }
}
