//! The user's settings and their defaults. The desktop shell stores them
//! (with tauri-plugin-store); the command line reads and writes a JSON file
//! with [`Settings::load`] and [`Settings::save`].
//!
//! A settings file that cannot be read as settings never stops the app: the
//! defaults are used, the file is renamed aside
//! (`settings.json.corrupt-20250131T120000Z`) so nothing the user wrote is
//! lost or overwritten, and a warning says so.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::engine::{KernelNetwork, Limits};
use crate::notebook::atomic::{Replace, write_atomic};

/// How many days a kernel left running at quit is kept by default.
pub const KEPT_DAYS: u32 = 7;

/// How many recent workspaces are remembered.
pub const RECENT_WORKSPACES: usize = 10;

/// The default of [`Settings::max_message_bytes`]: the kernel client's own
/// default, `kernel::MAX_FRAME` (the desk's tests hold them equal; this
/// layer may not use the kernel's).
const MAX_MESSAGE_BYTES: u64 = 256 << 20;
/// Below this, a kernel's ordinary replies (help pages, a plot) would be
/// refused.
const MIN_MESSAGE_BYTES: u64 = 1 << 20;

/// What SageDesk does with running kernels when it quits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum KernelsOnQuit {
    /// Stop them (their variables are lost).
    #[default]
    Stop,
    /// Leave them running, to reattach at the next launch.
    LeaveRunning,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Theme {
    /// Follow the system's light or dark setting.
    #[default]
    System,
    Light,
    Dark,
}

/// The user's settings. Missing keys take their defaults; keys this version
/// does not know are kept, so a newer version's settings survive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    /// The SageMath image; `None` for the one this build makes.
    pub image: Option<String>,
    /// Memory limit of a kernel's container; `None` for the machine's
    /// default (half the engine's memory, at least 2 GiB).
    pub memory_bytes: Option<i64>,
    /// A cap on a kernel's CPU, in cores; `None` for every core (at a
    /// lower weight than the desktop's).
    pub cpus: Option<f64>,
    /// Kernels reach no network beyond SageDesk (no `%pip install`, no
    /// downloads). Off by default. Either way no other container reaches a
    /// kernel.
    pub kernels_offline: bool,
    /// The longest part of a message SageDesk takes from a kernel: a longer
    /// one is refused before it is held, and the cell says so.
    pub max_message_bytes: u64,
    /// Save this long after the last edit, in milliseconds (a notebook is
    /// also saved after every finished cell).
    pub autosave_delay_ms: u64,
    pub kernels_on_quit: KernelsOnQuit,
    /// Keep one kernel started ahead of need, so that a notebook opened
    /// next has one at once (not on a machine short of memory).
    pub spare_kernel: bool,
    /// How many days a kernel left running at quit waits for a launch to
    /// take it back before it is stopped and removed.
    pub kernels_kept_days: u32,
    pub theme: Theme,
    /// The window's text size in CSS pixels (the UI's scale: everything is
    /// sized from it). Zoom (Ctrl+= and Ctrl+-) goes on top.
    pub font_size: u32,
    /// Most recent first, at most [`RECENT_WORKSPACES`]. The app opens the
    /// first at launch.
    pub recent_workspaces: Vec<PathBuf>,
    /// The notebook open last in the first recent workspace, as the
    /// workspace names it: the app opens it at launch, warming its kernel.
    pub last_notebook: Option<String>,
    /// Which version of SageDesk's settings these are: 0 for those written
    /// before the field was (a missing key is 0, not today's version).
    #[serde(default)]
    pub version: u32,
    /// Keys this version does not know. The UI does not see them in its
    /// type; they reach it, and come back, with the rest of the object.
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub extra: Map<String, Value>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            image: None,
            memory_bytes: None,
            cpus: None,
            kernels_offline: false,
            max_message_bytes: MAX_MESSAGE_BYTES,
            autosave_delay_ms: 2_000,
            kernels_on_quit: KernelsOnQuit::Stop,
            spare_kernel: true,
            kernels_kept_days: KEPT_DAYS,
            theme: Theme::System,
            font_size: FONT_SIZE,
            recent_workspaces: Vec::new(),
            last_notebook: None,
            version: SETTINGS_VERSION,
            extra: Map::new(),
        }
    }
}

/// The window's text size by default, in CSS pixels, and the sizes allowed.
pub const FONT_SIZE: u32 = 16;
pub const FONT_SIZES: std::ops::RangeInclusive<u32> = 10..=28;

/// The version of the settings this SageDesk writes.
pub const SETTINGS_VERSION: u32 = 1;

/// The limits every kernel got before the machine's defaults, which
/// settings of version 0 carry whether or not the user chose them.
const VERSION_0_LIMITS: (i64, f64) = (2 << 30, 1.0);

/// Settings as loaded, and what went wrong loading them.
#[derive(Debug, Clone)]
pub struct LoadedSettings {
    pub settings: Settings,
    /// Set when the file could not be used and the defaults were taken.
    pub warning: Option<SettingsWarning>,
}

/// A settings file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct SettingsWarning {
    pub path: PathBuf,
    /// What is wrong with it.
    pub problem: String,
    /// Where the file was moved, when it was.
    pub kept_at: Option<PathBuf>,
}

impl SettingsWarning {
    fn message(&self) -> String {
        match &self.kept_at {
            Some(kept) => format!(
                "the settings in {} could not be read ({}); the defaults are used, and the file was kept as {}",
                self.path.display(),
                self.problem,
                kept.display()
            ),
            None => format!(
                "the settings in {} could not be read ({}); the defaults are used",
                self.path.display(),
                self.problem
            ),
        }
    }
}

impl Settings {
    /// The settings in a JSON object; an error names the problem.
    pub fn from_json(bytes: &[u8]) -> Result<Settings, String> {
        let value: Value = serde_json::from_slice(bytes).map_err(|err| err.to_string())?;
        if !value.is_object() {
            return Err("the file does not hold a JSON object".into());
        }
        let mut settings: Settings =
            serde_json::from_value(value).map_err(|err| err.to_string())?;
        settings.upgrade();
        settings.check()?;
        Ok(settings)
    }

    /// Whether the settings can be used; the error names the problem.
    pub fn check(&self) -> Result<(), String> {
        self.limits(&Limits::default()).check()?;
        if !FONT_SIZES.contains(&self.font_size) {
            return Err(format!(
                "fontSize {} is not between {} and {} pixels",
                self.font_size,
                FONT_SIZES.start(),
                FONT_SIZES.end()
            ));
        }
        if self.kernels_kept_days == 0 {
            return Err("kernelsKeptDays is 0: a kernel left running would go at once".into());
        }
        if self.max_message_bytes < MIN_MESSAGE_BYTES {
            return Err(format!(
                "maxMessageBytes {} is below 1 MiB",
                self.max_message_bytes
            ));
        }
        Ok(())
    }

    /// Reads the settings at `path`: the defaults when there is no file; the
    /// defaults and a warning when it cannot be used, the file then moved
    /// aside (never overwritten).
    pub fn load(path: &Path) -> LoadedSettings {
        let defaults = |problem: String, kept_at| LoadedSettings {
            settings: Settings::default(),
            warning: Some(SettingsWarning {
                path: path.to_owned(),
                problem,
                kept_at,
            }),
        };
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return LoadedSettings {
                    settings: Settings::default(),
                    warning: None,
                };
            }
            // Unreadable is not corrupt: left where it is.
            Err(err) => return defaults(err.to_string(), None),
        };
        match Settings::from_json(&bytes) {
            Ok(settings) => LoadedSettings {
                settings,
                warning: None,
            },
            Err(problem) => match keep_aside(path, SystemTime::now()) {
                Ok(kept) => defaults(problem, Some(kept)),
                Err(err) => defaults(format!("{problem}; moving it aside failed: {err}"), None),
            },
        }
    }

    /// Writes the settings to `path` atomically.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let mut text = serde_json::to_string_pretty(self).map_err(io::Error::other)?;
        text.push('\n');
        write_atomic(path, text.as_bytes(), Replace::Replace)
    }

    /// Puts `workspace` first in the recent workspaces (forgetting the last
    /// notebook when it is another workspace).
    pub fn note_recent_workspace(&mut self, workspace: &Path) {
        if self.recent_workspaces.first().map(PathBuf::as_path) != Some(workspace) {
            self.last_notebook = None;
        }
        self.recent_workspaces.retain(|p| p != workspace);
        self.recent_workspaces.insert(0, workspace.to_owned());
        self.recent_workspaces.truncate(RECENT_WORKSPACES);
    }

    /// The network these settings put kernels on.
    pub fn kernel_network(&self) -> KernelNetwork {
        if self.kernels_offline {
            KernelNetwork::Offline
        } else {
            KernelNetwork::Outbound
        }
    }

    /// Settings written before the machine's defaults saved the old fixed
    /// limits (2 GiB, 1 CPU) with everything else, chosen or not: those
    /// values go back to the machine's defaults. Any other value was a
    /// choice, and stays.
    fn upgrade(&mut self) {
        if self.version == 0 {
            if self.memory_bytes == Some(VERSION_0_LIMITS.0)
                && self.cpus == Some(VERSION_0_LIMITS.1)
            {
                self.memory_bytes = None;
                self.cpus = None;
            }
            self.version = SETTINGS_VERSION;
        }
    }

    /// The container limits these settings ask for, on a machine whose
    /// defaults are `machine` ([`Limits::for_machine`]): the user's choices
    /// win.
    pub fn limits(&self, machine: &Limits) -> Limits {
        Limits {
            memory_bytes: self.memory_bytes.unwrap_or(machine.memory_bytes),
            cpus: self.cpus.or(machine.cpus),
            ..machine.clone()
        }
    }
}

/// Renames `path` to `PATH.corrupt-<UTC time>`, with a number added if that
/// name is taken.
fn keep_aside(path: &Path, now: SystemTime) -> io::Result<PathBuf> {
    let stamp = utc_stamp(now);
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".corrupt-{stamp}"));
    let base = PathBuf::from(name);
    let mut target = base.clone();
    for n in 2u32.. {
        match crate::notebook::atomic::rename_noreplace(path, &target) {
            Ok(()) => return Ok(target),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                let mut next = base.clone().into_os_string();
                next.push(format!("-{n}"));
                target = PathBuf::from(next);
            }
            Err(err) => return Err(err),
        }
    }
    unreachable!("some number is free")
}

/// `20250131T120000Z`.
fn utc_stamp(now: SystemTime) -> String {
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// `2025-01-31 12:00`, from seconds since 1970.
pub fn utc_minute(secs: u64) -> String {
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60
    )
}

/// The proleptic Gregorian date of a day counted from 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn stamps_are_utc_dates() {
        assert_eq!(utc_stamp(UNIX_EPOCH), "19700101T000000Z");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400 + 3_723); // 2000-02-29 01:02:03
        assert_eq!(utc_stamp(t), "20000229T010203Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_735_689_599); // 2024-12-31 23:59:59
        assert_eq!(utc_stamp(t), "20241231T235959Z");
    }

    #[test]
    fn missing_keys_take_defaults_and_unknown_keys_stay() {
        let settings = Settings::from_json(br#"{"theme": "dark", "future": {"x": 1}}"#).unwrap();
        assert_eq!(settings.theme, Theme::Dark);
        assert_eq!(settings.kernels_on_quit, KernelsOnQuit::Stop);
        assert_eq!(settings.memory_bytes, None, "the machine's default");
        assert_eq!(settings.kernel_network(), KernelNetwork::Outbound);
        let back = serde_json::to_value(&settings).unwrap();
        assert_eq!(back["future"], serde_json::json!({"x": 1}));
        assert_eq!(back["kernelsOnQuit"], "stop");
        let leave = Settings::from_json(br#"{"kernelsOnQuit": "leaveRunning"}"#).unwrap();
        assert_eq!(leave.kernels_on_quit, KernelsOnQuit::LeaveRunning);
        let offline = Settings::from_json(br#"{"kernelsOffline": true}"#).unwrap();
        assert_eq!(offline.kernel_network(), KernelNetwork::Offline);
        assert!(Settings::from_json(br#"{"theme": "purple"}"#).is_err());
        assert!(Settings::from_json(br#"{"cpus": 0}"#).is_err());
        // Rounded to 0 ns of CPU a second, it would be no limit at all.
        assert!(Settings::from_json(br#"{"cpus": 1e-12}"#).is_err());
        assert!(Settings::from_json(br#"{"cpus": 0.05}"#).is_err());
        assert!(Settings::from_json(br#"{"cpus": 0.1}"#).is_ok());
        assert_eq!(settings.max_message_bytes, 256 << 20);
        assert!(Settings::from_json(br#"{"maxMessageBytes": 1000}"#).is_err());
        assert!(Settings::from_json(b"[]").is_err());
    }

    #[test]
    fn limits_fit_the_machine_unless_the_user_chose_them() {
        let machine = Limits::for_machine(24 << 30);
        let defaults = Settings::default().limits(&machine);
        assert_eq!(defaults.memory_bytes, 12 << 30);
        assert_eq!(defaults.cpus, None, "every core");
        let chosen = Settings {
            memory_bytes: Some(3 << 30),
            cpus: Some(1.5),
            ..Settings::default()
        };
        assert_eq!(chosen.limits(&machine).memory_bytes, 3 << 30);
        assert_eq!(chosen.limits(&machine).cpus, Some(1.5));
        // Written before the machine's defaults, with the fixed limits every
        // kernel then got: those are not choices.
        let old = Settings::from_json(br#"{"memoryBytes": 2147483648, "cpus": 1.0}"#).unwrap();
        assert_eq!((old.memory_bytes, old.cpus), (None, None));
        assert_eq!(old.version, SETTINGS_VERSION);
        // Anything else was a choice, and stays.
        let old = Settings::from_json(br#"{"memoryBytes": 4294967296, "cpus": 1.0}"#).unwrap();
        assert_eq!((old.memory_bytes, old.cpus), (Some(4 << 30), Some(1.0)));
        let now = Settings::from_json(br#"{"memoryBytes": 2147483648, "cpus": 1.0, "version": 1}"#)
            .unwrap();
        assert_eq!((now.memory_bytes, now.cpus), (Some(2 << 30), Some(1.0)));
    }

    #[test]
    fn recent_workspaces_are_most_recent_first_and_bounded() {
        let mut settings = Settings::default();
        for i in 0..12 {
            settings.note_recent_workspace(Path::new(&format!("/w{i}")));
        }
        settings.last_notebook = Some("a.ipynb".into());
        settings.note_recent_workspace(Path::new("/w11"));
        assert_eq!(settings.last_notebook.as_deref(), Some("a.ipynb"));
        settings.note_recent_workspace(Path::new("/w5"));
        assert_eq!(settings.last_notebook, None);
        assert_eq!(settings.recent_workspaces.len(), RECENT_WORKSPACES);
        assert_eq!(settings.recent_workspaces[0], Path::new("/w5"));
        assert_eq!(settings.recent_workspaces[1], Path::new("/w11"));
    }
}
