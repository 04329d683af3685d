//! What it takes to reattach to a kernel left running when the app quit:
//! the container's name and the session's key, kept in the app's data
//! folder, readable by its owner only (the key lets anyone who has it run
//! code in the kernel).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::engine::{KernelNetwork, Limits, ManagedContainer, Owner};

/// A kernel left running for the next launch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRecord {
    /// The container's name.
    pub name: String,
    /// The session's HMAC key, as in the container's connection file.
    pub key: String,
    pub image: String,
    pub kernel_argv: Vec<String>,
    pub workspace: Option<PathBuf>,
    /// The notebook the kernel served, as the workspace names it.
    #[serde(default)]
    pub notebook: Option<String>,
    /// The network its container is on (records of versions before there
    /// was a choice read as the outbound one).
    #[serde(default)]
    pub network: KernelNetwork,
    pub limits: Limits,
    /// The process using the kernel again, once a launch has reattached to
    /// it (the container's owner label still names the process that made
    /// it); `None` while it waits for the next launch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_by: Option<Owner>,
    /// When the app left it running, in seconds since 1970 (records of
    /// versions before this read the record file's time instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_at: Option<u64>,
    /// The grace time of its dead man's switch, in seconds, as it was
    /// started (records of versions before the switch have none: their
    /// kernels have no switch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alone_stop_after_secs: Option<u64>,
}

impl SessionRecord {
    /// Waiting for a launch to reattach to it: left running, and not taken
    /// by a process that is still there.
    pub fn waiting(&self) -> bool {
        self.attached_by.as_ref().is_none_or(Owner::is_gone)
    }
}

/// The folder of session records: `<data dir>/sessions`.
#[derive(Debug, Clone)]
pub struct RecordStore {
    dir: PathBuf,
}

/// SageDesk's data folder: `SAGEDESK_DATA_DIR` if set, else the platform's
/// (`$XDG_DATA_HOME/sagedesk` or `~/.local/share/sagedesk` on Linux,
/// `~/Library/Application Support/SageDesk` on macOS, `%APPDATA%\SageDesk`
/// on Windows).
pub fn data_dir() -> PathBuf {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = var("SAGEDESK_DATA_DIR") {
        return dir;
    }
    let home = var("HOME")
        .or_else(|| var("USERPROFILE"))
        .unwrap_or_else(|| ".".into());
    if cfg!(target_os = "macos") {
        home.join("Library/Application Support/SageDesk")
    } else if cfg!(windows) {
        var("APPDATA").unwrap_or(home).join("SageDesk")
    } else {
        var("XDG_DATA_HOME")
            .unwrap_or_else(|| home.join(".local/share"))
            .join("sagedesk")
    }
}

impl RecordStore {
    pub fn new(data_dir: &Path) -> RecordStore {
        RecordStore {
            dir: data_dir.join("sessions"),
        }
    }

    /// The store in [`data_dir`].
    pub fn default_location() -> RecordStore {
        RecordStore::new(&data_dir())
    }

    /// The data folder the store is in (the one given to [`RecordStore::new`]).
    pub fn data_folder(&self) -> &Path {
        self.dir.parent().unwrap_or(&self.dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        // Container names are ours (`sagedesk-<hex>`): no separators in them.
        self.dir
            .join(format!("{}.json", name.replace(['/', '\\'], "_")))
    }

    /// Writes the record, owner-only, replacing any of the same name.
    pub fn save(&self, record: &SessionRecord) -> std::io::Result<()> {
        create_private_dir(&self.dir)?;
        let path = self.path(&record.name);
        let tmp = path.with_extension("json.tmp");
        let mut file = private_file(&tmp)?;
        file.write_all(&serde_json::to_vec_pretty(record).map_err(std::io::Error::other)?)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)
    }

    /// Every record, skipping files that do not parse.
    pub fn load_all(&self) -> Vec<SessionRecord> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .filter_map(|e| std::fs::read(e.path()).ok())
            .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
            .collect()
    }

    /// The record of the kernel left running for this notebook of this
    /// workspace and waiting for a launch, if any.
    pub fn find(&self, workspace: &Path, notebook: &str) -> Option<SessionRecord> {
        self.load_all().into_iter().find(|r| {
            r.waiting()
                && r.workspace.as_deref() == Some(workspace)
                && r.notebook.as_deref() == Some(notebook)
        })
    }

    /// The record of the container of this name, if it parses.
    pub fn load(&self, name: &str) -> Option<SessionRecord> {
        serde_json::from_slice(&std::fs::read(self.path(name)).ok()?).ok()
    }

    /// Marks the record as taken by this process: the kernel is kept (not
    /// collected as an orphan) while this process lives.
    pub fn attach(&self, record: &SessionRecord) -> std::io::Result<()> {
        self.save(&SessionRecord {
            attached_by: Some(Owner::current()),
            ..record.clone()
        })
    }

    /// Why a record keeps the container of this name from orphan
    /// collection, if it does: it waits for a launch (left running, or
    /// taken by a process that is gone: the next launch takes it again) and
    /// was left less than `kept_days` days before `now`, or a live process
    /// reattached to it. A kernel left running goes when it is stopped, its
    /// notebook deleted, or those days have passed.
    pub fn keeps(&self, name: &str, kept_days: u32, now: SystemTime) -> Option<String> {
        let record = self.load(name)?;
        if let Some(owner) = &record.attached_by
            && !record.waiting()
        {
            return Some(format!("SageDesk process {} took it back", owner.pid));
        }
        let left_at = record
            .left_at
            .map(|secs| UNIX_EPOCH + Duration::from_secs(secs))
            .or_else(|| std::fs::metadata(self.path(name)).ok()?.modified().ok())?;
        let days = now.duration_since(left_at).unwrap_or_default().as_secs() / 86_400;
        (days < u64::from(kept_days)).then(|| {
            format!(
                "left running for the next launch of SageDesk {}; it goes after {kept_days} days",
                match days {
                    0 => "today".to_string(),
                    1 => "1 day ago".to_string(),
                    n => format!("{n} days ago"),
                }
            )
        })
    }

    pub fn remove(&self, name: &str) -> std::io::Result<()> {
        let _ = std::fs::remove_file(self.assignment(name));
        match std::fs::remove_file(self.path(name)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    fn assignment(&self, name: &str) -> PathBuf {
        self.data_folder()
            .join("assigned")
            .join(name.replace(['/', '\\'], "_"))
    }

    /// The spare kernel of the container `name` now serves the notebook
    /// `notebook` (its label, set when it was made, cannot say so).
    pub fn assign(&self, name: &str, notebook: &str) -> std::io::Result<()> {
        let path = self.assignment(name);
        if let Some(dir) = path.parent() {
            create_private_dir(dir)?;
        }
        private_file(&path)?.write_all(notebook.as_bytes())
    }

    /// `containers` with the notebook each spare kernel was given, and the
    /// assignments of containers that are gone forgotten.
    pub fn with_assignments(&self, mut containers: Vec<ManagedContainer>) -> Vec<ManagedContainer> {
        for container in containers
            .iter_mut()
            .filter(|c| c.spare && c.notebook.is_none())
        {
            container.notebook = std::fs::read_to_string(self.assignment(&container.name)).ok();
        }
        if let Ok(entries) = std::fs::read_dir(self.data_folder().join("assigned")) {
            for entry in entries.filter_map(Result::ok) {
                let name = entry.file_name().to_string_lossy().into_owned();
                if !containers.iter().any(|c| c.name == name) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        containers
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::create(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str) -> SessionRecord {
        SessionRecord {
            name: name.into(),
            key: "k".into(),
            image: "i".into(),
            kernel_argv: vec!["python".into()],
            workspace: None,
            notebook: None,
            network: KernelNetwork::Outbound,
            limits: Limits::default(),
            attached_by: None,
            left_at: None,
            alone_stop_after_secs: None,
        }
    }

    #[test]
    fn records_round_trip_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = RecordStore::new(dir.path());
        let now = SystemTime::now();
        store.save(&record("sagedesk-a")).unwrap();
        assert!(store.keeps("sagedesk-a", 7, now).is_some());
        assert!(store.keeps("sagedesk-b", 7, now).is_none());
        assert_eq!(store.load_all(), vec![record("sagedesk-a")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir.path().join("sessions")), 0o700);
            assert_eq!(mode(&dir.path().join("sessions/sagedesk-a.json")), 0o600);
        }
        assert_eq!(
            store.keeps("sagedesk-a", 7, now).unwrap(),
            "left running for the next launch of SageDesk today; it goes after 7 days"
        );
        // Taken by this (live) process: still kept, no longer waiting.
        store.attach(&record("sagedesk-a")).unwrap();
        assert_eq!(
            store.keeps("sagedesk-a", 7, now).unwrap(),
            format!("SageDesk process {} took it back", std::process::id())
        );
        assert!(!store.load("sagedesk-a").unwrap().waiting());
        // Taken by a process that is gone: waiting for the next launch
        // again, and kept until then.
        let gone = Owner {
            pid: u32::MAX - 1,
            start: None,
            ..Owner::current()
        };
        store
            .save(&SessionRecord {
                attached_by: Some(gone),
                ..record("sagedesk-a")
            })
            .unwrap();
        assert!(store.keeps("sagedesk-a", 7, now).is_some());
        assert!(store.load("sagedesk-a").unwrap().waiting());
        store.remove("sagedesk-a").unwrap();
        store.remove("sagedesk-a").unwrap();
        assert!(store.load_all().is_empty());
    }

    #[test]
    fn a_kernel_left_running_is_kept_for_its_days_then_collected() {
        let dir = tempfile::tempdir().unwrap();
        let store = RecordStore::new(dir.path());
        let left = UNIX_EPOCH + Duration::from_secs(1_795_849_717);
        store
            .save(&SessionRecord {
                left_at: Some(1_795_849_717),
                ..record("sagedesk-a")
            })
            .unwrap();
        let day = Duration::from_secs(86_400);
        let after = |days: u64| left + day * days as u32;
        assert!(
            store
                .keeps("sagedesk-a", 7, after(1))
                .unwrap()
                .contains("1 day ago")
        );
        assert!(store.keeps("sagedesk-a", 7, after(6)).is_some());
        assert_eq!(store.keeps("sagedesk-a", 7, after(7)), None);
        assert_eq!(
            store.keeps("sagedesk-a", 30, after(7)).map(|_| ()),
            Some(())
        );
        // Taken back by a live process: kept, whatever its age.
        store
            .attach(&SessionRecord {
                left_at: Some(1_795_849_717),
                ..record("sagedesk-a")
            })
            .unwrap();
        assert!(store.keeps("sagedesk-a", 7, after(100)).is_some());
    }
}
