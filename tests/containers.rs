//! Kernel containers on the real engine with the real SageMath image:
//! locked down, reachable on 127.0.0.1 only, watched until they exit, and
//! collected when their owner is gone.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use sagedesk::engine::{
    Engine, ExitKind, KernelContainer, KernelContainerSpec, KernelNetwork, Limits, Owner,
};
use sagedesk::kernel::KernelPorts;
use serde_json::Value;
use support::{docker, engine_and_image, unique_name};

fn connection_file(key: &str) -> Vec<u8> {
    let p = KernelPorts::IN_CONTAINER;
    serde_json::to_vec(&serde_json::json!({
        "shell_port": p.shell, "iopub_port": p.iopub, "stdin_port": p.stdin,
        "control_port": p.control, "hb_port": p.hb, "ip": "0.0.0.0", "key": key,
        "transport": "tcp", "signature_scheme": "hmac-sha256", "kernel_name": "sagemath"
    }))
    .unwrap()
}

fn kernel_spec(engine_tag: &str, name: &str) -> KernelContainerSpec {
    KernelContainerSpec {
        name: name.to_string(),
        image: engine_tag.to_string(),
        kernel_argv: vec![
            "/opt/sage/bin/python".into(),
            "-m".into(),
            "sage.repl.ipython_kernel".into(),
            "-f".into(),
            "{connection_file}".into(),
        ],
        connection_file: connection_file(&format!("secret-{name}")),
        runtime_files: Vec::new(),
        ports: KernelPorts::IN_CONTAINER.to_array().to_vec(),
        workspace: None,
        network: KernelNetwork::Outbound,
        notebook: None,
        spare: false,
        limits: Limits::default(),
        owner: Owner::current(),
    }
}

fn inspect(id: &str) -> Value {
    let (ok, text) = docker(&["container", "inspect", id]);
    assert!(ok, "{text}");
    serde_json::from_str::<Value>(&text).unwrap()[0].clone()
}

/// Waits until something inside the container accepts on `port`: proof
/// that the kernel read its connection file and bound its sockets.
fn wait_until_listening(id: &str, port: u16) {
    let probe = format!(
        "import socket,time\nfor _ in range(120):\n  try:\n    socket.create_connection(('127.0.0.1',{port}),1).close(); break\n  except OSError: time.sleep(0.5)\nelse: raise SystemExit('not listening')"
    );
    let (ok, text) = docker(&["exec", id, "/opt/sage/bin/python", "-c", &probe]);
    assert!(
        ok,
        "the kernel never listened on {port}: {text}\nlogs: {}",
        docker(&["logs", id]).1
    );
}

async fn cleanup(engine: &Engine, c: &KernelContainer) {
    engine.remove_container(&c.id).await.unwrap();
}

#[tokio::test]
async fn a_kernel_container_is_locked_down_and_reachable_on_loopback_only() {
    let (engine, image) = engine_and_image().await;
    let spec = kernel_spec(&image.tag, &unique_name("secure"));
    let c = engine.start_kernel_container(&spec).await.unwrap();
    wait_until_listening(&c.id, KernelPorts::IN_CONTAINER.shell);

    let info = inspect(&c.id);
    let host = &info["HostConfig"];
    assert_eq!(host["CapDrop"], serde_json::json!(["ALL"]));
    assert_eq!(
        host["SecurityOpt"],
        serde_json::json!(["no-new-privileges"])
    );
    assert_eq!(host["Init"], true);
    assert_eq!(host["Memory"], 2i64 << 30);
    assert_eq!(
        host["MemorySwap"], host["Memory"],
        "no swap beyond the memory limit"
    );
    // Every core, at a lower weight than the desktop's (the default).
    assert_eq!(host["NanoCpus"], 0);
    assert_eq!(host["CpuShares"], 512);
    assert_eq!(host["PidsLimit"], 1024);
    assert_eq!(host["LogConfig"]["Config"]["max-size"], "10m");
    assert_eq!(host["RestartPolicy"]["Name"], "no");
    assert_eq!(host["Privileged"], false);
    assert_eq!(info["Config"]["User"], "1000:1000");
    let networks = info["NetworkSettings"]["Networks"].as_object().unwrap();
    assert_eq!(
        networks.keys().collect::<Vec<_>>(),
        [KernelNetwork::Outbound.name()],
        "SageDesk's network only, never the default bridge"
    );
    let mounts = info["Mounts"].as_array().unwrap();
    assert!(
        mounts
            .iter()
            .all(|m| !m["Source"].as_str().unwrap_or("").contains("docker.sock")),
        "the Docker socket must never be inside: {mounts:?}"
    );
    let labels = &info["Config"]["Labels"];
    assert_eq!(labels["org.sagedesk.managed"], "true");
    assert_eq!(labels["org.sagedesk.config-hash"], spec.config_hash());
    // The key is in the uploaded file only, never in the configuration.
    assert!(!info.to_string().contains(&format!("secret-{}", spec.name)));

    let ports = info["NetworkSettings"]["Ports"].as_object().unwrap();
    assert_eq!(ports.len(), 5);
    let mut published = Vec::new();
    for (_, bindings) in ports {
        for b in bindings.as_array().unwrap() {
            assert_eq!(b["HostIp"], "127.0.0.1", "{ports:?}");
            published.push(b["HostPort"].as_str().unwrap().parse::<u16>().unwrap());
        }
    }
    published.sort();
    let mut ours = c.ports.clone();
    ours.sort();
    assert_eq!(
        published, ours,
        "the ports read back are the published ones"
    );

    // The kernel's user owns (and ipykernel could rewrite) the connection file.
    let (_, owner) = docker(&[
        "exec",
        &c.id,
        "stat",
        "-c",
        "%u %a",
        "/run/sagedesk/kernel.json",
    ]);
    assert_eq!(owner.trim(), "1000 600");

    engine
        .stop_container(&c.id, Duration::from_secs(5))
        .await
        .unwrap();
    // Stopping again, and removing twice, are not errors.
    engine
        .stop_container(&c.id, Duration::from_secs(5))
        .await
        .unwrap();
    cleanup(&engine, &c).await;
    engine.remove_container(&c.id).await.unwrap();
}

#[tokio::test]
async fn ports_are_read_back_after_a_restart() {
    let (engine, image) = engine_and_image().await;
    let spec = kernel_spec(&image.tag, &unique_name("restart"));
    let first = engine.start_kernel_container(&spec).await.unwrap();
    engine
        .stop_container(&first.id, Duration::from_secs(2))
        .await
        .unwrap();
    // Same name, same configuration: the stopped container is adopted and
    // started again, with the ports it has now.
    let second = engine.start_kernel_container(&spec).await.unwrap();
    assert!(second.adopted);
    assert_eq!(second.id, first.id);
    assert_eq!(
        second.ports,
        engine.host_ports(&second.id, &spec.ports).await.unwrap()
    );
    wait_until_listening(&second.id, KernelPorts::IN_CONTAINER.hb);

    // Same name, new key: the old container is replaced.
    let mut changed = spec.clone();
    changed.connection_file = connection_file("another key");
    let third = engine.start_kernel_container(&changed).await.unwrap();
    assert!(!third.adopted);
    assert_ne!(third.id, first.id);
    assert!(
        !docker(&["container", "inspect", &first.id]).0,
        "the old container is gone"
    );
    cleanup(&engine, &third).await;
}

#[tokio::test]
async fn docker_kill_is_reported_as_killed_within_two_seconds() {
    let (engine, image) = engine_and_image().await;
    let c = engine
        .start_kernel_container(&kernel_spec(&image.tag, &unique_name("kill")))
        .await
        .unwrap();
    let watch = {
        let engine = engine.clone();
        let id = c.id.clone();
        tokio::spawn(async move { engine.wait_exit(&id).await })
    };
    // Let the watch subscribe before the kill.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let killed_at = Instant::now();
    assert!(docker(&["kill", &c.id]).0);
    let exit = watch.await.unwrap().unwrap();
    let took = killed_at.elapsed();
    assert_eq!(exit.kind, ExitKind::Signal { signal: 9 }, "{exit:?}");
    assert!(took < Duration::from_secs(2), "reported after {took:?}");
    cleanup(&engine, &c).await;
}

#[tokio::test]
async fn exceeding_the_memory_limit_is_reported_as_out_of_memory() {
    let (engine, image) = engine_and_image().await;
    let mut spec = kernel_spec(&image.tag, &unique_name("oom"));
    spec.limits.memory_bytes = 128 << 20;
    spec.kernel_argv = vec![
        "/opt/sage/bin/python".into(),
        "-c".into(),
        "b = []\nwhile True: b.append(bytearray(16 << 20))".into(),
    ];
    let c = engine.start_kernel_container(&spec).await.unwrap();
    let exit = tokio::time::timeout(Duration::from_secs(60), engine.wait_exit(&c.id))
        .await
        .expect("the allocation ends within a minute")
        .unwrap();
    assert_eq!(
        exit.kind,
        ExitKind::OutOfMemory {
            limit_bytes: 128 << 20
        },
        "{exit:?}"
    );
    cleanup(&engine, &c).await;
}

#[tokio::test]
async fn files_written_in_the_workspace_belong_to_its_owner() {
    let (engine, image) = engine_and_image().await;
    let parent = tempfile::tempdir().unwrap();
    // A folder owned by an ordinary user, as on a laptop, with a name that
    // would split a `Binds` string.
    let workspace = parent.path().join("maths: week 1");
    std::fs::create_dir(&workspace).unwrap();
    let (uid, gid) = (4321u32, 4321u32);
    std::os::unix::fs::chown(&workspace, Some(uid), Some(gid)).unwrap();
    let mut spec = kernel_spec(&image.tag, &unique_name("workspace"));
    spec.workspace = Some(workspace.clone());
    spec.kernel_argv = vec![
        "sh".into(),
        "-c".into(),
        "echo x > /home/sage/work/made-in-sage.txt && exec /opt/sage/bin/python -m sage.repl.ipython_kernel -f {connection_file}".into(),
    ];
    let c = engine.start_kernel_container(&spec).await.unwrap();
    // The kernel comes up as that user, with a home it can write.
    wait_until_listening(&c.id, KernelPorts::IN_CONTAINER.shell);
    let made = workspace.join("made-in-sage.txt");
    let meta = std::fs::metadata(&made).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!((meta.uid(), meta.gid()), (uid, gid));
    let info = inspect(&c.id);
    assert_eq!(info["Config"]["User"], format!("{uid}:{gid}"));
    assert_eq!(
        info["Config"]["Labels"]["org.sagedesk.workspace"],
        workspace.display().to_string()
    );
    cleanup(&engine, &c).await;
    // The folder is the user's: nothing of the container stays in it but
    // what Sage wrote.
    assert!(Path::new(&made).exists());
}

#[tokio::test]
async fn orphans_of_a_dead_owner_are_collected_and_others_kept() {
    let (engine, image) = engine_and_image().await;
    // An owner that existed and is gone: a process that has exited.
    let mut child = Command::new("sleep").arg("0").spawn().unwrap();
    let dead = {
        let mut owner = Owner::current();
        owner.pid = child.id();
        owner.start = std::fs::read_to_string(format!("/proc/{}/stat", child.id()))
            .ok()
            .and_then(|s| {
                s[s.rfind(')').unwrap() + 1..]
                    .split_whitespace()
                    .nth(19)
                    .map(|v| v.parse().unwrap())
            });
        owner
    };
    child.wait().unwrap();
    let mut orphan_spec = kernel_spec(&image.tag, &unique_name("orphan"));
    orphan_spec.owner = dead;
    let orphan = engine.start_kernel_container(&orphan_spec).await.unwrap();
    let mine = engine
        .start_kernel_container(&kernel_spec(&image.tag, &unique_name("mine")))
        .await
        .unwrap();

    let listed = engine.managed_containers().await.unwrap();
    let find = |id: &str| listed.iter().find(|c| c.id == id).cloned().unwrap();
    assert!(find(&orphan.id).orphan);
    assert!(!find(&mine.id).orphan);

    // `sagedesk gc`, as a person runs it.
    let out = Command::new(env!("CARGO_BIN_EXE_sagedesk"))
        .arg("gc")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!("removed {} ", orphan_spec.name)),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "kept {} (running): its SageDesk process (pid {}) is running",
            mine.name,
            std::process::id()
        )),
        "{text}"
    );
    assert!(
        !docker(&["container", "inspect", &orphan.id]).0,
        "the orphan is gone"
    );
    assert!(
        docker(&["container", "inspect", &mine.id]).0,
        "a live owner's container stays"
    );
    cleanup(&engine, &mine).await;
}

#[tokio::test]
async fn a_missing_workspace_folder_is_refused_not_made() {
    let (engine, image) = engine_and_image().await;
    let parent = tempfile::tempdir().unwrap();
    let missing = parent.path().join("moved away");
    let mut spec = kernel_spec(&image.tag, &unique_name("missing"));
    spec.workspace = Some(missing.clone());
    let _cleanup = Removed(spec.name.clone());
    let err = engine.start_kernel_container(&spec).await.unwrap_err();
    assert!(
        err.to_string().contains("moved away"),
        "the error names the folder: {err}"
    );
    // Nothing was made in its place (the engine would have made it as root).
    assert!(!missing.exists());
    assert!(!docker(&["container", "inspect", &spec.name]).0);
}

/// Removes the container of this name when dropped, whatever the test did.
struct Removed(String);

impl Drop for Removed {
    fn drop(&mut self) {
        support::docker_quietly(&["rm", "-f", &self.0]);
    }
}
