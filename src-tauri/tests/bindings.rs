//! The TypeScript types committed in ui/src/lib/bindings/ are what the Rust
//! types generate (see src-tauri/src/bindings.rs): a type changed on one
//! side only fails here, before the UI can read a shape the shell no longer
//! sends. Rewrite them with
//!
//! ```sh
//! UPDATE_BINDINGS=1 cargo test -p sagedesk-app --test bindings
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sagedesk_app::bindings;

const REGENERATE: &str = "UPDATE_BINDINGS=1 cargo test -p sagedesk-app --test bindings";

/// The `.ts` files in `dir`, by name.
fn committed(dir: &Path) -> BTreeMap<String, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "ts"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            (name, text)
        })
        .collect()
}

/// Where `old` and `new` first differ, for the failure message.
fn first_difference(old: &str, new: &str) -> String {
    let mut old_lines = old.lines();
    let mut new_lines = new.lines();
    for number in 1.. {
        match (old_lines.next(), new_lines.next()) {
            (Some(a), Some(b)) if a == b => continue,
            (None, None) => break,
            (a, b) => {
                return format!(
                    "line {number}:\n    committed: {}\n    generated: {}",
                    a.unwrap_or("(end of file)"),
                    b.unwrap_or("(end of file)")
                );
            }
        }
    }
    "line endings".to_string()
}

#[test]
fn ui_bindings_are_what_the_rust_types_generate() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(bindings::DIR);
    let generated = bindings::files().expect("every type crossing to the UI has a declaration");
    let committed = committed(&dir);

    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for name in committed.keys().filter(|n| !generated.contains_key(*n)) {
            std::fs::remove_file(dir.join(name)).unwrap();
        }
        for (name, text) in &generated {
            if committed.get(name) != Some(text) {
                std::fs::write(dir.join(name), text).unwrap();
            }
        }
        return;
    }

    // As the repository names them.
    let shown = |name: &str| format!("{}/{name}", bindings::DIR.trim_start_matches("../"));
    let mut problems = Vec::new();
    for (name, text) in &generated {
        match committed.get(name) {
            None => problems.push(format!("{} is missing", shown(name))),
            Some(old) if old != text => problems.push(format!(
                "{} is stale, at {}",
                shown(name),
                first_difference(old, text)
            )),
            Some(_) => {}
        }
    }
    for name in committed.keys().filter(|n| !generated.contains_key(*n)) {
        problems.push(format!(
            "{} is not generated from any Rust type (one was removed or renamed)",
            shown(name)
        ));
    }
    assert!(
        problems.is_empty(),
        "the UI's TypeScript types are not what the Rust types generate:\n{}\nRewrite them with\n    {REGENERATE}",
        problems.join("\n")
    );
}
