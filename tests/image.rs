//! The SageMath image, checked from the inside through SageDesk's own engine
//! code: the Sage it declares is the Sage that runs, LaTeX works for
//! `view()`, and containers come up locked down.
//!
//! Needs a running Docker engine and the image built from this `docker/`
//! (`sagedesk image build`); a missing one fails the test rather than
//! skipping it.

mod support;

use sagedesk::engine::{COMMAND_TIMEOUT, Engine, ImageInfo, Limits, RunOutput};
use support::{container_exists, engine_and_image};

async fn run(engine: &Engine, image: &ImageInfo, argv: &[&str]) -> RunOutput {
    let out = engine
        .run_command(&image.tag, argv, &Limits::default(), COMMAND_TIMEOUT)
        .await
        .expect("running a command in the image");
    assert_eq!(
        out.exit_code, 0,
        "{argv:?} failed:\nstdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    out
}

#[tokio::test]
async fn sage_reports_the_version_the_label_declares() {
    let (engine, image) = engine_and_image().await;
    let declared = image
        .sage_version
        .clone()
        .expect("the image has an org.sagedesk.image label");
    assert!(declared.starts_with("10.8."), "label says {declared}");
    let out = run(
        &engine,
        &image,
        &[
            "python",
            "-c",
            "from sage.all import *; from sage.version import version; print(version); print(factor(2**64 + 1))",
        ],
    )
    .await;
    let mut lines = out.stdout.lines();
    assert_eq!(lines.next(), Some(declared.as_str()));
    // Sage itself computes, not just imports.
    assert_eq!(lines.next(), Some("274177 * 67280421310721"));
}

#[tokio::test]
async fn the_kernel_label_names_a_runnable_kernel() {
    let (engine, image) = engine_and_image().await;
    let argv = image
        .kernel_argv
        .clone()
        .expect("an org.sagedesk.kernel label with a JSON argv");
    assert!(argv.iter().any(|a| a == "{connection_file}"), "{argv:?}");
    // The kernel's module and interpreter exist: import it without starting it.
    let module = argv
        .iter()
        .position(|a| a == "-m")
        .map(|i| argv[i + 1].clone())
        .expect("the kernel runs a module");
    run(
        &engine,
        &image,
        &[argv[0].as_str(), "-c", &format!("import {module}")],
    )
    .await;
}

#[tokio::test]
async fn latex_turns_maths_into_a_picture() {
    let (engine, image) = engine_and_image().await;
    let out = run(
        &engine,
        &image,
        &[
            "sh",
            "-c",
            r#"command -v latex && cd "$(mktemp -d)" \
              && printf '%s\n' '\documentclass{article}' '\begin{document}' '$\int_0^1 x^2\,dx = \frac{1}{3}$' '\end{document}' > t.tex \
              && latex -interaction=nonstopmode t.tex >/dev/null && dvipng -q -o t.png t.dvi >/dev/null \
              && od -An -c -N4 t.png"#,
        ],
    )
    .await;
    assert!(out.stdout.starts_with("/usr/bin/latex\n"), "{}", out.stdout);
    // A PNG starts with \x89 P N G.
    assert!(out.stdout.contains("P   N   G"), "{}", out.stdout);
}

#[tokio::test]
async fn containers_run_unprivileged() {
    let (engine, image) = engine_and_image().await;
    let out = run(
        &engine,
        &image,
        &["sh", "-c", "id -u; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status; echo $HOME; touch $HOME/.sage/w && echo writable"],
    )
    .await;
    let text = out.stdout;
    assert!(text.starts_with("1000\n"), "{text}");
    assert!(text.contains("CapEff:\t0000000000000000"), "{text}");
    assert!(text.contains("NoNewPrivs:\t1"), "{text}");
    assert!(text.contains("/home/sage\nwritable"), "{text}");
}

#[tokio::test]
async fn a_failing_command_reports_its_exit_code_and_leaves_no_container() {
    let (engine, image) = engine_and_image().await;
    let out = engine
        .run_command(
            &image.tag,
            &["sh", "-c", "echo oops >&2; exit 3"],
            &Limits::default(),
            COMMAND_TIMEOUT,
        )
        .await
        .unwrap();
    assert_eq!(out.exit_code, 3);
    assert_eq!(out.stderr, "oops\n");
    assert!(
        !container_exists(&out.container_id),
        "container {} is still there",
        out.container_id
    );
}
