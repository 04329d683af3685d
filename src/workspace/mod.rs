//! A workspace: a folder the user owns, full of notebooks and data, mounted
//! into the kernel's container at `/home/sage/work`.
//!
//! Notebook names stay inside the folder ([`names`]): absolute paths, `..`
//! and symbolic links leading out are refused before anything is written.
//! The file system's root and SageDesk's data folder are never workspaces
//! ([`check_allowed`]).
//! Deleting moves a notebook into the workspace's `.trash` folder. The
//! user's settings ([`settings`]) are defined here too.

mod allowed;
mod checkpoints;
mod error;
mod folder;
mod images;
pub mod names;
pub mod settings;

pub use allowed::check_allowed;
pub use error::WorkspaceError;
pub use folder::{NotebookEntry, TRASH, Workspace};
pub use images::{IMAGE_MAX_BYTES, WorkspaceImage};
pub use settings::{KernelsOnQuit, LoadedSettings, Settings, SettingsWarning, Theme};
