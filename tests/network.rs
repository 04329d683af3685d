//! Kernels on the network, against the real engine and image: no other
//! container reaches a kernel by its address (on the kernels' network, as
//! another notebook's kernel would, or on Docker's default bridge), while
//! the app reaches it through the host's 127.0.0.1. With the setting for
//! kernels without network, a kernel the desk starts reaches nothing
//! outside, and the app still runs its cells. A kernel an earlier SageDesk
//! left running on the default bridge is replaced, not taken back.

mod support;

use std::io::Read;
use std::net::{TcpStream, ToSocketAddrs};
use std::process::Command;
use std::time::Duration;

use sagedesk::desk::{Desk, DeskOptions};
use sagedesk::engine::{KernelNetwork, Limits, Owner};
use sagedesk::kernel::{KernelPorts, container_connection_file, new_key};
use sagedesk::notebook::NotebookFile;
use sagedesk::session::{RecordStore, Session, SessionRecord};
use serde_json::Value;
use sha2::{Digest, Sha256};
use support::{BASE_IMAGE, docker, docker_quietly, engine, result, run, session, unique_name};

/// The first byte a ZeroMQ socket sends on a new connection (its greeting's
/// signature starts with it): proof that the kernel itself answered, not
/// only the engine's port proxy.
const ZMTP_SIGNATURE: u8 = 0xff;

fn inspect(name: &str) -> Value {
    let (ok, text) = docker(&["container", "inspect", name]);
    assert!(ok, "{text}");
    serde_json::from_str::<Value>(&text).unwrap()[0].clone()
}

/// The networks the container is on, by name, with its address on each.
fn networks(name: &str) -> Vec<(String, String)> {
    let info = inspect(name);
    let mut found: Vec<_> = info["NetworkSettings"]["Networks"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(net, settings)| {
            (
                net.clone(),
                settings["IPAddress"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

/// Whether a fresh container on `network` (a network's name, or
/// `container:NAME`) opens `ip:port` and hears a ZeroMQ greeting within
/// 4 s; what it said otherwise.
fn reaches(network: &str, ip: &str, port: u16) -> Result<(), String> {
    let probe = format!(
        "timeout 4 bash -c 'exec 3<>/dev/tcp/{ip}/{port} && head -c 1 <&3 | od -An -tx1' || echo 'no answer'"
    );
    let (ok, said) = docker(&[
        "run",
        "--rm",
        "--network",
        network,
        BASE_IMAGE,
        "bash",
        "-c",
        &probe,
    ]);
    assert!(ok, "the probe container ran: {said}");
    if said.trim() == format!("{ZMTP_SIGNATURE:02x}") {
        Ok(())
    } else {
        Err(said)
    }
}

/// The host port on 127.0.0.1 the container's `port` is published on.
fn host_port(name: &str, port: u16) -> u16 {
    inspect(name)["NetworkSettings"]["Ports"][format!("{port}/tcp")][0]["HostPort"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn no_other_container_reaches_a_kernel_and_the_host_port_still_works() {
    let s = session(|_| {}).await;
    s.ready().await.unwrap();
    let name = s.container_name();
    let on = networks(&name);
    assert_eq!(
        on.iter().map(|(net, _)| net.as_str()).collect::<Vec<_>>(),
        [KernelNetwork::Outbound.name()],
        "the kernel is on SageDesk's network only, not the default bridge"
    );
    let ip = on[0].1.clone();
    let shell = KernelPorts::IN_CONTAINER.shell;

    // The probe does reach the kernel from inside its own network namespace:
    // what fails below fails for the network, not for the probe.
    reaches(&format!("container:{name}"), &ip, shell).expect("the probe itself works");
    // Another container on the kernels' network (where another notebook's
    // kernel is), and one on the default bridge: both run at once.
    let probes: Vec<_> = [KernelNetwork::Outbound.name(), "bridge"]
        .into_iter()
        .map(|network| {
            let ip = ip.clone();
            std::thread::spawn(move || (network, reaches(network, &ip, shell)))
        })
        .collect();
    for probe in probes {
        let (network, reached) = probe.join().unwrap();
        let said = reached.expect_err(&format!("a container on {network} reached the kernel"));
        eprintln!(
            "from a container on {network}, {ip}:{shell} gave: {}",
            said.trim()
        );
    }

    // The host's own port works: the kernel's greeting, and a cell.
    let mut stream = TcpStream::connect(("127.0.0.1", host_port(&name, shell))).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut first = [0u8; 1];
    stream.read_exact(&mut first).unwrap();
    assert_eq!(first[0], ZMTP_SIGNATURE);
    assert_eq!(result(&run(&s, "6 * 7").await).as_deref(), Some("42"));
    s.shutdown().await;
}

/// The configuration hash SageDesk labelled kernel containers with before
/// they had a network of their own: `KernelContainerSpec::config_hash` as
/// it was, for a kernel with no workspace (uid 1000).
fn earlier_config_hash(record: &SessionRecord, connection_file: &[u8]) -> String {
    let mut h = Sha256::new();
    let fields = [
        record.image.clone(),
        serde_json::to_string(&record.kernel_argv).unwrap(),
        String::new(),
        serde_json::to_string(&record.limits).unwrap(),
        "1000:1000".to_string(),
        serde_json::to_string(&KernelPorts::IN_CONTAINER.to_array().to_vec()).unwrap(),
    ];
    for field in fields {
        h.update((field.len() as u64).to_le_bytes());
        h.update(field.as_bytes());
    }
    h.update(connection_file);
    hex::encode(&h.finalize()[..16])
}

/// Makes and starts a kernel container as SageDesk did before it had a
/// network of its own: on the default bridge, labelled with the earlier
/// configuration hash of `record`.
fn start_as_earlier_version(record: &SessionRecord) {
    let file = container_connection_file(&record.key);
    let ports: Vec<String> = KernelPorts::IN_CONTAINER
        .to_array()
        .iter()
        .map(|p| format!("127.0.0.1::{p}"))
        .collect();
    let mut args = vec![
        "create".to_string(),
        "--name".into(),
        record.name.clone(),
        "--user".into(),
        "1000:1000".into(),
        "--env".into(),
        "HOME=/home/sage".into(),
        "--entrypoint".into(),
        String::new(),
        "--init".into(),
        "--label".into(),
        "org.sagedesk.managed=true".into(),
        "--label".into(),
        format!(
            "org.sagedesk.config-hash={}",
            earlier_config_hash(record, &file)
        ),
        "--label".into(),
        format!("org.sagedesk.owner={}", Owner::current().to_label()),
    ];
    for port in &ports {
        args.extend(["--publish".into(), port.clone()]);
    }
    args.push(record.image.clone());
    args.extend(
        record
            .kernel_argv
            .iter()
            .map(|a| a.replace("{connection_file}", "/run/sagedesk/kernel.json")),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (ok, said) = docker(&args);
    assert!(ok, "{said}");
    // The connection file, owned by the kernel's user, as the app uploads it.
    let dir = tempfile::tempdir().unwrap();
    let runtime = dir.path().join("run/sagedesk");
    std::fs::create_dir_all(&runtime).unwrap();
    std::fs::write(runtime.join("kernel.json"), &file).unwrap();
    let copied = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "tar -C {} --owner=1000 --group=1000 -cf - run | docker cp - {}:/",
            dir.path().display(),
            record.name
        ))
        .status()
        .unwrap();
    assert!(copied.success());
    let (ok, said) = docker(&["start", &record.name]);
    assert!(ok, "{said}");
}

/// Removes the container of this name when dropped, whatever the test did.
struct Removed(String);

impl Drop for Removed {
    fn drop(&mut self) {
        docker_quietly(&["rm", "-f", &self.0]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kernel_an_earlier_version_left_on_the_default_bridge_is_replaced() {
    let engine = engine().await;
    let config = support::config(&engine).await;
    let record = SessionRecord {
        name: unique_name("earlier"),
        key: new_key(),
        image: config.image.clone(),
        kernel_argv: config.kernel_argv.clone(),
        workspace: None,
        notebook: None,
        network: KernelNetwork::Outbound,
        limits: Limits::default(),
        attached_by: None,
        left_at: None,
        alone_stop_after_secs: None,
    };
    start_as_earlier_version(&record);
    let _cleanup = Removed(record.name.clone());
    let before = inspect(&record.name)["Id"].as_str().unwrap().to_string();
    assert_eq!(networks(&record.name)[0].0, "bridge");

    let again = Session::resume(engine, record.clone());
    again.ready().await.unwrap();
    // Taking it back would keep a kernel other containers can reach.
    assert!(!again.resumed(), "the earlier kernel was taken back");
    assert_ne!(inspect(&record.name)["Id"].as_str().unwrap(), before);
    assert!(
        !docker(&["container", "inspect", &before]).0,
        "the earlier container is gone"
    );
    assert_eq!(
        networks(&record.name)
            .into_iter()
            .map(|(net, _)| net)
            .collect::<Vec<_>>(),
        [KernelNetwork::Outbound.name()]
    );
    assert_eq!(result(&run(&again, "2^10").await).as_deref(), Some("1024"));
    again.shutdown().await;
}

/// Runs `code` as the only cell of a new notebook `name` of the desk's
/// workspace `dir`, and returns the text of its saved outputs.
async fn run_in_notebook(desk: &Desk, dir: &std::path::Path, name: &str, code: &str) -> String {
    let item = desk.create_notebook(name).await.unwrap();
    let doc = desk.open_notebook(&item.path).await.unwrap();
    let id = doc.cells[0].id.clone();
    let done = desk
        .execute_cell(&item.path, &id, code, |_| {})
        .await
        .expect("the cell is queued");
    let end = tokio::time::timeout(Duration::from_secs(180), done.wait())
        .await
        .expect("the cell ends");
    assert_eq!(end.death, None, "{end:?}");
    let file = NotebookFile::open(dir.join(&item.path)).unwrap();
    let cell = file.notebook().cell_views().remove(0);
    serde_json::to_string(&cell.outputs).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_setting_a_kernel_reaches_no_network_and_the_app_still_talks_to_it() {
    // The Debian mirror, resolved here: a kernel without network cannot
    // even ask for the name.
    let mirror = ("deb.debian.org", 80)
        .to_socket_addrs()
        .expect("this machine resolves the Debian mirror")
        .find(|a| a.is_ipv4())
        .unwrap();
    // Nothing answering is a time-out, or no route; a refusal would be an
    // answer. (Sage reads `80` as its own Integer: `int()` makes it Python's.)
    let probe = format!(
        "import socket\n\
         try:\n    socket.create_connection(('{}', int({})), timeout=5).close(); print('reached')\n\
         except TimeoutError:\n    print('no answer')\n\
         except OSError as e:\n    print('no route' if e.errno in (101, 113) else repr(e))",
        mirror.ip(),
        mirror.port()
    );
    let workspace = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let desk = Desk::new(DeskOptions {
        records: RecordStore::new(data.path()),
        ..DeskOptions::default()
    });
    desk.open_workspace(&workspace.path().display().to_string())
        .await
        .unwrap();

    // By default a kernel reaches the mirror (students `%pip install`): the
    // probe can tell.
    let outputs = run_in_notebook(&desk, workspace.path(), "online", &probe).await;
    assert!(outputs.contains("reached"), "{outputs}");

    let mut settings = desk.settings();
    settings.kernels_offline = true;
    desk.set_settings(settings).unwrap();
    let outputs = run_in_notebook(&desk, workspace.path(), "offline", &probe).await;
    assert!(
        outputs.contains("no answer") || outputs.contains("no route"),
        "{outputs}"
    );
    eprintln!("the offline kernel, connecting to {mirror}: {outputs}");
    // The app still talks to it: the cell ran and its output came back.
    desk.quit().await;
}
