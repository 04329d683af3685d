//! The count of messages each session dropped ([`Session::dropped_messages`]):
//! summed over the session's kernels, and published for other processes.
//! `sagedesk ps` runs apart from the app that owns the kernel, so the count
//! goes into a file per container, `<data dir>/dropped/<container name>`,
//! holding the number. The file exists only while the count is above 0 and
//! the session lives.
//!
//! [`Session::dropped_messages`]: super::Session::dropped_messages

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::watch;

use super::record::data_dir;
use crate::notebook::atomic::{Replace, write_atomic};

/// The longest a new count waits to be written: a flood of forged messages
/// makes a write a second, not one each.
const PACE: Duration = Duration::from_secs(1);

/// Adds what one kernel's client drops to the session's count, until the
/// client goes. By differences, so that a client that goes and the next
/// one never count over each other.
pub(super) async fn count_dropped(mut client: watch::Receiver<u64>, session: watch::Sender<u64>) {
    let mut counted = 0;
    loop {
        let now = *client.borrow_and_update();
        if now > counted {
            session.send_modify(|n| *n += now - counted);
            counted = now;
        }
        if client.changed().await.is_err() {
            return;
        }
    }
}

/// The folder of published counts: `<data dir>/dropped`.
#[derive(Debug, Clone)]
pub struct DroppedCounts {
    dir: PathBuf,
}

impl DroppedCounts {
    pub fn new(data_dir: &Path) -> DroppedCounts {
        DroppedCounts {
            dir: data_dir.join("dropped"),
        }
    }

    /// The counts in [`data_dir`].
    pub fn default_location() -> DroppedCounts {
        DroppedCounts::new(&data_dir())
    }

    fn path(&self, name: &str) -> PathBuf {
        // Container names are ours (`sagedesk-<hex>`): no separators in them.
        self.dir.join(name.replace(['/', '\\'], "_"))
    }

    /// The count published for the container `name`; 0 when none is.
    pub fn load(&self, name: &str) -> u64 {
        std::fs::read_to_string(self.path(name))
            .ok()
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(0)
    }

    fn save(&self, name: &str, count: u64) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        write_atomic(
            &self.path(name),
            format!("{count}\n").as_bytes(),
            Replace::Replace,
        )
    }

    fn remove(&self, name: &str) {
        let _ = std::fs::remove_file(self.path(name));
    }

    /// Keeps the count of the session whose container is `name` published
    /// while `dropped` (its [`Session::watch_dropped`]) lives; then removes
    /// it. Meant to be spawned.
    ///
    /// [`Session::watch_dropped`]: super::Session::watch_dropped
    pub async fn publish(self, name: String, dropped: watch::Receiver<u64>) {
        self.publish_every(PACE, name, dropped).await
    }

    async fn publish_every(self, pace: Duration, name: String, mut dropped: watch::Receiver<u64>) {
        loop {
            let count = *dropped.borrow_and_update();
            if count > 0
                && let Err(err) = self.save(&name, count)
            {
                eprintln!("sagedesk: the dropped-message count of {name} is not published: {err}");
            }
            // A change is written at once, unless one was written less than
            // `pace` ago: then at the end of it.
            tokio::time::sleep(pace).await;
            if dropped.changed().await.is_err() {
                break;
            }
        }
        self.remove(&name);
    }

    /// Removes the counts of containers not in `existing` (left by a
    /// process that was killed).
    pub fn prune(&self, existing: &[&str]) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if !existing.contains(&name) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_count_is_published_while_the_session_lives() {
        let data = tempfile::tempdir().unwrap();
        let counts = DroppedCounts::new(data.path());
        let (tx, rx) = watch::channel(0);
        let pace = Duration::from_millis(50);
        let publishing = tokio::spawn(counts.clone().publish_every(pace, "sagedesk-a".into(), rx));
        // The file shows `count` within a second.
        let shows = async |count: u64| {
            for _ in 0..100 {
                if counts.load("sagedesk-a") == count {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            false
        };
        tokio::time::sleep(pace).await;
        assert!(
            !counts.path("sagedesk-a").exists(),
            "nothing while none dropped"
        );
        tx.send_replace(3);
        assert!(shows(3).await);
        // Many more at once: the last count, within the pace.
        for n in 4..1000 {
            tx.send_replace(n);
        }
        assert!(shows(999).await);
        drop(tx);
        publishing.await.unwrap();
        assert!(!counts.path("sagedesk-a").exists(), "gone with the session");
        assert_eq!(counts.load("sagedesk-a"), 0);

        counts.save("sagedesk-b", 1).unwrap();
        counts.save("sagedesk-c", 2).unwrap();
        counts.prune(&["sagedesk-c"]);
        assert_eq!(counts.load("sagedesk-b"), 0);
        assert_eq!(counts.load("sagedesk-c"), 2);
    }
}
