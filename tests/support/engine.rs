//! The main Docker engine, through SageDesk's handle and through the docker
//! command line.

use std::process::Command;

use sagedesk::engine::Engine;

/// The default engine; these tests need one.
pub async fn engine() -> Engine {
    Engine::connect(None)
        .await
        .unwrap_or_else(|e| panic!("these tests need a Docker engine: {e}\n{}", e.fix()))
}

/// Runs the docker command line; whether it succeeded, and what it printed.
pub fn docker(args: &[&str]) -> (bool, String) {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("the docker command");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// Whether the engine still has a container of this name or id.
pub fn container_exists(name: &str) -> bool {
    docker(&["container", "inspect", name]).0
}
