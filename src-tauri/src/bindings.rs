//! The TypeScript declarations of everything that crosses to the UI: the
//! commands' arguments and answers, what their channels and events carry,
//! and the error they reject with.
//!
//! ts-rs derives them from the Rust types, following their serde attributes.
//! They are committed in `ui/src/lib/bindings/`, one file per type and an
//! `index.ts`, and `tests/bindings.rs` fails when those files are not what
//! the types give. After changing a type that crosses to the UI, rewrite
//! them with
//!
//! ```sh
//! UPDATE_BINDINGS=1 cargo test -p sagedesk-app --test bindings
//! ```

use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use sagedesk::desk::{
    CommWire, Completions, DeskEvent, Help, ImageData, KernelCheck, NotebookDoc, NotebookItem,
    Saved, SettingsView, Trashed, WidgetEvent, WorkspaceInfo,
};
use sagedesk::doctor::Report;
use sagedesk::engine::{BuildEvent, ImageInfo};
use sagedesk::notebook::CellEdit;
use sagedesk::session::{CellUpdate, InterruptOutcome};
use sagedesk::workspace::Settings;
use ts_rs::{Config, ExportError, TS, TypeVisitor};

use crate::error::ErrorBody;

/// Where the files go, relative to this crate's folder.
pub const DIR: &str = "../ui/src/lib/bindings";

/// The index's name in [`DIR`]; every other file there holds one type.
pub const INDEX: &str = "index.ts";

/// Every file of [`DIR`], by name, with its text.
///
/// # Errors
///
/// When ts-rs cannot declare a type (one without a file of its own).
pub fn files() -> Result<BTreeMap<String, String>, ExportError> {
    // serde_json writes 64-bit integers as JSON numbers and the webview
    // reads them as numbers (exact up to 2^53, beyond any count or size
    // here), not as `bigint`.
    let cfg = Config::new().with_large_int("number");
    let mut files = Files {
        cfg: &cfg,
        seen: HashSet::new(),
        files: BTreeMap::new(),
        error: None,
    };
    // The commands' answers and arguments.
    files.visit::<Report>();
    files.visit::<ImageInfo>();
    files.visit::<KernelCheck>();
    files.visit::<WorkspaceInfo>();
    files.visit::<NotebookItem>();
    files.visit::<Trashed>();
    files.visit::<NotebookDoc>();
    files.visit::<CellEdit>();
    files.visit::<Saved>();
    files.visit::<InterruptOutcome>();
    files.visit::<Completions>();
    files.visit::<Help>();
    files.visit::<CommWire>();
    files.visit::<ImageData>();
    files.visit::<SettingsView>();
    files.visit::<Settings>();
    files.visit::<sagedesk::export::Format>();
    // What the channels and events carry.
    files.visit::<BuildEvent>();
    files.visit::<CellUpdate>();
    files.visit::<WidgetEvent>();
    files.visit::<DeskEvent>();
    // What every command rejects with.
    files.visit::<ErrorBody>();
    if let Some(err) = files.error {
        return Err(err);
    }
    let mut files = files.files;
    let index = files
        .keys()
        .map(|file| {
            let name = file.trim_end_matches(".ts");
            format!("export type {{ {name} }} from \"./{name}\";\n")
        })
        .collect::<String>();
    files.insert(
        INDEX.to_string(),
        format!(
            "// The types of the files beside this one. Generated with them: see \
             src-tauri/src/bindings.rs.\n\n{index}"
        ),
    );
    Ok(files)
}

/// Collects the file of each type it visits, and of each type those depend on.
struct Files<'a> {
    cfg: &'a Config,
    seen: HashSet<TypeId>,
    files: BTreeMap<String, String>,
    error: Option<ExportError>,
}

impl TypeVisitor for Files<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Types without a file of their own (strings, vectors, options) are
        // written inline where they are used.
        let Some(path) = T::output_path() else {
            return;
        };
        if self.error.is_some() || !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        match T::export_to_string(self.cfg) {
            Ok(text) => {
                let name = file_name(path);
                let previous = self.files.insert(name.clone(), text);
                assert!(
                    previous.is_none(),
                    "two Rust types are both named {name} in TypeScript: rename one with #[ts(rename = \"...\")]"
                );
            }
            Err(err) => self.error = Some(err),
        }
        T::visit_dependencies(self);
    }
}

fn file_name(path: PathBuf) -> String {
    path.to_string_lossy().replace('\\', "/")
}
