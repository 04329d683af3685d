//! The main Docker engine, through SageDesk's handle and through the docker
//! command line.

use std::process::{Command, Stdio};

use sagedesk::engine::{BuildContext, Engine, ImageInfo};

/// The small Debian image the SageMath image is built from; tests that need
/// a container but not Sage use it. `scripts/make-base-image.sh` makes it
/// where no registry is reachable.
pub const BASE_IMAGE: &str = "debian:bookworm-slim";

/// The default engine; these tests need one.
pub async fn engine() -> Engine {
    Engine::connect(None)
        .await
        .unwrap_or_else(|e| panic!("these tests need a Docker engine: {e}\n{}", e.fix()))
}

/// The default engine and the SageMath image built from this `docker/`;
/// a missing one fails the test rather than skipping it.
pub async fn engine_and_image() -> (Engine, ImageInfo) {
    let engine = engine().await;
    let tag = BuildContext::embedded().tag();
    let image = engine
        .image(&tag)
        .await
        .expect("inspecting the image")
        .unwrap_or_else(|| panic!("the image {tag} is missing: run `sagedesk image build`"));
    (engine, image)
}

/// A container name no other test or run uses, starting `sagedesk-test-`.
pub fn unique_name(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("sagedesk-test-{what}-{}-{nanos:x}", std::process::id())
}

/// Runs the docker command line on the default engine; whether it
/// succeeded, and what it printed (its output, then its errors).
pub fn docker(args: &[&str]) -> (bool, String) {
    docker_on(None, args)
}

/// [`docker`] on the engine at `host` (`-H`), or the default one.
pub(super) fn docker_on(host: Option<&str>, args: &[&str]) -> (bool, String) {
    let mut command = Command::new("docker");
    if let Some(host) = host {
        command.arg("-H").arg(host);
    }
    let out = command.args(args).output().expect("the docker command");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// Runs the docker command line for a cleanup in `Drop`, ignoring how it
/// went: a panic there, while a failed test unwinds, would abort the run and
/// hide the failure.
pub fn docker_quietly(args: &[&str]) {
    let _ = Command::new("docker")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The containers (id, then owner label) whose owner label names the
/// process `pid`: those a run of the `sagedesk` command made.
pub fn containers_owned_by(pid: u32) -> Vec<String> {
    let (ok, listed) = docker(&[
        "ps",
        "-a",
        "--filter",
        "label=org.sagedesk.managed=true",
        "--format",
        "{{.ID}} {{.Label \"org.sagedesk.owner\"}}",
    ]);
    assert!(ok, "{listed}");
    listed
        .lines()
        .filter(|l| l.contains(&format!("\"pid\":{pid},")))
        .map(str::to_string)
        .collect()
}

/// Whether the engine still has a container of this name or id.
pub fn container_exists(name: &str) -> bool {
    docker(&["container", "inspect", name]).0
}
