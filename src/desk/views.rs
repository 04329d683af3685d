//! What the desk's operations answer with: plain values a front end shows
//! as they are (the window receives them as JSON, with TypeScript types
//! generated from these).

use serde::Serialize;

use crate::notebook::CellView;
use crate::workspace::Settings;

/// A notebook as the sidebar lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NotebookItem {
    /// Shown to people: the name without `.ipynb`.
    pub name: String,
    /// The key the other operations take: its name in the workspace.
    pub path: String,
}

impl NotebookItem {
    /// The entry for the notebook the workspace names `path`.
    pub fn new(path: String) -> NotebookItem {
        NotebookItem {
            name: path.trim_end_matches(".ipynb").to_string(),
            path,
        }
    }
}

/// An image from the workspace, for the window to show: its type and its
/// bytes in base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImageData {
    pub mime: String,
    pub data: String,
}

/// An opened workspace: its folder and its notebooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WorkspaceInfo {
    pub path: String,
    pub notebooks: Vec<NotebookItem>,
}

/// An opened notebook, as the window shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NotebookDoc {
    pub path: String,
    pub cells: Vec<CellView>,
    /// The widget state saved in the notebook (ipywidgets' format), shown
    /// until its kernel has the widgets again.
    #[serde(rename = "widgetState", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>", optional))]
    pub widget_state: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A save that went through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Saved {
    /// When, in RFC 3339 (UTC, milliseconds): `2026-11-28T07:08:37.123Z`.
    pub saved_at: String,
}

/// Where a deleted notebook went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Trashed {
    /// Its place in the workspace, e.g. `.trash/a.ipynb`.
    pub trashed_to: String,
}

/// The kernel's completions at a cursor. Offsets are in Unicode code
/// points, as Jupyter counts them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Completions {
    pub matches: Vec<String>,
    pub cursor_start: usize,
    pub cursor_end: usize,
}

/// The kernel's help on the name at a cursor.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Help {
    pub found: bool,
    /// A MIME bundle (`text/plain` with ANSI colours).
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub data: serde_json::Value,
}

/// A kernel of the image, tried: what it said and how long it took.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct KernelCheck {
    /// What `version()` answered (`passagemath version 10.8.13, Release Date: …`).
    pub version: String,
    /// From asking for a kernel to its answer.
    pub seconds: f64,
}

/// The settings in use, and why the saved ones could not be used if they
/// could not.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SettingsView {
    pub settings: Settings,
    pub warning: Option<String>,
    /// What a kernel gets where the settings leave a limit to the machine;
    /// `None` while no engine answers.
    pub defaults: Option<KernelDefaults>,
}

/// A kernel's limits by default on this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct KernelDefaults {
    /// Half the engine's memory, at least 2 GiB.
    pub memory_bytes: i64,
    /// The memory the engine's containers share (0 when it did not say).
    pub engine_memory_bytes: i64,
    /// The engine's cores, every one of which a kernel may use (0 when it
    /// did not say).
    pub cores: u32,
}
