//! Containers from the SageMath image. Every container SageDesk creates is
//! locked down the same way (see [`hardened_host_config`]) and labelled as
//! SageDesk's, so that it can be found and removed if the app goes away.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{
    ContainerCreateBody, HostConfig, HostConfigLogConfig, RestartPolicy, RestartPolicyNameEnum,
};
use bollard::query_parameters::{
    InspectContainerOptions, LogsOptionsBuilder, RemoveContainerOptionsBuilder,
    WaitContainerOptionsBuilder,
};
use futures_util::StreamExt;
use serde::Serialize;

use super::Engine;
use super::error::EngineError;
use super::kernel_container::{LABEL_LIMITS, LABEL_OWNER};
use super::owner::Owner;
use super::request::{REQUEST_TIMEOUT, within};

/// The label on every container SageDesk creates.
pub const LABEL_MANAGED: &str = "org.sagedesk.managed";

/// Resource limits for one container.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    /// Memory limit; swap is limited to the same, so the limit is real.
    pub memory_bytes: i64,
    /// A cap on the CPU it may use, in cores; `None` for every core the
    /// engine has. (Measured on 2 cores: real notebooks run 10–15% slower
    /// under a 1-core cap than with none.)
    #[serde(default)]
    pub cpus: Option<f64>,
    /// Its weight when the engine's cores are busy (Docker's default weight
    /// is 1024): below the desktop's, so that the window stays responsive
    /// while a kernel computes on every core.
    #[serde(default = "default_cpu_shares")]
    pub cpu_shares: i64,
    /// Most processes and threads the container may have.
    pub pids: i64,
}

fn default_cpu_shares() -> i64 {
    Limits::CPU_SHARES
}

impl Default for Limits {
    /// Every core at a lower weight, and the least memory a default gives
    /// ([`Limits::MIN_DEFAULT_MEMORY`]); [`Limits::for_machine`] fits the
    /// memory to the engine.
    fn default() -> Self {
        Limits {
            memory_bytes: Self::MIN_DEFAULT_MEMORY,
            cpus: None,
            cpu_shares: Self::CPU_SHARES,
            pids: 1024,
        }
    }
}

impl Limits {
    /// The least memory a container may be given.
    pub const MIN_MEMORY_BYTES: i64 = 64 << 20;
    /// The least memory a kernel gets by default, whatever the machine.
    pub const MIN_DEFAULT_MEMORY: i64 = 2 << 30;
    /// A kernel's CPU weight: half of Docker's default.
    pub const CPU_SHARES: i64 = 512;

    /// The defaults for an engine with `memory_bytes` of memory: half of it
    /// (and at least [`Limits::MIN_DEFAULT_MEMORY`]), every core.
    pub fn for_machine(memory_bytes: i64) -> Limits {
        Limits {
            memory_bytes: (memory_bytes / 2).max(Self::MIN_DEFAULT_MEMORY),
            ..Limits::default()
        }
    }
    /// The least CPU a container may be given. The engine reads a CPU
    /// limit of 0 (what 1e-10 cores rounds to) as no limit at all.
    pub const MIN_CPUS: f64 = 0.1;

    /// Whether each limit is one: the problem, for a person, when not.
    pub fn check(&self) -> Result<(), String> {
        if self.memory_bytes < Self::MIN_MEMORY_BYTES {
            return Err(format!(
                "a memory limit of {} bytes is below 64 MiB",
                self.memory_bytes
            ));
        }
        if let Some(cpus) = self.cpus
            && !(cpus.is_finite() && cpus >= Self::MIN_CPUS)
        {
            return Err(format!(
                "a CPU limit of {cpus} is below {} CPU",
                Self::MIN_CPUS
            ));
        }
        if !(2..=262_144).contains(&self.cpu_shares) {
            return Err(format!(
                "a CPU weight of {} is out of range",
                self.cpu_shares
            ));
        }
        // 0 and -1 mean no limit to the engine.
        if self.pids < 1 {
            return Err(format!("a process limit of {} is no limit", self.pids));
        }
        Ok(())
    }
}

/// How long a one-shot command may run before it is killed, by default.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// What a one-shot command printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunOutput {
    /// The container it ran in (removed by the time this is returned).
    pub container_id: String,
    pub exit_code: i64,
    pub stdout: String,
    pub stderr: String,
    /// The kernel's OOM killer ended it at the memory limit.
    pub oom_killed: bool,
}

/// The host configuration every SageDesk container gets: no capabilities,
/// no privilege gain, an init process to reap zombies and forward signals,
/// memory with no extra swap, CPU and process limits, a capped log, and no
/// automatic restart (the app decides about restarts).
pub(crate) fn hardened_host_config(limits: &Limits) -> HostConfig {
    HostConfig {
        cap_drop: Some(vec!["ALL".into()]),
        security_opt: Some(vec!["no-new-privileges".into()]),
        init: Some(true),
        memory: Some(limits.memory_bytes),
        memory_swap: Some(limits.memory_bytes),
        nano_cpus: limits.cpus.map(|cpus| (cpus * 1e9) as i64),
        cpu_shares: Some(limits.cpu_shares),
        pids_limit: Some(limits.pids),
        log_config: Some(HostConfigLogConfig {
            typ: Some("json-file".into()),
            config: Some(HashMap::from([
                ("max-size".into(), "10m".into()),
                ("max-file".into(), "2".into()),
            ])),
        }),
        restart_policy: Some(RestartPolicy {
            name: Some(RestartPolicyNameEnum::NO),
            maximum_retry_count: None,
        }),
        ..Default::default()
    }
}

impl Engine {
    /// Runs `argv` in a new container from `image`, with no network, waits
    /// for it (killing it after `timeout`), and returns its output. The
    /// container is removed whatever happens.
    pub async fn run_command(
        &self,
        image: &str,
        argv: &[&str],
        limits: &Limits,
        timeout: Duration,
    ) -> Result<RunOutput, EngineError> {
        limits
            .check()
            .map_err(|problem| EngineError::InvalidLimits { problem })?;
        let config = ContainerCreateBody {
            image: Some(image.to_string()),
            cmd: Some(argv.iter().map(|s| s.to_string()).collect()),
            labels: Some(HashMap::from([
                (LABEL_MANAGED.to_string(), "true".to_string()),
                (LABEL_OWNER.to_string(), Owner::current().to_label()),
                (
                    LABEL_LIMITS.to_string(),
                    serde_json::to_string(limits).unwrap_or_default(),
                ),
            ])),
            network_disabled: Some(true),
            host_config: Some(HostConfig {
                network_mode: Some("none".into()),
                ..hardened_host_config(limits)
            }),
            ..Default::default()
        };
        let created = within(
            "create a container",
            REQUEST_TIMEOUT,
            self.docker().create_container(None, config),
        )
        .await?;
        let id = created.id;
        let result = self.run_created(&id, timeout).await;
        let removed = self.remove_container(&id).await;
        let output = result?;
        removed?;
        Ok(output)
    }

    async fn run_created(&self, id: &str, timeout: Duration) -> Result<RunOutput, EngineError> {
        within(
            "start the container",
            REQUEST_TIMEOUT,
            self.docker().start_container(id, None),
        )
        .await?;
        let wait_options = WaitContainerOptionsBuilder::default()
            .condition("not-running")
            .build();
        let mut wait = self.docker().wait_container(id, Some(wait_options));
        let exit_code = match tokio::time::timeout(timeout, wait.next()).await {
            Err(_) => {
                return Err(EngineError::Timeout {
                    what: format!("the command in container {}", short(id)),
                    after: timeout,
                });
            }
            Ok(Some(Ok(response))) => response.status_code,
            // bollard reports a non-zero exit as an error carrying the code.
            Ok(Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. }))) => code,
            Ok(Some(Err(e))) => return Err(super::error::api("wait for the container", e)),
            Ok(None) => {
                return Err(EngineError::Api {
                    what: "wait for the container".into(),
                    message: "the engine closed the wait without an exit code".into(),
                });
            }
        };
        let (stdout, stderr) = self.read_logs(id).await?;
        let inspect = within(
            "inspect the container",
            REQUEST_TIMEOUT,
            self.docker()
                .inspect_container(id, None::<InspectContainerOptions>),
        )
        .await?;
        let oom_killed = inspect.state.and_then(|s| s.oom_killed).unwrap_or(false);
        Ok(RunOutput {
            container_id: id.to_string(),
            exit_code,
            stdout,
            stderr,
            oom_killed,
        })
    }

    async fn read_logs(&self, id: &str) -> Result<(String, String), EngineError> {
        let options = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .build();
        let mut logs = self.docker().logs(id, Some(options));
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        loop {
            match tokio::time::timeout(REQUEST_TIMEOUT, logs.next()).await {
                Err(_) => {
                    return Err(EngineError::Stalled {
                        what: "reading the container's output".into(),
                        after: REQUEST_TIMEOUT,
                    });
                }
                Ok(None) => break,
                Ok(Some(Err(e))) => {
                    return Err(super::error::api("read the container's output", e));
                }
                Ok(Some(Ok(bollard::container::LogOutput::StdErr { message }))) => {
                    stderr.extend_from_slice(&message)
                }
                Ok(Some(Ok(other))) => stdout.extend_from_slice(&other.into_bytes()),
            }
        }
        Ok((
            String::from_utf8_lossy(&stdout).into_owned(),
            String::from_utf8_lossy(&stderr).into_owned(),
        ))
    }

    /// Copies the folder `path` of the container `container` (a name or an
    /// id) to `dest`, as `docker cp` does: the folder's files are in `dest`
    /// once this returns, or nothing is. At most `limit` bytes of archive are
    /// read; entries that would leave `dest` are refused by the unpacking.
    pub async fn copy_folder_out(
        &self,
        container: &str,
        path: &str,
        dest: &std::path::Path,
        limit: usize,
    ) -> Result<(), EngineError> {
        let what = format!("copy {path} out of container {}", short(container));
        let options = bollard::query_parameters::DownloadFromContainerOptionsBuilder::default()
            .path(path)
            .build();
        let mut stream = self
            .docker()
            .download_from_container(container, Some(options));
        let mut archive = Vec::new();
        loop {
            let chunk = tokio::time::timeout(REQUEST_TIMEOUT, stream.next())
                .await
                .map_err(|_| EngineError::Timeout {
                    what: what.clone(),
                    after: REQUEST_TIMEOUT,
                })?;
            match chunk {
                None => break,
                Some(Ok(bytes)) => {
                    archive.extend_from_slice(&bytes);
                    if archive.len() > limit {
                        return Err(EngineError::Api {
                            what,
                            message: format!("the folder is larger than {limit} bytes"),
                        });
                    }
                }
                Some(Err(e)) => return Err(super::error::api(what, e)),
            }
        }
        // The archive holds the folder under its own name: unpack it beside
        // `dest`, then move that folder into place.
        let parent = dest.parent().unwrap_or(std::path::Path::new("."));
        let staging = parent.join(format!(".copy-{}", &crate::id::new_id()[..12]));
        let unpack = || -> std::io::Result<()> {
            std::fs::create_dir_all(&staging)?;
            tar::Archive::new(archive.as_slice()).unpack(&staging)?;
            let name = std::path::Path::new(path)
                .file_name()
                .ok_or_else(|| std::io::Error::other("a path with no folder name"))?;
            std::fs::rename(staging.join(name), dest)
        };
        let unpacked = unpack();
        let _ = std::fs::remove_dir_all(&staging);
        unpacked.map_err(|e| EngineError::Api {
            what,
            message: e.to_string(),
        })
    }

    /// Removes a container, stopping it first if needed. A container that is
    /// already gone, or already being removed, counts as removed.
    pub async fn remove_container(&self, id: &str) -> Result<(), EngineError> {
        let options = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        match tokio::time::timeout(
            REQUEST_TIMEOUT,
            self.docker().remove_container(id, Some(options)),
        )
        .await
        {
            Err(_) => Err(EngineError::Timeout {
                what: format!("removing container {}", short(id)),
                after: REQUEST_TIMEOUT,
            }),
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) if super::error::is_not_found(&e) => Ok(()),
            Ok(Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 409,
                message,
            })) if message.contains("already in progress") => Ok(()),
            Ok(Err(e)) => Err(super::error::api(
                format!("remove container {}", short(id)),
                e,
            )),
        }
    }
}

pub(crate) fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_limit_is_a_limit() {
        assert_eq!(Limits::default().check(), Ok(()));
        let with = |change: fn(&mut Limits)| {
            let mut limits = Limits::default();
            change(&mut limits);
            limits.check()
        };
        // 1e-12 cores is 0 ns of CPU a second: the engine's "no limit".
        assert_eq!(
            hardened_host_config(&Limits {
                cpus: Some(1e-12),
                ..Limits::default()
            })
            .nano_cpus,
            Some(0)
        );
        assert!(
            with(|l| l.cpus = Some(1e-12))
                .unwrap_err()
                .contains("0.1 CPU")
        );
        assert!(with(|l| l.cpus = Some(0.0)).is_err());
        assert!(with(|l| l.cpus = Some(f64::NAN)).is_err());
        assert!(with(|l| l.cpus = Some(f64::INFINITY)).is_err());
        assert_eq!(with(|l| l.cpus = Some(0.1)), Ok(()));
        assert!(with(|l| l.pids = 0).is_err());
        assert!(with(|l| l.pids = -1).is_err());
        assert!(with(|l| l.memory_bytes = 1 << 20).is_err());
        assert!(with(|l| l.cpu_shares = 0).is_err());
    }

    #[test]
    fn by_default_a_kernel_has_every_core_at_a_lower_weight_and_half_the_memory() {
        let config = hardened_host_config(&Limits::default());
        assert_eq!(config.nano_cpus, None, "no CPU cap");
        assert_eq!(config.cpu_shares, Some(512));
        assert_eq!(Limits::for_machine(24 << 30).memory_bytes, 12 << 30);
        assert_eq!(Limits::for_machine(2 << 30).memory_bytes, 2 << 30);
        assert_eq!(Limits::for_machine(0).memory_bytes, 2 << 30);
        // Records and labels written before the weight existed still read.
        let old: Limits =
            serde_json::from_str(r#"{"memoryBytes": 2147483648, "cpus": 1.0, "pids": 1024}"#)
                .unwrap();
        assert_eq!(old.cpus, Some(1.0));
        assert_eq!(old.cpu_shares, 512);
    }
}
