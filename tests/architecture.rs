//! The layers of the core, enforced on its source: every `crate::<module>`
//! a file of `src/` names (in `use` lines, grouped `use crate::{a, b}`
//! forms included, and in paths in code) must be one its module may use.
//! A failure names the file, the line and the forbidden arrow.
//!
//! `src/main.rs` and `src/cli/` are the `sagedesk` binary, which may use
//! the whole core, and are not checked. Comments are not references;
//! string literals are, because attributes name paths in them
//! (`#[ts(as = "crate::…")]`, `#[serde(with = "crate::…")]`). `super::`
//! paths are not followed: they stay inside the module that writes them.

use std::fmt;
use std::path::{Path, PathBuf};

/// What a top-level module of the core may use besides itself.
enum May {
    /// These modules, and the neutral ones.
    Use(&'static [&'static str]),
    /// Every module.
    UseAll,
}

/// Modules with no dependency in the crate, which every other module may
/// use: error codes, random ids, the pacer of batches, byte sizes in words.
const NEUTRAL: &[&str] = &["error_code", "id", "pacer", "size"];

/// Every top-level module of the core, with what it may use. A module not
/// listed fails the test: a new module takes a decision here.
const LAYERS: &[(&str, May)] = &[
    // The notebook file format: data and its rules, nothing that runs.
    ("notebook", May::Use(&[])),
    // The container engine: it runs containers and knows nothing of Jupyter.
    ("engine", May::Use(&[])),
    // The Jupyter protocol: it folds what the kernel sends into the
    // notebook's output model, and knows nothing of containers.
    ("kernel", May::Use(&["notebook"])),
    // A live kernel in its container: where the engine and the kernel meet.
    ("session", May::Use(&["engine", "kernel", "notebook"])),
    // Folders of notebooks and the user's settings. The engine only because
    // Settings gives the session its engine::Limits (memory, CPUs).
    ("workspace", May::Use(&["notebook", "engine"])),
    // Notebooks as HTML pages and scripts: it reads the file format and
    // runs nothing.
    ("export", May::Use(&["notebook"])),
    // Explains to a person what is missing: the engine and the image.
    ("doctor", May::Use(&["engine"])),
    // The one front door the window and the command line call: it owns
    // what is open, so it may use everything, and nothing may use it.
    ("desk", May::UseAll),
    ("error_code", May::Use(&[])),
    ("id", May::Use(&[])),
    ("pacer", May::Use(&[])),
    ("size", May::Use(&[])),
];

/// Arrows no allow-list may ever contain, whatever else changes.
const NEVER: &[(&str, &str)] = &[
    ("engine", "kernel"),
    ("kernel", "engine"),
    ("notebook", "engine"),
    ("notebook", "kernel"),
    ("notebook", "session"),
    ("notebook", "workspace"),
    ("engine", "session"),
    ("engine", "workspace"),
    ("kernel", "session"),
    ("kernel", "workspace"),
    ("session", "workspace"),
    ("workspace", "session"),
    ("workspace", "kernel"),
    ("export", "engine"),
    ("export", "kernel"),
    ("export", "session"),
    ("export", "workspace"),
];

fn layer(module: &str) -> Option<&'static May> {
    LAYERS
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, may)| may)
}

/// Whether `from` may use `to`; `None` when `from` has no layer.
fn allowed(from: &str, to: &str) -> Option<bool> {
    let may = layer(from)?;
    Some(
        from == to
            || match may {
                May::UseAll => true,
                May::Use(list) => {
                    list.contains(&to) || (!NEUTRAL.contains(&from) && NEUTRAL.contains(&to))
                }
            }
            // Nothing but the front door itself may use the front door.
            && (to != "desk" || from == "desk"),
    )
}

/// One `crate::<module>` a file names.
#[derive(Debug, PartialEq)]
struct Reference {
    line: usize,
    module: String,
}

/// One arrow that crosses a layer.
struct Violation {
    file: String,
    line: usize,
    from: String,
    to: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rule = match layer(&self.from) {
            None => format!(
                "{} has no layer: add it to LAYERS in tests/architecture.rs",
                self.from
            ),
            Some(_) if self.to == "desk" => "nothing but desk may use desk".to_string(),
            Some(May::UseAll) => format!("{} may use everything", self.from),
            Some(May::Use(list)) => {
                let mut may: Vec<&str> = list.to_vec();
                if !NEUTRAL.contains(&self.from.as_str()) {
                    may.extend(NEUTRAL);
                }
                format!(
                    "{} may use only {}",
                    self.from,
                    if may.is_empty() {
                        "itself".to_string()
                    } else {
                        may.join(", ")
                    }
                )
            }
        };
        write!(
            f,
            "{}:{}: {} → {} is forbidden ({rule})",
            self.file, self.line, self.from, self.to
        )
    }
}

/// The source with its comments blanked out, line breaks kept, so that
/// offsets still give lines. String literals are read through (a `//` in
/// one starts no comment) and kept; character literals are blanked.
fn without_comments(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let word = |k: usize| k < chars.len() && (chars[k].is_alphanumeric() || chars[k] == '_');
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && matches!(next, Some('"' | '#')) && {
            // `r` (or `br`) starting a literal, not ending a name.
            let before = i.wrapping_sub(1);
            !word(before) || (chars[before] == 'b' && !word(before.wrapping_sub(1)))
        } {
            // A raw string: r"…", r#"…"#, br#"…"#, …
            let mut hashes = 0;
            let mut j = i + 1;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            out.extend(&chars[i..=j]);
            i = j + 1;
            while i < chars.len() {
                let closes =
                    chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#'));
                if closes {
                    out.extend(&chars[i..=i + hashes]);
                    i += hashes + 1;
                    break;
                }
                out.push(chars[i]);
                i += 1;
            }
        } else if c == '"' {
            out.push(c);
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    out.push(chars[i]);
                    i += 1;
                }
                out.push(chars[i]);
                i += 1;
            }
            if i < chars.len() {
                out.push('"');
            }
            i += 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\'', '\u{1b}'), or a
            // lifetime ('a, 'static).
            let end = if next == Some('\\') {
                (i + 3..chars.len()).find(|&k| chars[k] == '\'')
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    for _ in i..=end {
                        out.push(' ');
                    }
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Every `crate::<module>` in the source, with the line it is on: paths
/// (`crate::engine::Limits`, in `use` lines, in code, in attributes) and
/// grouped uses (`use crate::{engine::Limits, notebook}`), over several
/// lines too.
fn references(source: &str) -> Vec<Reference> {
    let code = without_comments(source);
    let line_at = |offset: usize| code[..offset].matches('\n').count() + 1;
    let ident = |text: &str| -> String {
        text.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find("crate") {
        let start = from + at;
        from = start + "crate".len();
        // `$crate`, `pub(crate)`, or a name like `my_crate` is something else.
        let before = code[..start].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let Some(rest) = code[from..].trim_start().strip_prefix("::") else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            // The first name of each item at the group's top level.
            let group_start = code.len() - group.len();
            let mut depth = 0;
            let mut item_start = true;
            for (k, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_alphanumeric() || c == '_') => {
                        item_start = false;
                        let name = ident(&group[k..]);
                        if name != "self" {
                            found.push(Reference {
                                line: line_at(group_start + k),
                                module: name,
                            });
                        }
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                found.push(Reference {
                    line: line_at(start),
                    module: name,
                });
            }
        }
    }
    found
}

/// The arrows of one file of the module `from` that cross its layer.
fn check(file: &str, from: &str, source: &str) -> Vec<Violation> {
    references(source)
        .into_iter()
        .filter(|r| allowed(from, &r.module) != Some(true))
        .map(|r| Violation {
            file: file.to_string(),
            line: r.line,
            from: from.to_string(),
            to: r.module,
        })
        .collect()
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_module_of_the_core_keeps_to_its_layer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut violations = Vec::new();
    let mut checked = 0;
    for path in rust_files(&src) {
        let relative = path.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap();
        let first = first.as_os_str().to_str().unwrap();
        // lib.rs declares the modules; main.rs and cli/ are the binary.
        if matches!(first, "lib.rs" | "main.rs" | "cli") {
            continue;
        }
        let module = first.trim_end_matches(".rs");
        let source = std::fs::read_to_string(&path).unwrap();
        let file = path.strip_prefix(root).unwrap().display().to_string();
        if layer(module).is_none() {
            violations.push(format!(
                "{file}: the module {module} has no layer: add it to LAYERS in tests/architecture.rs"
            ));
            continue;
        }
        violations.extend(check(&file, module, &source).iter().map(|v| v.to_string()));
        checked += 1;
    }
    assert!(
        checked > 30,
        "only {checked} files found under {}",
        src.display()
    );
    assert!(
        violations.is_empty(),
        "uses that cross a layer:\n{}",
        violations.join("\n")
    );
}

#[test]
fn no_allow_list_lets_the_engine_and_the_kernel_meet_or_the_notebook_run() {
    for (from, to) in NEVER {
        assert_eq!(
            allowed(from, to),
            Some(false),
            "{from} → {to} must never be allowed"
        );
    }
    for (from, _) in LAYERS {
        if *from != "desk" {
            assert_eq!(allowed(from, "desk"), Some(false), "{from} → desk");
        }
    }
    for neutral in NEUTRAL {
        for (to, _) in LAYERS {
            assert_eq!(
                allowed(neutral, to),
                Some(neutral == to),
                "{neutral} → {to}"
            );
        }
    }
}

#[test]
fn a_forbidden_use_is_named_with_its_file_line_and_arrow() {
    let source = "//! The engine.\n\nuse std::time::Duration;\nuse crate::kernel::KernelPorts;\n";
    let found: Vec<String> = check("src/engine/x.rs", "engine", source)
        .iter()
        .map(|v| v.to_string())
        .collect();
    assert_eq!(
        found,
        [
            "src/engine/x.rs:4: engine → kernel is forbidden (engine may use only error_code, id, pacer, size)"
        ]
    );
}

#[test]
fn grouped_uses_and_paths_in_code_are_references_too() {
    let source = "\
use crate::{
    id,
    notebook::{Output, StreamTail},
    session::Session,
};
use crate::{engine::Limits, size};

fn f() {
    let x = crate::desk::Desk::open();
    let y = crate ::kernel::new_key();
}
";
    let found: Vec<(usize, String)> = check("src/notebook/x.rs", "notebook", source)
        .into_iter()
        .map(|v| (v.line, v.to))
        .collect();
    assert_eq!(
        found,
        [
            (4, "session".into()),
            (6, "engine".into()),
            (9, "desk".into()),
            (10, "kernel".into()),
        ]
    );
    let all: Vec<String> = references(source).into_iter().map(|r| r.module).collect();
    assert_eq!(
        all,
        [
            "id", "notebook", "session", "engine", "size", "desk", "kernel"
        ]
    );
}

#[test]
fn comments_and_other_crates_are_not_references_attributes_are() {
    let source = r####"
// use crate::desk::Desk;
/* crate::session /* nested crate::kernel */ crate::workspace */
/// See [`crate::session::Session`].
let url = "unix://x"; let c = '"'; let q = '\''; let raw = r#"a "// b" c"#;
fn f<'a>(x: &'a str) -> &'a str { sagedesk_crate::desk(); $crate::desk(); x }
pub(crate) fn g() {}
use crate::notebook::Output; // crate::desk
#[cfg_attr(feature = "ts", ts(as = "Vec<crate::kernel::outputs::Output>"))]
"####;
    let found: Vec<(usize, String)> = references(source)
        .into_iter()
        .map(|r| (r.line, r.module))
        .collect();
    assert_eq!(
        found,
        [(8, "notebook".to_string()), (9, "kernel".to_string())]
    );
}

#[test]
fn the_front_door_may_use_everything_and_nothing_may_use_it() {
    let source = "use crate::{engine, kernel, notebook, session, workspace};\n";
    assert!(check("src/desk/open.rs", "desk", source).is_empty());
    let found = check("src/session/x.rs", "session", "use crate::desk::Desk;\n");
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].to_string(),
        "src/session/x.rs:1: session → desk is forbidden (nothing but desk may use desk)"
    );
}
