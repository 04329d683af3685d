//! The container that holds one Sage kernel: created locked down, on one of
//! SageDesk's networks where no other container reaches it (`network.rs`),
//! the kernel's ports published on 127.0.0.1 only (host ports chosen by the
//! engine and read back after every start), the workspace bind-mounted, and
//! the connection file put in by archive upload before the kernel starts.
//!
//! Ports are plain numbers here: which port is which socket is the
//! kernel's business, told to the kernel by its connection file.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use bollard::models::{ContainerCreateBody, HostConfig, Mount, MountType, PortBinding};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, InspectContainerOptions, KillContainerOptionsBuilder,
    StopContainerOptionsBuilder, UploadToContainerOptionsBuilder,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Engine;
use super::container::{LABEL_MANAGED, Limits, hardened_host_config, short};
use super::error::{self, EngineError};
use super::network::KernelNetwork;
use super::owner::Owner;
use super::request::{REQUEST_TIMEOUT, within};

/// The label naming the workspace a container serves.
pub const LABEL_WORKSPACE: &str = "org.sagedesk.workspace";
/// The label holding the hash of a container's configuration.
pub const LABEL_CONFIG_HASH: &str = "org.sagedesk.config-hash";
/// The label naming the process that owns a container.
pub const LABEL_OWNER: &str = "org.sagedesk.owner";
/// The label with the container's limits, for `sagedesk ps`.
pub const LABEL_LIMITS: &str = "org.sagedesk.limits";
/// The notebook the kernel serves, as its workspace names it.
pub const LABEL_NOTEBOOK: &str = "org.sagedesk.notebook";
/// Set on a kernel started ahead of need, for the next notebook to open.
pub const LABEL_SPARE: &str = "org.sagedesk.spare";

/// Where the workspace is mounted in the container.
pub const WORKSPACE_MOUNT: &str = "/home/sage/work";
/// The folder the connection file is uploaded into; owned by the kernel's
/// user because ipykernel rewrites the file when it starts.
pub const RUNTIME_DIR: &str = "/run/sagedesk";

/// The file in [`RUNTIME_DIR`] that marks a kernel as left running on
/// purpose ([`Engine::mark_kept`]).
pub const KEPT_MARK: &str = "keep";
/// The uid the image's `sage` user has.
const IMAGE_UID: u32 = 1000;

/// What a kernel container is made of. Two specs with the same
/// [`KernelContainerSpec::config_hash`] make interchangeable containers.
#[derive(Debug, Clone)]
pub struct KernelContainerSpec {
    /// The container's name (`sagedesk-…`): a second create with the same
    /// name adopts or replaces the first.
    pub name: String,
    pub image: String,
    /// The kernel's argv, with `{connection_file}` where the file's path goes.
    pub kernel_argv: Vec<String>,
    /// The connection file's JSON, with the in-container ports and
    /// `ip: 0.0.0.0`. It holds the session's key, so it is never put in the
    /// environment or a label.
    pub connection_file: Vec<u8>,
    /// Other files put in [`RUNTIME_DIR`] before start, by name (what the
    /// kernel runs besides itself), owned by the kernel's user.
    pub runtime_files: Vec<(String, Vec<u8>)>,
    /// The ports the kernel listens on inside the container (those of the
    /// connection file): each is published on the host's 127.0.0.1, on a
    /// free port the engine picks.
    pub ports: Vec<u16>,
    /// The folder mounted at [`WORKSPACE_MOUNT`], if any. It must exist:
    /// the engine refuses a missing one rather than make it (as root).
    pub workspace: Option<PathBuf>,
    /// The network the container joins: never the default bridge, where
    /// other containers could reach the kernel.
    pub network: KernelNetwork,
    /// The notebook the kernel serves (a label only: not part of the
    /// configuration hash).
    pub notebook: Option<String>,
    /// A kernel started ahead of need, for the next notebook to open (a
    /// label only).
    pub spare: bool,
    pub limits: Limits,
    /// Who owns the container, for orphan collection.
    pub owner: Owner,
}

impl KernelContainerSpec {
    /// Where the kernel starts: beside its notebook, as Jupyter starts a
    /// notebook's kernel in the notebook's folder (so `load("data.sage")`
    /// finds the file next to it); the workspace's top for a notebook
    /// there, a kernel without one, or a folder that is not plainly there
    /// on the host. The engine would make a missing working folder itself,
    /// as root, inside the user's workspace: a folder renamed since, or a
    /// link, gets the top instead.
    pub fn working_dir(&self) -> String {
        let top = || WORKSPACE_MOUNT.to_string();
        let (Some(workspace), Some(notebook)) = (&self.workspace, &self.notebook) else {
            return top();
        };
        let Some(folder) = Path::new(notebook).parent() else {
            return top();
        };
        let mut on_host = workspace.clone();
        let mut inside = String::from(WORKSPACE_MOUNT);
        for part in folder.components() {
            let (Component::Normal(part), Some(text)) = (part, part.as_os_str().to_str()) else {
                return top();
            };
            on_host.push(part);
            match std::fs::symlink_metadata(&on_host) {
                Ok(meta) if meta.is_dir() => {}
                _ => return top(),
            }
            inside.push('/');
            inside.push_str(text);
        }
        inside
    }

    /// The uid and gid the kernel runs as: the workspace folder's owner on
    /// Linux (so files Sage writes there belong to the user), unless that is
    /// root; otherwise the image's `sage` user.
    pub fn user(&self) -> (u32, u32) {
        #[cfg(target_os = "linux")]
        if let Some(meta) = self
            .workspace
            .as_ref()
            .and_then(|w| std::fs::metadata(w).ok())
        {
            use std::os::unix::fs::MetadataExt;
            if meta.uid() != 0 {
                return (meta.uid(), meta.gid());
            }
        }
        (IMAGE_UID, IMAGE_UID)
    }

    /// The in-container path of the connection file.
    pub fn connection_path() -> String {
        format!("{RUNTIME_DIR}/kernel.json")
    }

    /// `HOME` for the kernel: Sage needs a writable one. The image's home
    /// belongs to uid 1000; any other uid gets its own, uploaded with the
    /// connection file.
    fn home(&self) -> String {
        if self.user().0 == IMAGE_UID {
            "/home/sage".into()
        } else {
            format!("{RUNTIME_DIR}/home")
        }
    }

    /// A hash of everything that shapes the container, the connection file
    /// (and so its key) included: equal hashes mean a container can be
    /// adopted as it is.
    pub fn config_hash(&self) -> String {
        let mut h = Sha256::new();
        let (uid, gid) = self.user();
        let fields = [
            self.image.clone(),
            serde_json::to_string(&self.kernel_argv).unwrap_or_default(),
            self.workspace
                .as_ref()
                .map(|w| w.display().to_string())
                .unwrap_or_default(),
            serde_json::to_string(&self.limits).unwrap_or_default(),
            format!("{uid}:{gid}"),
            serde_json::to_string(&self.ports).unwrap_or_default(),
            self.network.name().to_string(),
        ];
        for field in fields {
            h.update((field.len() as u64).to_le_bytes());
            h.update(field.as_bytes());
        }
        h.update(&self.connection_file);
        for (name, data) in &self.runtime_files {
            h.update((name.len() as u64).to_le_bytes());
            h.update(name.as_bytes());
            h.update((data.len() as u64).to_le_bytes());
            h.update(data);
        }
        hex::encode(&h.finalize()[..16])
    }

    fn argv(&self) -> Vec<String> {
        let path = Self::connection_path();
        self.kernel_argv
            .iter()
            .map(|a| a.replace("{connection_file}", &path))
            .collect()
    }

    /// The container's configuration, on the network whose id is
    /// `network_id`.
    fn create_body(&self, network_id: &str) -> ContainerCreateBody {
        let (uid, gid) = self.user();
        let tcp = |p: u16| format!("{p}/tcp");
        let exposed = self.ports.iter().map(|&p| tcp(p)).collect();
        let bindings = self
            .ports
            .iter()
            .map(|&p| {
                (
                    tcp(p),
                    Some(vec![PortBinding {
                        host_ip: Some("127.0.0.1".into()),
                        // Empty: the engine picks a free port.
                        host_port: Some(String::new()),
                    }]),
                )
            })
            .collect();
        let mut labels = HashMap::from([
            (LABEL_MANAGED.to_string(), "true".to_string()),
            (LABEL_CONFIG_HASH.to_string(), self.config_hash()),
            (LABEL_OWNER.to_string(), self.owner.to_label()),
            (
                LABEL_LIMITS.to_string(),
                serde_json::to_string(&self.limits).unwrap_or_default(),
            ),
        ]);
        if let Some(workspace) = &self.workspace {
            labels.insert(LABEL_WORKSPACE.to_string(), workspace.display().to_string());
        }
        if let Some(notebook) = &self.notebook {
            labels.insert(LABEL_NOTEBOOK.to_string(), notebook.clone());
        }
        if self.spare {
            labels.insert(LABEL_SPARE.to_string(), "true".to_string());
        }
        ContainerCreateBody {
            image: Some(self.image.clone()),
            // The image's entrypoint (tini) is replaced by the engine's init.
            entrypoint: Some(Vec::new()),
            cmd: Some(self.argv()),
            user: Some(format!("{uid}:{gid}")),
            env: Some(vec![
                format!("HOME={}", self.home()),
                "PYTHONUNBUFFERED=1".into(),
            ]),
            working_dir: Some(self.working_dir()),
            exposed_ports: Some(exposed),
            labels: Some(labels),
            host_config: Some(HostConfig {
                port_bindings: Some(bindings),
                network_mode: Some(network_id.to_string()),
                // A mount, not a `Binds` string: a `:` in the folder's name
                // would split that string, and the engine creates a missing
                // `Binds` source (as root) where it refuses a missing mount.
                mounts: self.workspace.as_ref().map(|w| {
                    vec![Mount {
                        typ: Some(MountType::BIND),
                        source: Some(w.to_string_lossy().into_owned()),
                        target: Some(WORKSPACE_MOUNT.into()),
                        read_only: Some(false),
                        ..Default::default()
                    }]
                }),
                ..hardened_host_config(&self.limits)
            }),
            ..Default::default()
        }
    }

    /// The archive put into the container before start: the runtime folder
    /// and the connection file, owned by the kernel's user, and a home for
    /// a user other than the image's.
    fn upload_archive(&self) -> std::io::Result<Vec<u8>> {
        let (uid, gid) = self.user();
        let mut tar = tar::Builder::new(Vec::new());
        let mut entry = |path: &str, mode: u32, data: Option<&[u8]>| {
            let mut header = tar::Header::new_gnu();
            header.set_uid(uid.into());
            header.set_gid(gid.into());
            header.set_mode(mode);
            header.set_mtime(0);
            match data {
                Some(data) => {
                    header.set_entry_type(tar::EntryType::Regular);
                    header.set_size(data.len() as u64);
                    header.set_cksum();
                    tar.append_data(&mut header, path, data)
                }
                None => {
                    header.set_entry_type(tar::EntryType::Directory);
                    header.set_size(0);
                    header.set_cksum();
                    tar.append_data(&mut header, path, std::io::empty())
                }
            }
        };
        let dir = RUNTIME_DIR.trim_start_matches('/');
        entry(&format!("{dir}/"), 0o700, None)?;
        entry(
            &format!("{dir}/kernel.json"),
            0o600,
            Some(&self.connection_file),
        )?;
        for (name, data) in &self.runtime_files {
            entry(&format!("{dir}/{name}"), 0o600, Some(data))?;
        }
        if uid != IMAGE_UID {
            entry(&format!("{dir}/home/"), 0o700, None)?;
        }
        tar.into_inner()
    }
}

/// A running kernel container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KernelContainer {
    pub id: String,
    pub name: String,
    /// The host ports on 127.0.0.1 the spec's `ports` are published on, in
    /// the same order, as at the last start.
    pub ports: Vec<u16>,
    /// Whether an existing container with the same configuration was
    /// taken over instead of a new one created.
    pub adopted: bool,
}

/// What creating a kernel container came to.
enum Created {
    Made(String),
    /// A container of that name exists.
    NameTaken,
}

/// Time allowed past a stop's grace period before the stop is a timeout.
const STOP_MARGIN: Duration = Duration::from_secs(15);

impl Engine {
    /// Creates and starts the kernel container on its network (made if
    /// missing), or adopts the one with the same name when its
    /// configuration hash matches (replacing it when it does not: a
    /// container made by an earlier SageDesk on the default bridge has
    /// another hash, so it is replaced, never reattached). The host ports
    /// are read back after the start.
    pub async fn start_kernel_container(
        &self,
        spec: &KernelContainerSpec,
    ) -> Result<KernelContainer, EngineError> {
        spec.limits
            .check()
            .map_err(|problem| EngineError::InvalidLimits { problem })?;
        let id = match self.create_kernel_container(spec).await? {
            Created::Made(id) => id,
            Created::NameTaken => {
                if let Some(adopted) = self.adopt(spec).await? {
                    return Ok(adopted);
                }
                self.remove_container(&spec.name).await?;
                match self.create_kernel_container(spec).await? {
                    Created::Made(id) => id,
                    Created::NameTaken => {
                        return Err(EngineError::Api {
                            what: "create the kernel container".into(),
                            message: format!("the name {} is still taken", spec.name),
                        });
                    }
                }
            }
        };
        match self.upload_and_start(&id, spec).await {
            Ok(ports) => Ok(KernelContainer {
                id,
                name: spec.name.clone(),
                ports,
                adopted: false,
            }),
            Err(err) => {
                // A container that never started holds nothing worth keeping.
                let _ = self.remove_container(&id).await;
                Err(err)
            }
        }
    }

    /// Creates the container on its network. A network removed between
    /// finding it and creating the container (`sagedesk gc` in another
    /// process) is made again, once.
    async fn create_kernel_container(
        &self,
        spec: &KernelContainerSpec,
    ) -> Result<Created, EngineError> {
        let what = "create the kernel container";
        let options = CreateContainerOptionsBuilder::default()
            .name(&spec.name)
            .build();
        let mut retried = false;
        loop {
            let network = self.kernel_network(spec.network).await?;
            let create = tokio::time::timeout(
                REQUEST_TIMEOUT,
                self.docker()
                    .create_container(Some(options.clone()), spec.create_body(&network)),
            )
            .await
            .map_err(|_| EngineError::Timeout {
                what: "creating the kernel container".into(),
                after: REQUEST_TIMEOUT,
            })?;
            match create {
                Ok(created) => return Ok(Created::Made(created.id)),
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 409, ..
                }) => return Ok(Created::NameTaken),
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404,
                    message,
                }) if !retried && message.contains("network") => retried = true,
                Err(e) => return Err(error::api(what, e)),
            }
        }
    }

    /// Marks the running kernel container `id` as left running on purpose
    /// (the app quit, leaving it for the next launch): its dead man's
    /// switch then waits for a client instead of stopping it. The mark goes
    /// when a client connects again.
    pub async fn mark_kept(&self, id: &str) -> Result<(), EngineError> {
        let mut tar = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_size(0);
        header.set_cksum();
        let path = format!("{}/{KEPT_MARK}", RUNTIME_DIR.trim_start_matches('/'));
        let archive = tar
            .append_data(&mut header, path, std::io::empty())
            .and_then(|()| tar.into_inner())
            .map_err(|e| EngineError::Api {
                what: "pack the mark of a kernel left running".into(),
                message: e.to_string(),
            })?;
        let options = UploadToContainerOptionsBuilder::default().path("/").build();
        within(
            "mark the kernel as left running",
            REQUEST_TIMEOUT,
            self.docker().upload_to_container(
                id,
                Some(options),
                bollard::body_full(archive.into()),
            ),
        )
        .await
    }

    async fn upload_and_start(
        &self,
        id: &str,
        spec: &KernelContainerSpec,
    ) -> Result<Vec<u16>, EngineError> {
        let archive = spec.upload_archive().map_err(|e| EngineError::Api {
            what: "pack the connection file".into(),
            message: e.to_string(),
        })?;
        let options = UploadToContainerOptionsBuilder::default().path("/").build();
        within(
            "put the connection file into the container",
            REQUEST_TIMEOUT,
            self.docker().upload_to_container(
                id,
                Some(options),
                bollard::body_full(archive.into()),
            ),
        )
        .await?;
        within(
            "start the kernel container",
            REQUEST_TIMEOUT,
            self.docker().start_container(id, None),
        )
        .await?;
        self.host_ports(id, &spec.ports).await
    }

    /// Takes over the container named in `spec` if its configuration hash
    /// matches, starting it if it is stopped. `None` when it does not
    /// match, or is stopped and cannot start.
    async fn adopt(
        &self,
        spec: &KernelContainerSpec,
    ) -> Result<Option<KernelContainer>, EngineError> {
        let inspect = within(
            "inspect the existing kernel container",
            REQUEST_TIMEOUT,
            self.docker()
                .inspect_container(&spec.name, None::<InspectContainerOptions>),
        )
        .await?;
        let hash = inspect
            .config
            .as_ref()
            .and_then(|c| c.labels.as_ref())
            .and_then(|l| l.get(LABEL_CONFIG_HASH).cloned());
        if hash.as_deref() != Some(spec.config_hash().as_str()) {
            return Ok(None);
        }
        let id = inspect.id.unwrap_or_default();
        let running = inspect.state.and_then(|s| s.running).unwrap_or(false);
        // A stopped one that cannot start (its network was removed since)
        // is replaced: a restart loses its variables anyway.
        if !running
            && within(
                "start the existing kernel container",
                REQUEST_TIMEOUT,
                self.docker().start_container(&id, None),
            )
            .await
            .is_err()
        {
            return Ok(None);
        }
        let ports = self.host_ports(&id, &spec.ports).await?;
        Ok(Some(KernelContainer {
            id,
            name: spec.name.clone(),
            ports,
            adopted: true,
        }))
    }

    /// The host ports the container's `ports` are published on now, in the
    /// same order. They change at every start, so they are read back, never
    /// remembered. An error names the first port not published on
    /// 127.0.0.1.
    pub async fn host_ports(&self, id: &str, ports: &[u16]) -> Result<Vec<u16>, EngineError> {
        let inspect = within(
            "read the kernel container's ports",
            REQUEST_TIMEOUT,
            self.docker()
                .inspect_container(id, None::<InspectContainerOptions>),
        )
        .await?;
        let map = inspect
            .network_settings
            .and_then(|n| n.ports)
            .unwrap_or_default();
        let host = |port: u16| -> Result<u16, EngineError> {
            map.get(&format!("{port}/tcp"))
                .and_then(|b| b.as_ref())
                .and_then(|b| b.iter().find(|b| b.host_ip.as_deref() == Some("127.0.0.1")))
                .and_then(|b| b.host_port.as_deref())
                .and_then(|p| p.parse().ok())
                .ok_or_else(|| EngineError::Api {
                    what: "read the kernel container's ports".into(),
                    message: format!(
                        "port {port} of container {} is not published on 127.0.0.1",
                        short(id)
                    ),
                })
        };
        ports.iter().map(|&port| host(port)).collect()
    }

    /// Stops a container: SIGTERM, then SIGKILL after `grace`. A container
    /// already stopped or already gone counts as stopped.
    pub async fn stop_container(&self, id: &str, grace: Duration) -> Result<(), EngineError> {
        let options = StopContainerOptionsBuilder::default()
            .t(grace.as_secs() as i32)
            .build();
        let after = grace + STOP_MARGIN;
        match tokio::time::timeout(after, self.docker().stop_container(id, Some(options))).await {
            Err(_) => Err(EngineError::Timeout {
                what: format!("stopping container {}", short(id)),
                after,
            }),
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) if error::is_not_found(&e) || error::is_not_modified(&e) => Ok(()),
            Ok(Err(e)) => Err(error::api(format!("stop container {}", short(id)), e)),
        }
    }

    /// Sends a signal to the container's main process (through its init).
    pub async fn signal_container(&self, id: &str, signal: &str) -> Result<(), EngineError> {
        let options = KillContainerOptionsBuilder::default()
            .signal(signal)
            .build();
        within(
            &format!("send {signal} to container {}", short(id)),
            REQUEST_TIMEOUT,
            self.docker().kill_container(id, Some(options)),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> KernelContainerSpec {
        KernelContainerSpec {
            name: "sagedesk-test".into(),
            image: "sagedesk/sagemath:x".into(),
            kernel_argv: vec!["python".into(), "-f".into(), "{connection_file}".into()],
            connection_file: br#"{"key":"k1"}"#.to_vec(),
            runtime_files: Vec::new(),
            ports: vec![50001, 50002, 50003, 50004, 50005],
            workspace: None,
            network: KernelNetwork::Outbound,
            notebook: None,
            spare: false,
            limits: Limits::default(),
            owner: Owner::current(),
        }
    }

    #[test]
    fn the_kernel_starts_beside_its_notebook_when_that_folder_is_plainly_there() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("ch1/part a")).unwrap();
        std::os::unix::fs::symlink("/etc", dir.path().join("elsewhere")).unwrap();
        let at = |notebook: Option<&str>| {
            KernelContainerSpec {
                workspace: Some(dir.path().to_path_buf()),
                notebook: notebook.map(str::to_string),
                ..spec()
            }
            .working_dir()
        };
        assert_eq!(at(Some("ch1/part a/n.ipynb")), "/home/sage/work/ch1/part a");
        assert_eq!(at(Some("ch1/n.ipynb")), "/home/sage/work/ch1");
        assert_eq!(at(Some("n.ipynb")), "/home/sage/work");
        assert_eq!(at(None), "/home/sage/work");
        // Not there (renamed since), a link, or a name that climbs: the top.
        assert_eq!(at(Some("gone/n.ipynb")), "/home/sage/work");
        assert_eq!(at(Some("elsewhere/n.ipynb")), "/home/sage/work");
        assert_eq!(at(Some("../n.ipynb")), "/home/sage/work");
        assert_eq!(spec().working_dir(), "/home/sage/work");
    }

    #[test]
    fn the_config_hash_covers_the_key_and_the_limits() {
        let a = spec();
        assert_eq!(a.config_hash(), spec().config_hash());
        let other_key = KernelContainerSpec {
            connection_file: br#"{"key":"k2"}"#.to_vec(),
            ..spec()
        };
        assert_ne!(a.config_hash(), other_key.config_hash());
        let mut other_limits = spec();
        other_limits.limits.memory_bytes = 512 << 20;
        assert_ne!(a.config_hash(), other_limits.config_hash());
        // A kernel on another network is another kernel: one made for the
        // other setting is replaced, not adopted.
        let offline = KernelContainerSpec {
            network: KernelNetwork::Offline,
            ..spec()
        };
        assert_ne!(a.config_hash(), offline.config_hash());
    }

    #[test]
    fn ports_are_published_on_loopback_only_and_the_key_stays_out_of_the_config() {
        let body = spec().create_body("net-id");
        let json = serde_json::to_string(&body).unwrap();
        assert!(
            !json.contains("k1"),
            "the key leaked into the container config: {json}"
        );
        let bindings = body.host_config.unwrap().port_bindings.unwrap();
        assert_eq!(bindings.len(), 5);
        for binding in bindings.values() {
            let binding = &binding.as_ref().unwrap()[0];
            assert_eq!(binding.host_ip.as_deref(), Some("127.0.0.1"));
        }
        assert_eq!(
            body.cmd.unwrap(),
            ["python", "-f", "/run/sagedesk/kernel.json"]
        );
    }

    #[test]
    fn the_workspace_is_a_mount_and_the_network_is_sagedesks() {
        let with_colon = KernelContainerSpec {
            workspace: Some("/home/ann/maths: week 1".into()),
            ..spec()
        };
        let host = with_colon.create_body("net-id").host_config.unwrap();
        assert_eq!(host.network_mode.as_deref(), Some("net-id"));
        assert_eq!(host.binds, None);
        let mount = &host.mounts.unwrap()[0];
        assert_eq!(mount.typ, Some(MountType::BIND));
        assert_eq!(mount.source.as_deref(), Some("/home/ann/maths: week 1"));
        assert_eq!(mount.target.as_deref(), Some(WORKSPACE_MOUNT));
    }
}
