//! Finding the engine: the places an engine may listen (see
//! [`candidates`]), probed in order, and the API version agreed with the
//! first that answers. When none does, the most telling failure is the one
//! reported.

use std::time::Duration;

use bollard::Docker;
use serde::Serialize;

use super::endpoint::{Address, Candidate, Environment, Source, candidates};
use super::error::EngineError;

/// The oldest Engine API SageDesk speaks (Docker 20.10, Podman 4).
pub const MIN_API_VERSION: (u32, u32) = (1, 40);

/// Time allowed to open a connection and agree on an API version.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// bollard's own per-request bound, until the response headers arrive. Our
/// own timeouts are tighter and sized per call; this only backs them up.
const TRANSPORT_TIMEOUT_SECS: u64 = 600;

/// What the engine says about itself.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct EngineInfo {
    /// The address it was reached at, e.g. `unix:///var/run/docker.sock`.
    pub endpoint: String,
    /// Why that address was tried (DOCKER_HOST, a context, a usual place).
    pub source: String,
    /// "Docker Engine", "Podman Engine", …
    pub name: String,
    pub version: String,
    /// The API version in use after negotiation.
    pub api_version: String,
    pub os: String,
    pub arch: String,
    /// The memory its containers share (on Docker Desktop, its virtual
    /// machine's), in bytes; 0 when it did not say.
    pub memory_bytes: i64,
    /// Its CPU cores; 0 when it did not say.
    pub cpus: u32,
}

/// A connection to a container engine that answered and speaks a new
/// enough API.
#[derive(Debug, Clone)]
pub struct Engine {
    // Visible to the engine's modules, as when `Engine` lived in its root:
    // their tests put an engine on a fake socket.
    pub(super) docker: Docker,
    pub(super) info: EngineInfo,
}

/// How one candidate failed, ranked: when no candidate works, the most
/// telling failure is the one reported.
enum Miss {
    /// Nothing there.
    Absent,
    /// A socket or port exists, nothing accepts on it.
    Refused,
    /// An engine is there but cannot be used; this is reported as is.
    Unusable(EngineError),
}

impl Engine {
    /// Finds and connects to the engine: the app's setting first, then the
    /// environment, then the usual places (see [`candidates`]).
    pub async fn connect(setting: Option<&str>) -> Result<Engine, EngineError> {
        Self::connect_with(setting, &Environment::current()).await
    }

    /// [`Engine::connect`] with the environment given, for tests.
    pub async fn connect_with(
        setting: Option<&str>,
        env: &Environment,
    ) -> Result<Engine, EngineError> {
        let candidates = candidates(setting, env);
        let explicit = candidates
            .iter()
            .any(|c| matches!(c.source, Source::Setting | Source::DockerHost));
        let mut tried = Vec::new();
        let mut unusable: Option<EngineError> = None;
        for candidate in &candidates {
            match probe(candidate).await {
                Ok(engine) => return Ok(engine),
                Err(Miss::Absent) => tried.push(candidate.describe()),
                Err(Miss::Refused) => tried.push(format!(
                    "{} (refused: a stale socket)",
                    candidate.describe()
                )),
                Err(Miss::Unusable(err)) => {
                    tried.push(candidate.describe());
                    unusable.get_or_insert(err);
                }
            }
        }
        if let Some(err) = unusable {
            return Err(err);
        }
        if explicit || engine_installed() {
            Err(EngineError::NotRunning { tried })
        } else {
            Err(EngineError::NotInstalled { tried })
        }
    }

    /// What the engine said about itself when we connected.
    pub fn info(&self) -> &EngineInfo {
        &self.info
    }

    /// The underlying client, for the modules of this crate.
    pub(crate) fn docker(&self) -> &Docker {
        &self.docker
    }
}

async fn probe(candidate: &Candidate) -> Result<Engine, Miss> {
    let docker = match &candidate.address {
        Address::Unix(path) => {
            check_unix_socket(path).await?;
            Docker::connect_with_unix(
                &path.to_string_lossy(),
                TRANSPORT_TIMEOUT_SECS,
                bollard::API_DEFAULT_VERSION,
            )
            .map_err(|_| Miss::Absent)?
        }
        Address::Tcp(addr) => Docker::connect_with_http(
            &format!("tcp://{addr}"),
            TRANSPORT_TIMEOUT_SECS,
            bollard::API_DEFAULT_VERSION,
        )
        .map_err(|e| unusable(candidate, e.to_string()))?,
        #[cfg(windows)]
        Address::NamedPipe(pipe) => Docker::connect_with_named_pipe(
            pipe,
            TRANSPORT_TIMEOUT_SECS,
            bollard::API_DEFAULT_VERSION,
        )
        .map_err(|_| Miss::Absent)?,
        #[cfg(not(windows))]
        Address::NamedPipe(_) => return Err(Miss::Absent),
        Address::Unsupported { uri, reason } => {
            return Err(Miss::Unusable(EngineError::Unsupported {
                endpoint: uri.clone(),
                reason: reason.clone(),
            }));
        }
    };
    negotiate(docker, candidate).await
}

fn unusable(candidate: &Candidate, reason: String) -> Miss {
    Miss::Unusable(EngineError::Unsupported {
        endpoint: candidate.address.to_string(),
        reason,
    })
}

/// Classifies a Unix socket before speaking HTTP over it, so that "not
/// there", "nobody listening" and "not allowed" become different messages.
#[cfg(unix)]
async fn check_unix_socket(path: &std::path::Path) -> Result<(), Miss> {
    use std::io::ErrorKind;
    if std::fs::symlink_metadata(path).is_err() {
        return Err(Miss::Absent);
    }
    match tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::UnixStream::connect(path)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) if e.kind() == ErrorKind::PermissionDenied => {
            Err(Miss::Unusable(EngineError::PermissionDenied {
                socket: path.display().to_string(),
            }))
        }
        Ok(Err(e)) if e.kind() == ErrorKind::NotFound => Err(Miss::Absent),
        Ok(Err(_)) => Err(Miss::Refused),
        Err(_) => Err(Miss::Unusable(EngineError::NotResponding {
            endpoint: path.display().to_string(),
            after: CONNECT_TIMEOUT,
        })),
    }
}

#[cfg(not(unix))]
async fn check_unix_socket(_path: &std::path::Path) -> Result<(), Miss> {
    Err(Miss::Absent)
}

/// Agrees on an API version and reads the engine's description. Engines
/// range from Debian's 20.10 (API 1.41 at most) to Docker 29 (1.44 at
/// least), so the version is always negotiated, never assumed.
async fn negotiate(docker: Docker, candidate: &Candidate) -> Result<Engine, Miss> {
    let endpoint = candidate.address.to_string();
    let not_responding = || {
        Miss::Unusable(EngineError::NotResponding {
            endpoint: endpoint.clone(),
            after: CONNECT_TIMEOUT,
        })
    };
    let classify = |e: bollard::errors::Error| -> Miss {
        let text = e.to_string();
        if text.contains("refused") || text.contains("No such file") {
            Miss::Refused
        } else {
            unusable(candidate, text)
        }
    };
    let docker = tokio::time::timeout(CONNECT_TIMEOUT, docker.negotiate_version())
        .await
        .map_err(|_| not_responding())?
        .map_err(classify)?;
    let version = tokio::time::timeout(CONNECT_TIMEOUT, docker.version())
        .await
        .map_err(|_| not_responding())?
        .map_err(classify)?;
    let api_version = version.api_version.clone().unwrap_or_default();
    if parse_api_version(&api_version).is_none_or(|v| v < MIN_API_VERSION) {
        return Err(Miss::Unusable(EngineError::TooOld {
            endpoint,
            api_version,
            minimum: format!("{}.{}", MIN_API_VERSION.0, MIN_API_VERSION.1),
        }));
    }
    // What the containers have to share; not worth failing the connection
    // over (the defaults then assume the least).
    let system = tokio::time::timeout(CONNECT_TIMEOUT, docker.info())
        .await
        .ok()
        .and_then(Result::ok);
    let client = docker.client_version();
    let info = EngineInfo {
        endpoint,
        source: candidate.source.to_string(),
        name: version
            .platform
            .as_ref()
            .map(|p| p.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Docker Engine".into()),
        version: version.version.unwrap_or_default(),
        api_version: format!("{}.{}", client.major_version, client.minor_version),
        os: version.os.unwrap_or_default(),
        arch: version.arch.unwrap_or_default(),
        memory_bytes: system.as_ref().and_then(|s| s.mem_total).unwrap_or(0),
        cpus: system
            .as_ref()
            .and_then(|s| s.ncpu)
            .map_or(0, |n| u32::try_from(n).unwrap_or(0)),
    };
    Ok(Engine { docker, info })
}

/// "1.41" → (1, 41).
fn parse_api_version(text: &str) -> Option<(u32, u32)> {
    let (major, minor) = text.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// Whether some container engine appears to be installed, to tell "not
/// installed" from "not running" when no socket answers.
fn engine_installed() -> bool {
    let on_path = |name: &str| {
        std::env::var_os("PATH").is_some_and(|paths| {
            std::env::split_paths(&paths).any(|dir| {
                let file = dir.join(name);
                file.is_file() || file.with_extension("exe").is_file()
            })
        })
    };
    ["docker", "dockerd", "podman", "colima", "orb"]
        .iter()
        .any(|n| on_path(n))
        || ["/Applications/Docker.app", "/Applications/OrbStack.app"]
            .iter()
            .any(|p| std::path::Path::new(p).exists())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_compare_numerically() {
        assert_eq!(parse_api_version("1.41"), Some((1, 41)));
        assert!(parse_api_version("1.9").unwrap() < MIN_API_VERSION);
        assert!(parse_api_version("1.100").unwrap() > MIN_API_VERSION);
        assert_eq!(parse_api_version("garbage"), None);
    }

    #[tokio::test]
    async fn a_missing_docker_host_socket_is_named_with_a_fix() {
        let env = Environment {
            docker_host: Some("unix:///nowhere.sock".into()),
            ..Environment::default()
        };
        let err = Engine::connect_with(None, &env).await.unwrap_err();
        assert_eq!(err.code(), "engine_not_running");
        assert!(err.to_string().contains("/nowhere.sock"), "{err}");
        assert!(err.fix().contains("DOCKER_HOST"), "{}", err.fix());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_socket_nobody_listens_on_is_not_running() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stale.sock");
        // Bind and drop: the socket file stays, nothing accepts on it.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        let setting = format!("unix://{}", path.display());
        let err = Engine::connect_with(Some(&setting), &Environment::default())
            .await
            .unwrap_err();
        assert_eq!(err.code(), "engine_not_running", "{err}");
        assert!(err.to_string().contains("stale.sock"));
    }
}
