//! The workspace followed on disk: notebooks another program (or a kernel)
//! adds, removes or renames show in the window's list without a refresh.
//! The system's file notifications (inotify, FSEvents, ReadDirectoryChanges
//! through the `notify` crate) say that something changed; the list is then
//! read again, a moment later, and sent when it differs.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use tokio::task::JoinHandle;

use crate::workspace::Workspace;

use super::events::DeskEvent;
use super::notebooks::items;
use super::open::{Desk, blocking};

/// How long changes settle before the list is read again (a save is a
/// write and a rename; a `git checkout` is many).
const SETTLE: Duration = Duration::from_millis(250);

/// A workspace being followed: dropping it stops the following.
pub(crate) struct Following {
    _watcher: RecommendedWatcher,
    task: JoinHandle<()>,
}

impl Drop for Following {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Whether a change at `path`, in the workspace at `root`, can change its
/// list of notebooks: a notebook, or a folder (which may hold some), not
/// under a hidden folder (`.trash`, `.ipynb_checkpoints`).
fn may_change_the_list(root: &Path, path: &Path) -> bool {
    let Ok(inside) = path.strip_prefix(root) else {
        return false;
    };
    let hidden = inside
        .components()
        .any(|c| c.as_os_str().to_str().is_some_and(|s| s.starts_with('.')));
    let notebook = inside
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("ipynb"));
    !hidden && (notebook || inside.extension().is_none())
}

impl Desk {
    /// Follows `workspace` on disk, in place of the one followed before.
    pub(crate) fn follow(&self, workspace: Arc<Workspace>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        // Listed before the watch begins, here and not in the task: a
        // notebook added while the task waits to run would otherwise be in
        // its first list, and never announced (the window lists after this).
        let mut last = items(&workspace).ok();
        let (changed, mut changes) = tokio::sync::mpsc::unbounded_channel();
        let root = workspace.root().to_path_buf();
        let seen = root.clone();
        let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            if let Ok(event) = event
                && event.paths.iter().any(|p| may_change_the_list(&seen, p))
            {
                let _ = changed.send(());
            }
        })
        .and_then(|mut watcher| {
            watcher.watch(&root, RecursiveMode::Recursive)?;
            Ok(watcher)
        });
        let watcher = match watcher {
            Ok(watcher) => watcher,
            Err(err) => {
                eprintln!(
                    "sagedesk: the workspace's folder is not followed for changes ({err}); its list refreshes when it opens again"
                );
                return;
            }
        };
        let desk = self.clone();
        let task = runtime.spawn(async move {
            while changes.recv().await.is_some() {
                tokio::time::sleep(SETTLE).await;
                while changes.try_recv().is_ok() {}
                let listed = workspace.clone();
                let Ok(now) = blocking(move || items(&listed)).await else {
                    continue;
                };
                if last.as_ref() != Some(&now) {
                    desk.emit(DeskEvent::Notebooks {
                        workspace: workspace.root().display().to_string(),
                        notebooks: now.clone(),
                    });
                    last = Some(now);
                }
            }
        });
        *self.inner.following.lock().expect("following lock") = Some(Following {
            _watcher: watcher,
            task,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changes_that_can_change_the_list_count() {
        let root = Path::new("/w");
        assert!(may_change_the_list(root, Path::new("/w/a.ipynb")));
        assert!(may_change_the_list(root, Path::new("/w/ch1/b.IPYNB")));
        assert!(may_change_the_list(root, Path::new("/w/ch1")));
        assert!(!may_change_the_list(root, Path::new("/w/data.csv")));
        assert!(!may_change_the_list(root, Path::new("/w/.trash/a.ipynb")));
        assert!(!may_change_the_list(
            root,
            Path::new("/w/.ipynb_checkpoints/a-checkpoint.ipynb")
        ));
        assert!(!may_change_the_list(root, Path::new("/elsewhere/a.ipynb")));
    }
}
