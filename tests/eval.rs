//! `sagedesk eval` as a person or a script runs it, against the real image:
//! each way a cell can end gives its own exit code and message, and no
//! container is left behind in any of them.

mod support;

use std::process::{Command, Output};

use support::containers_owned_by;

fn eval(args: &[&str]) -> (Output, u32) {
    let child = Command::new(env!("CARGO_BIN_EXE_sagedesk"))
        .arg("eval")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("running sagedesk eval");
    let pid = child.id();
    (child.wait_with_output().unwrap(), pid)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_result_is_printed_and_nothing_is_left_behind() {
    let (out, pid) = eval(&["print('factoring'); factor(2^64+1)"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "factoring\n274177 * 67280421310721\n");
    assert!(containers_owned_by(pid).is_empty());
}

/// `?` help is printed as a terminal IPython prints it, without its
/// colours when stdout is not a terminal.
#[test]
fn help_is_printed_on_stdout() {
    let (out, _) = eval(&["factor?"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("Signature:"), "{stdout}");
    assert!(stdout.contains(" factor(n, proof=None,"), "{stdout}");
    assert!(stdout.contains("Return the factorization of"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "{stdout}");
}

#[test]
fn a_sage_error_exits_1_with_its_name_and_message() {
    let (out, pid) = eval(&["1/0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("ZeroDivisionError: rational division by zero"),
        "{}",
        text(&out.stderr)
    );
    assert!(containers_owned_by(pid).is_empty());
}

#[test]
fn a_timeout_interrupts_and_exits_2() {
    let (out, pid) = eval(&["while True: pass", "--timeout", "2"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("interrupted after 2 s"),
        "{}",
        text(&out.stderr)
    );
    assert!(containers_owned_by(pid).is_empty());
}

#[test]
fn running_out_of_memory_exits_3_and_says_why() {
    let (out, pid) = eval(&["x = bytearray(2 * 1024^3)", "--memory", "256m"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("ran out of memory (limit 256 MiB)"),
        "{}",
        text(&out.stderr)
    );
    assert!(containers_owned_by(pid).is_empty());
}

/// A `sagedesk eval` killed with SIGKILL cannot clean up: its container is
/// an orphan, which `sagedesk gc` removes, and so does the start-up of the
/// next SageDesk process.
#[test]
fn orphans_of_a_killed_process_are_collected_by_gc_and_at_start_up() {
    for collector in [&["gc"][..], &["eval", "1"][..]] {
        let mut victim = Command::new(env!("CARGO_BIN_EXE_sagedesk"))
            .args(["eval", "import time; time.sleep(600)"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pid = victim.id();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while containers_owned_by(pid).is_empty() {
            assert!(
                std::time::Instant::now() < deadline,
                "the victim never started its container"
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        victim.kill().unwrap();
        victim.wait().unwrap();
        assert_eq!(
            containers_owned_by(pid).len(),
            1,
            "the killed process left its container"
        );

        let out = Command::new(env!("CARGO_BIN_EXE_sagedesk"))
            .args(collector)
            .output()
            .unwrap();
        assert!(out.status.success(), "{collector:?}: {}", text(&out.stderr));
        assert!(
            containers_owned_by(pid).is_empty(),
            "{collector:?} did not remove the orphan"
        );
    }
}

#[test]
fn a_cpu_limit_that_would_be_no_limit_is_refused() {
    // 1e-10 cores rounds to 0 ns of CPU a second: the engine's "no limit".
    let (out, pid) = eval(&["--cpus", "0.0000000001", "1"]);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    let said = text(&out.stderr);
    assert!(said.contains("below 0.1 CPU"), "{said}");
    assert!(said.contains("What to do:"), "{said}");
    assert!(containers_owned_by(pid).is_empty());
}
