//! `sagedesk doctor` as a person runs it.

use std::process::Command;

fn doctor(docker_host: Option<&str>) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sagedesk"));
    cmd.arg("doctor");
    match docker_host {
        Some(host) => cmd.env("DOCKER_HOST", host),
        None => cmd.env_remove("DOCKER_HOST"),
    };
    let out = cmd.output().expect("running sagedesk doctor");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn with_the_engine_and_the_image_doctor_is_happy() {
    let (code, text) = doctor(None);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("API 1."), "{text}");
    assert!(text.contains("present"), "{text}");
}

#[test]
fn a_wrong_docker_host_is_named_with_what_to_do() {
    let (code, text) = doctor(Some("unix:///nowhere.sock"));
    assert_ne!(code, 0, "{text}");
    assert!(text.contains("/nowhere.sock"), "{text}");
    assert!(text.contains("Start"), "{text}");
    assert!(text.contains("DOCKER_HOST"), "{text}");
}
