//! `sagedesk export` on real notebooks: written by others (tests/fixtures,
//! from the shared corpus), hostile ones, and one the real kernel ran
//! (`sagedesk run`), whose Sage script then runs with `sage` in the image.
//! Only that last test needs the engine and the image.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sagedesk::desk::{Desk, DeskOptions};
use sagedesk::engine::BuildContext;
use sagedesk::export::{Format, export};
use sagedesk::session::RecordStore;
use serde_json::{Value, json};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notebooks")
}

/// A copy of a fixture in a folder of its own.
fn copy_of(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::copy(fixtures().join(name), &path).unwrap();
    (dir, path)
}

fn sagedesk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sagedesk"))
        .args(args)
        .output()
        .expect("running sagedesk")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn export_to(notebook: &Path, to: &str) -> Output {
    sagedesk(&["export", notebook.to_str().unwrap(), "--to", to])
}

/// A notebook of `cells` (`(kind, source, outputs)`) at `dir/name`.
fn notebook(dir: &Path, name: &str, cells: &[(&str, &str, Value)]) -> PathBuf {
    let path = dir.join(name);
    let cells: Vec<Value> = cells
        .iter()
        .enumerate()
        .map(|(i, (kind, source, outputs))| {
            let mut cell =
                json!({"cell_type": kind, "id": format!("c{i}"), "metadata": {}, "source": source});
            if *kind == "code" {
                cell["outputs"] = outputs.clone();
                cell["execution_count"] = if outputs.as_array().is_some_and(|o| !o.is_empty()) {
                    json!(i + 1)
                } else {
                    Value::Null
                };
            }
            cell
        })
        .collect();
    let nb = json!({
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "sagemath", "language": "sage", "display_name": "SageMath 10.8"}},
        "cells": cells,
    });
    std::fs::write(&path, serde_json::to_vec(&nb).unwrap()).unwrap();
    path
}

/// What a page fetches from elsewhere: any `src`, `href` of a stylesheet
/// or CSS `url()` leading to a network address.
fn fetches(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    [
        "src=\"http",
        "src='http",
        "src=http",
        "srcset=",
        "url(http",
        "url(\"http",
        "url('http",
        "<link",
        "@import",
    ]
    .into_iter()
    .filter(|pattern| lower.contains(pattern))
    .map(str::to_owned)
    .collect()
}

#[test]
fn a_notebook_by_others_becomes_a_page_with_its_maths_its_plots_and_mathjax() {
    let (dir, path) = copy_of("test_display_latex.ipynb");
    let out = export_to(&path, "html");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page_path = dir.path().join("test_display_latex.html");
    assert_eq!(
        text(&out.stdout).lines().next().unwrap_or(""),
        format!(
            "exported {} to {} ({})",
            path.display(),
            page_path.display(),
            sagedesk::size::decimal(std::fs::metadata(&page_path).unwrap().len())
        )
    );
    let page = std::fs::read_to_string(&page_path).unwrap();
    // Sage's LaTeX, as TeX for MathJax to typeset.
    assert!(
        page.contains("<span class=\"math\" data-display=\"true\">\\newcommand{\\Bold}[1]{\\mathbf{#1}}\\sin\\left(x^{2}\\right)</span>"),
        "the TeX of sin(x^2) is missing"
    );
    // MathJax itself, the version the window uses, and what runs it.
    assert!(page.contains("window.MathJax = {"));
    assert!(page.contains("e.VERSION=\"3.2.2\""));
    assert!(page.contains("MathJax.tex2svg("));
    // The matplotlib plots, embedded.
    let original: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let png = original["cells"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|cell| cell["outputs"].as_array().cloned().unwrap_or_default())
        .find_map(|output| output["data"]["image/png"].as_str().map(str::to_owned))
        .expect("the fixture has a PNG");
    assert!(page.contains(&format!(
        "src=\"data:image/png;base64,{}\"",
        png.replace('\n', "")
    )));
    assert_eq!(fetches(&page), Vec::<String>::new());
    // Nothing else was written, and the notebook is untouched.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(fixtures().join("test_display_latex.ipynb")).unwrap()
    );
}

#[test]
fn every_fixture_exports_to_every_format_fetching_nothing() {
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "ipynb") {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join(path.file_name().unwrap());
        std::fs::copy(&path, &copy).unwrap();
        for to in ["html", "sage", "py"] {
            let out = export_to(&copy, to);
            assert!(
                out.status.success(),
                "{} {to}: {}",
                path.display(),
                text(&out.stderr)
            );
            let written = std::fs::read_to_string(copy.with_extension(to)).unwrap();
            if to == "html" {
                assert_eq!(
                    fetches(&written),
                    Vec::<String>::new(),
                    "{}",
                    path.display()
                );
            } else {
                assert!(!written.contains('\r'), "{}", path.display());
            }
        }
    }
}

#[test]
fn a_hostile_notebook_stays_text_in_the_page_and_comments_in_the_script() {
    let dir = tempfile::tempdir().unwrap();
    let attack = "</script><script>window.pwned=1</script></code></pre></iframe><!--";
    let path = notebook(
        dir.path(),
        "hostile.ipynb",
        &[
            (
                "markdown",
                &format!(
                    "# {attack}\n\n<img src=x onerror=alert(1)> [x](javascript:alert(2)) $x$\rprint('md')"
                ),
                json!(null),
            ),
            (
                "code",
                attack,
                json!([
                    {"output_type": "stream", "name": "stdout", "text": attack},
                    {"output_type": "display_data", "metadata": {},
                     "data": {"text/html": format!("<script>parent.pwned=1</script>\"{attack}"), "text/plain": "x"}},
                    {"output_type": "display_data", "metadata": {},
                     "data": {"image/svg+xml": "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(3)\"><script>alert(4)</script></svg>"}},
                    {"output_type": "display_data", "metadata": {}, "data": {"image/png": "\"><script>alert(5)</script>"}},
                    {"output_type": "error", "ename": attack, "evalue": attack, "traceback": [attack]},
                ]),
            ),
            ("raw", attack, json!(null)),
        ],
    );
    let out = export_to(&path, "html");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = std::fs::read_to_string(dir.path().join("hostile.html")).unwrap();
    // The page's own five scripts (frame heights; MathJax's notice,
    // configuration, bundle and typesetting), no other.
    assert_eq!(page.matches("<script").count(), 5);
    assert_eq!(page.matches("</script>").count(), 5);
    assert!(!page.contains("pwned=1</script>"));
    assert!(!page.contains("<img src=x"));
    assert!(!page.contains("javascript:"));
    assert!(!page.contains("<svg xmlns"), "SVG is an image, not markup");
    assert!(!page.contains("</iframe><!--"));
    // The one frame, its document one attribute.
    assert_eq!(page.matches("<iframe").count(), 1);
    assert_eq!(page.matches("</iframe>").count(), 1);
    assert!(page.contains("sandbox=\"allow-scripts\""));
    for to in ["sage", "py"] {
        let out = export_to(&path, to);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let script = std::fs::read_to_string(dir.path().join(format!("hostile.{to}"))).unwrap();
        // The markdown's carriage return does not end its comment.
        assert!(
            script.contains(
                "# <img src=x onerror=alert(1)> [x](javascript:alert(2)) $x$\n# print('md')\n"
            ),
            "{script}"
        );
    }
}

#[test]
fn output_goes_beside_the_notebook_where_asked_or_to_stdout_never_over_it() {
    let (dir, path) = copy_of("attachments.ipynb");
    let chosen = dir.path().join("elsewhere.sage");
    let out = sagedesk(&[
        "export",
        path.to_str().unwrap(),
        "--to",
        "sage",
        "-o",
        chosen.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&chosen.display().to_string()));
    let script = std::fs::read_to_string(&chosen).unwrap();
    assert!(script.contains("# In[1]:\n\n1 + 1\n"), "{script}");
    // Replaced when it exists.
    std::fs::write(&chosen, "old").unwrap();
    assert!(
        sagedesk(&[
            "export",
            path.to_str().unwrap(),
            "--to",
            "sage",
            "-o",
            chosen.to_str().unwrap()
        ])
        .status
        .success()
    );
    assert_eq!(std::fs::read_to_string(&chosen).unwrap(), script);

    let out = sagedesk(&["export", path.to_str().unwrap(), "--to", "py", "-o", "-"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).starts_with("from sage.all import *\n"));

    let before = std::fs::read(&path).unwrap();
    for target in [path.clone(), dir.path().join("./attachments.ipynb")] {
        let out = sagedesk(&[
            "export",
            path.to_str().unwrap(),
            "--to",
            "html",
            "-o",
            target.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("is the notebook itself"),
            "{}",
            text(&out.stderr)
        );
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);

    // A PDF is printed by the app (tested with it in ui/e2e/large.mjs):
    // without it, or without a display, or to standard output, it is
    // refused with the reason, and nothing is written.
    let pdf = |app: &Path, display: bool, extra: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sagedesk"));
        command
            .args(["export", path.to_str().unwrap(), "--to", "pdf"])
            .args(extra)
            .env("SAGEDESK_APP", app)
            .env_remove("WAYLAND_DISPLAY");
        if display {
            command.env("DISPLAY", ":99");
        } else {
            command.env_remove("DISPLAY");
        }
        command.output().unwrap()
    };
    let missing = dir.path().join("no-app");
    let out = pdf(&missing, true, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("needs the SageDesk app"),
        "{}",
        text(&out.stderr)
    );
    let some_program = Path::new(env!("CARGO_BIN_EXE_sagedesk"));
    let out = pdf(some_program, false, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("needs a display"),
        "{}",
        text(&out.stderr)
    );
    let out = pdf(some_program, true, &["-o", "-"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("written to a file"),
        "{}",
        text(&out.stderr)
    );
    assert!(!path.with_extension("pdf").exists());
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_corrupt_or_missing_notebook_exits_4_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        (
            "truncated.ipynb",
            &br#"{"nbformat": 4, "nbformat_minor": 5, "cells": [{"cell_ty"#[..],
        ),
        ("not-a-notebook.ipynb", &br#"{"hello": "world"}"#[..]),
        ("binary.ipynb", &b"\x89PNG\r\n\x1a\n\0\0\0"[..]),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = export_to(&path, "html");
        assert_eq!(out.status.code(), Some(4), "{name}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(name), "{}", text(&out.stderr));
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
        assert!(!path.with_extension("html").exists());
    }
    let out = export_to(&dir.path().join("none.ipynb"), "sage");
    assert_eq!(out.status.code(), Some(4));
}

/// The desk exports a notebook of its workspace without opening it (no
/// kernel starts).
#[tokio::test]
async fn the_desk_exports_a_closed_notebook_of_its_workspace() {
    let data = tempfile::tempdir().unwrap();
    let (dir, path) = copy_of("test_display_latex.ipynb");
    let desk = Desk::new(DeskOptions {
        records: RecordStore::new(data.path()),
        ..DeskOptions::default()
    });
    desk.set_workspace(&dir.path().display().to_string())
        .await
        .unwrap();
    let from_desk = desk
        .export_notebook("test_display_latex.ipynb", Format::Sage)
        .await
        .unwrap();
    let parsed = sagedesk::notebook::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        from_desk,
        export(&parsed.notebook, "test_display_latex.ipynb", Format::Sage)
    );
    assert!(desk.open_notebooks().is_empty());
    let missing = desk
        .export_notebook("none.ipynb", Format::Html)
        .await
        .unwrap_err();
    assert_eq!(missing.code(), sagedesk::error_code::ErrorCode::NotFound);
}

/// A notebook the real kernel ran: its page has the integral's TeX and the
/// plot, and its Sage script runs with `sage` in the image.
#[tokio::test]
async fn a_notebook_sage_ran_exports_to_a_script_sage_runs() {
    let (_engine, _image) = support::engine_and_image().await;
    let dir = tempfile::tempdir().unwrap();
    let path = notebook(
        dir.path(),
        "fermat.ipynb",
        &[
            (
                "markdown",
                "Fermat's $F_6 = 2^{2^6}+1$ and $\\int x^2 \\sin x \\, dx$.",
                json!(null),
            ),
            ("code", "factor?\nprint(factor(2^64+1))", json!([])),
            ("code", "show(integrate(x^2*sin(x), x))", json!([])),
            ("code", "plot(sin(x), (x, 0, 2*pi))", json!([])),
        ],
    );
    // The kernel runs as the folder's owner, and `sage` writes the
    // preparsed script beside the file: an ordinary user's folder.
    for p in [dir.path(), path.as_path()] {
        std::os::unix::fs::chown(p, Some(1000), Some(1000)).unwrap();
    }
    let ran = sagedesk(&["run", path.to_str().unwrap()]);
    assert!(
        ran.status.success(),
        "{}\n{}",
        text(&ran.stdout),
        text(&ran.stderr)
    );

    assert!(export_to(&path, "html").status.success());
    let page = std::fs::read_to_string(dir.path().join("fermat.html")).unwrap();
    assert!(page.contains("<span class=\"math\" data-display=\"false\">F_6 = 2^{2^6}+1</span>"));
    assert!(
        page.contains("\\displaystyle -{\\left(x^{2} - 2\\right)} \\cos\\left(x\\right) + 2 \\, x \\sin\\left(x\\right)</span>"),
        "the integral's TeX is missing"
    );
    assert!(
        page.contains(
            "<img class=\"output-image\" alt=\"\" src=\"data:image/png;base64,iVBORw0KGgo"
        )
    );
    assert!(page.contains("274177 * 67280421310721"));
    assert_eq!(fetches(&page), Vec::<String>::new());

    for to in ["sage", "py"] {
        assert!(export_to(&path, to).status.success());
    }
    let script = std::fs::read_to_string(dir.path().join("fermat.sage")).unwrap();
    assert!(
        script.contains("# factor?\nprint(factor(2^64+1))\n"),
        "{script}"
    );
    let volume = format!("{}:/w", dir.path().display());
    let image = BuildContext::embedded().tag();
    let (ok, printed) = support::docker(&[
        "run",
        "--rm",
        "-v",
        &volume,
        &image,
        "sage",
        "/w/fermat.sage",
    ]);
    assert!(ok, "{printed}");
    assert_eq!(
        printed.lines().collect::<Vec<_>>(),
        ["274177 * 67280421310721", "-(x^2 - 2)*cos(x) + 2*x*sin(x)"]
    );
    // The Python script is Python (Sage's Python reads it).
    let (ok, printed) = support::docker(&[
        "run",
        "--rm",
        "-v",
        &volume,
        &image,
        "python",
        "-c",
        "import ast; ast.parse(open('/w/fermat.py').read()); print('parsed')",
    ]);
    assert!(ok && printed.trim() == "parsed", "{printed}");
}

/// The library call the window and the command make gives the same page.
#[test]
fn the_command_writes_what_the_library_exports() {
    let (dir, path) = copy_of("vector_calc_cartesian.ipynb");
    assert!(export_to(&path, "html").status.success());
    let parsed = sagedesk::notebook::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("vector_calc_cartesian.html")).unwrap(),
        export(
            &parsed.notebook,
            "vector_calc_cartesian.ipynb",
            Format::Html
        )
    );
}
