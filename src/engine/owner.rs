//! Who owns a container: the SageDesk process that created it, recorded in
//! the container's `org.sagedesk.owner` label. A container whose owner is
//! gone is an orphan, unless the workspace layer has chosen to keep it
//! running across a restart of the app.

use serde::{Deserialize, Serialize};

/// A process on a host, identified well enough to survive pid reuse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub host: String,
    pub pid: u32,
    /// When the process started (clock ticks since boot on Linux), so that
    /// a new process that got the same pid is not taken for the owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<u64>,
}

impl Owner {
    /// This process.
    pub fn current() -> Owner {
        let pid = std::process::id();
        Owner {
            host: hostname(),
            pid,
            start: process_start(pid),
        }
    }

    pub fn to_label(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_label(label: &str) -> Option<Owner> {
        serde_json::from_str(label).ok()
    }

    /// Whether the owner is known to be gone. An owner on another host (a
    /// remote engine shared by several machines) is never declared gone.
    pub fn is_gone(&self) -> bool {
        if self.host != hostname() {
            return false;
        }
        match (process_start(self.pid), self.start) {
            (None, _) => !process_exists(self.pid),
            (Some(now), Some(then)) => now != then,
            (Some(_), None) => false,
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// The process's start time from `/proc/PID/stat` (field 22), on Linux.
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces and parentheses: the
    // fields after it start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(unix)]
fn process_exists(pid: u32) -> bool {
    // Signal 0 checks for existence; EPERM means it exists as another user.
    let rc = unsafe { libc::kill(pid as libc::pid_t, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn process_exists(_pid: u32) -> bool {
    // Without a cheap check, assume alive: a container is never removed
    // from under a running app.
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_dead_child_is_gone() {
        assert!(!Owner::current().is_gone());
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        let owner = Owner {
            host: hostname(),
            pid,
            start: process_start(pid),
        };
        child.wait().unwrap();
        assert!(owner.is_gone());
    }

    #[test]
    fn the_label_round_trips() {
        let owner = Owner::current();
        assert_eq!(Owner::from_label(&owner.to_label()), Some(owner));
        assert_eq!(Owner::from_label("not json"), None);
    }

    #[test]
    fn an_owner_on_another_host_is_not_declared_gone() {
        let owner = Owner {
            host: "elsewhere.example".into(),
            pid: 1,
            start: Some(1),
        };
        assert!(!owner.is_gone());
    }
}
