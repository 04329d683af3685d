//! The values the shell hands to the UI, pinned as JSON files that the UI's
//! tests render and its type check reads (ui/src/lib/setup/fixtures/, and
//! ui/src/lib/kernel/fixtures/kernel-events.json).
//!
//! The samples are built by hand (texts included) so that they change only
//! when a type does. This test fails when the files are no longer what serde
//! makes of them; ui/src/lib/setup/fixtures.ts assigns them to the `Report`
//! type generated from the same Rust types (src/bindings.rs), so
//! `npm run check` fails where serde's JSON and the generated type disagree.
//! After changing a type crossing to the UI, rewrite the files with
//!
//! ```sh
//! UPDATE_UI_FIXTURES=1 cargo test -p sagedesk-app --test ipc_contract
//! ```

use std::path::PathBuf;

use sagedesk::doctor::{Problem, Report};
use sagedesk::engine::{EngineInfo, ImageInfo};
use sagedesk::error_code::ErrorCode;

/// A tag of the shape the core gives its images (a hash of the build inputs),
/// fixed so that the files do not change with docker/.
const IMAGE_TAG: &str = "sagedesk/sagemath:3f9a1c07e2b4";

fn docker_engine() -> EngineInfo {
    EngineInfo {
        endpoint: "unix:///var/run/docker.sock".into(),
        source: "the usual Docker socket".into(),
        name: "Docker Engine".into(),
        version: "20.10.24+dfsg1".into(),
        api_version: "1.41".into(),
        os: "linux".into(),
        arch: "amd64".into(),
        memory_bytes: 16_654_110_720,
        cpus: 8,
    }
}

fn samples() -> Vec<(&'static str, Report)> {
    let ready = Report {
        engine: Some(docker_engine()),
        problem: None,
        image: Some(ImageInfo {
            tag: IMAGE_TAG.into(),
            id: "sha256:9b2e4f6a8c0d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f".into(),
            size_bytes: 5_300_000_000,
            sage_version: Some("10.8".into()),
            kernel_argv: Some(
                [
                    "/opt/sage/bin/python",
                    "-m",
                    "sage.repl.ipython_kernel",
                    "-f",
                    "{connection_file}",
                ]
                .map(String::from)
                .to_vec(),
            ),
        }),
        image_tag: IMAGE_TAG.into(),
    };
    let no_engine = Report {
        engine: None,
        problem: Some(Problem {
            code: ErrorCode::EngineNotRunning,
            message: "Docker is not running (no engine answers at: unix:///var/run/docker.sock, \
                      unix:///run/user/1000/podman/podman.sock)"
                .into(),
            fix: "Start the Docker engine with `sudo systemctl start docker` (or run `sudo dockerd`), \
                  then press Retry."
                .into(),
            tried: vec![
                "unix:///var/run/docker.sock".into(),
                "unix:///run/user/1000/podman/podman.sock".into(),
            ],
        }),
        image: None,
        image_tag: IMAGE_TAG.into(),
    };
    let no_image = Report {
        engine: Some(EngineInfo {
            endpoint: "unix:///run/user/1000/podman/podman.sock".into(),
            source: "the usual Podman socket".into(),
            name: "Podman Engine".into(),
            version: "4.3.1".into(),
            api_version: "1.41".into(),
            os: "linux".into(),
            arch: "arm64".into(),
            memory_bytes: 8_321_499_136,
            cpus: 4,
        }),
        problem: Some(Problem {
            code: ErrorCode::ImageMissing,
            message: format!("the SageMath image {IMAGE_TAG} is not on this machine yet"),
            fix: "Build it with `sagedesk image build` (the app does this in its setup; it downloads about 1.5 GB once).".into(),
            tried: Vec::new(),
        }),
        image: None,
        image_tag: IMAGE_TAG.into(),
    };
    vec![
        ("ready", ready),
        ("no-engine", no_engine),
        ("no-image", no_image),
    ]
}

/// Checks that the file at `path` (relative to the UI's `src/lib/`) holds
/// `value` as serde writes it, or writes it with `UPDATE_UI_FIXTURES`.
fn pinned(path: &str, value: &impl serde::Serialize) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../ui/src/lib")
        .join(path);
    let json = serde_json::to_string_pretty(value).unwrap() + "\n";
    if std::env::var_os("UPDATE_UI_FIXTURES").is_some() {
        std::fs::write(&path, &json).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    assert_eq!(
        on_disk,
        json,
        "{} is stale: rewrite it with UPDATE_UI_FIXTURES=1 cargo test -p sagedesk-app --test ipc_contract",
        path.display()
    );
}

#[test]
fn ui_fixtures_are_what_the_core_serialises() {
    for (name, report) in samples() {
        pinned(&format!("setup/fixtures/{name}.json"), &report);
    }
}

/// Kernel-status events as the desk sends them, for the UI's tests: the word
/// and the line beside it come from the core, and the UI's tests show them
/// as the core words them rather than inventing their own.
fn kernel_events() -> serde_json::Value {
    use sagedesk::desk::DeskEvent;
    use sagedesk::session::{DeathReason, SessionState};
    let samples = [
        ("starting", SessionState::Starting),
        ("idle", SessionState::Idle),
        ("busy", SessionState::Busy),
        (
            "not-responding",
            SessionState::NotResponding { silent_secs: 8 },
        ),
        (
            "restarting",
            SessionState::Restarting {
                reason: DeathReason::Crashed { exit_code: 1 },
            },
        ),
        (
            "dead-stopped",
            SessionState::Dead {
                reason: DeathReason::Stopped,
            },
        ),
        (
            "dead-out-of-memory",
            SessionState::Dead {
                reason: DeathReason::OutOfMemory {
                    limit_bytes: 2 << 30,
                },
            },
        ),
        (
            "dead-engine-gone",
            SessionState::Dead {
                reason: DeathReason::EngineGone {
                    message: "no engine answers at unix:///var/run/docker.sock".into(),
                },
            },
        ),
    ];
    serde_json::Value::Object(
        samples
            .into_iter()
            .map(|(name, state)| {
                let event = DeskEvent::kernel("a.ipynb".into(), state, 0);
                (name.to_string(), serde_json::to_value(event).unwrap())
            })
            .collect(),
    )
}

#[test]
fn ui_kernel_events_are_what_the_desk_sends() {
    pinned("kernel/fixtures/kernel-events.json", &kernel_events());
}
