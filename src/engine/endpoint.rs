//! Where the Docker engine is. The order follows the Docker CLI's: the app's
//! own setting, `DOCKER_HOST`, the current Docker context, then the places
//! engines usually put their socket (Docker Engine, rootless Docker, Docker
//! Desktop, Podman, Colima, OrbStack, Rancher Desktop, the Windows pipe).

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Why an endpoint is a candidate: reported to the user beside the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// SageDesk's own engine setting.
    Setting,
    /// The `DOCKER_HOST` environment variable.
    DockerHost,
    /// A Docker CLI context (named) from `DOCKER_CONTEXT` or `config.json`.
    Context(String),
    /// A well-known socket location.
    WellKnown(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Setting => f.write_str("SageDesk setting"),
            Source::DockerHost => f.write_str("DOCKER_HOST"),
            Source::Context(name) => write!(f, "Docker context {name}"),
            Source::WellKnown(what) => f.write_str(what),
        }
    }
}

/// How to reach an engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Unix(PathBuf),
    /// Plain HTTP over TCP, `host:port`.
    Tcp(String),
    /// A Windows named pipe, `//./pipe/NAME`.
    NamedPipe(String),
    /// An address this build cannot use (ssh://, TLS, unknown scheme).
    Unsupported {
        uri: String,
        reason: String,
    },
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Unix(path) => write!(f, "unix://{}", path.display()),
            Address::Tcp(addr) => write!(f, "tcp://{addr}"),
            Address::NamedPipe(pipe) => write!(f, "npipe://{pipe}"),
            Address::Unsupported { uri, .. } => f.write_str(uri),
        }
    }
}

impl Address {
    /// Parses a Docker host URI as `DOCKER_HOST` accepts it.
    pub fn parse(uri: &str, tls: bool) -> Address {
        let uri = uri.trim();
        if let Some(path) = uri.strip_prefix("unix://") {
            Address::Unix(PathBuf::from(path))
        } else if let Some(pipe) = uri.strip_prefix("npipe://") {
            Address::NamedPipe(pipe.to_string())
        } else if let Some(rest) = uri
            .strip_prefix("tcp://")
            .or_else(|| uri.strip_prefix("http://"))
        {
            if tls {
                Address::Unsupported {
                    uri: uri.to_string(),
                    reason:
                        "TLS-protected engine connections (DOCKER_TLS_VERIFY) are not supported"
                            .into(),
                }
            } else {
                Address::Tcp(rest.trim_end_matches('/').to_string())
            }
        } else if uri.starts_with('/') {
            Address::Unix(PathBuf::from(uri))
        } else if uri.starts_with("ssh://") {
            Address::Unsupported {
                uri: uri.to_string(),
                reason: "engines reached over ssh:// are not supported; use a local socket".into(),
            }
        } else {
            Address::Unsupported {
                uri: uri.to_string(),
                reason: "the address has no scheme SageDesk knows (unix://, npipe://, tcp://)"
                    .into(),
            }
        }
    }

    /// The short form shown to people: the socket path for a Unix socket.
    pub fn short(&self) -> String {
        match self {
            Address::Unix(path) => path.display().to_string(),
            other => other.to_string(),
        }
    }
}

/// One place to look for the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub address: Address,
    pub source: Source,
}

impl Candidate {
    /// "`/var/run/docker.sock` (Docker Engine)", as listed in error messages.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.address.short(), self.source)
    }
}

/// What the discovery reads from the environment: passed in, so tests can
/// fix it.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub docker_host: Option<String>,
    pub docker_tls_verify: bool,
    pub docker_context: Option<String>,
    /// `DOCKER_CONFIG`, else `~/.docker`.
    pub docker_config_dir: Option<PathBuf>,
    pub home: Option<PathBuf>,
    pub xdg_runtime_dir: Option<PathBuf>,
    pub uid: Option<u32>,
}

impl Environment {
    /// Reads this process's environment.
    pub fn current() -> Environment {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let home = var("HOME")
            .or_else(|| var("USERPROFILE"))
            .map(PathBuf::from);
        Environment {
            docker_host: var("DOCKER_HOST"),
            docker_tls_verify: var("DOCKER_TLS_VERIFY").is_some_and(|v| v != "0"),
            docker_context: var("DOCKER_CONTEXT"),
            docker_config_dir: var("DOCKER_CONFIG")
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(".docker"))),
            home,
            xdg_runtime_dir: var("XDG_RUNTIME_DIR").map(PathBuf::from),
            uid: current_uid(),
        }
    }

    fn runtime_dir(&self) -> Option<PathBuf> {
        self.xdg_runtime_dir.clone().or_else(|| {
            self.uid
                .map(|uid| PathBuf::from(format!("/run/user/{uid}")))
        })
    }
}

#[cfg(unix)]
fn current_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    // The owner of /proc/self is this process's uid, with no libc call.
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

#[cfg(not(unix))]
fn current_uid() -> Option<u32> {
    None
}

/// The places to try, in order. An explicit choice (the setting, or
/// `DOCKER_HOST`) is the only candidate, as with the Docker CLI: a person
/// who named an engine wants that one, not a fallback.
pub fn candidates(setting: Option<&str>, env: &Environment) -> Vec<Candidate> {
    if let Some(uri) = setting.filter(|s| !s.trim().is_empty()) {
        return vec![Candidate {
            address: Address::parse(uri, false),
            source: Source::Setting,
        }];
    }
    if let Some(uri) = &env.docker_host {
        return vec![Candidate {
            address: Address::parse(uri, env.docker_tls_verify),
            source: Source::DockerHost,
        }];
    }
    let mut out = Vec::new();
    if let Some(candidate) = context_candidate(env) {
        out.push(candidate);
    }
    for (address, what) in well_known(env) {
        let candidate = Candidate {
            address,
            source: Source::WellKnown(what),
        };
        if !out.iter().any(|c| c.address == candidate.address) {
            out.push(candidate);
        }
    }
    out
}

/// The endpoint of the Docker CLI's current context, when it is not the
/// default one.
fn context_candidate(env: &Environment) -> Option<Candidate> {
    let config_dir = env.docker_config_dir.as_ref()?;
    let name = match &env.docker_context {
        Some(name) => name.clone(),
        None => {
            let config = std::fs::read_to_string(config_dir.join("config.json")).ok()?;
            let config: serde_json::Value = serde_json::from_str(&config).ok()?;
            config.get("currentContext")?.as_str()?.to_string()
        }
    };
    if name.is_empty() || name == "default" {
        return None;
    }
    let host = context_host(config_dir, &name)?;
    Some(Candidate {
        address: Address::parse(&host, false),
        source: Source::Context(name),
    })
}

/// Reads `contexts/meta/<sha256 of name>/meta.json`, where the Docker CLI keeps
/// a context's endpoints.
fn context_host(config_dir: &Path, name: &str) -> Option<String> {
    let digest = hex::encode(Sha256::digest(name.as_bytes()));
    let meta = config_dir
        .join("contexts")
        .join("meta")
        .join(digest)
        .join("meta.json");
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(meta).ok()?).ok()?;
    Some(
        meta.pointer("/Endpoints/docker/Host")?
            .as_str()?
            .to_string(),
    )
}

fn well_known(env: &Environment) -> Vec<(Address, &'static str)> {
    if cfg!(windows) {
        return vec![
            (
                Address::NamedPipe("//./pipe/docker_engine".into()),
                "Docker Desktop",
            ),
            (
                Address::NamedPipe("//./pipe/podman-machine-default".into()),
                "Podman",
            ),
        ];
    }
    let mut out = vec![(
        Address::Unix("/var/run/docker.sock".into()),
        "Docker Engine",
    )];
    let runtime = env.runtime_dir();
    if let Some(dir) = &runtime {
        out.push((Address::Unix(dir.join("docker.sock")), "rootless Docker"));
    }
    if let Some(home) = &env.home {
        out.push((
            Address::Unix(home.join(".docker/desktop/docker.sock")),
            "Docker Desktop",
        ));
        out.push((
            Address::Unix(home.join(".docker/run/docker.sock")),
            "Docker Desktop",
        ));
    }
    if let Some(dir) = &runtime {
        out.push((Address::Unix(dir.join("podman/podman.sock")), "Podman"));
    }
    out.push((Address::Unix("/run/podman/podman.sock".into()), "Podman"));
    if let Some(home) = &env.home {
        out.push((
            Address::Unix(home.join(".colima/default/docker.sock")),
            "Colima",
        ));
        out.push((Address::Unix(home.join(".colima/docker.sock")), "Colima"));
        out.push((
            Address::Unix(home.join(".orbstack/run/docker.sock")),
            "OrbStack",
        ));
        out.push((
            Address::Unix(home.join(".rd/docker.sock")),
            "Rancher Desktop",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Environment {
        Environment {
            home: Some("/home/ada".into()),
            xdg_runtime_dir: Some("/run/user/1000".into()),
            uid: Some(1000),
            ..Environment::default()
        }
    }

    #[test]
    fn explicit_docker_host_is_the_only_candidate() {
        let env = Environment {
            docker_host: Some("unix:///nowhere.sock".into()),
            ..env()
        };
        let c = candidates(None, &env);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].address, Address::Unix("/nowhere.sock".into()));
        assert_eq!(c[0].describe(), "/nowhere.sock (DOCKER_HOST)");
    }

    #[test]
    fn the_setting_wins_over_docker_host() {
        let env = Environment {
            docker_host: Some("unix:///a.sock".into()),
            ..env()
        };
        let c = candidates(Some("tcp://127.0.0.1:2375"), &env);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].address, Address::Tcp("127.0.0.1:2375".into()));
        assert_eq!(c[0].source, Source::Setting);
    }

    #[cfg(unix)]
    #[test]
    fn default_order_starts_with_the_system_socket_and_covers_the_usual_engines() {
        let c = candidates(None, &env());
        let paths: Vec<String> = c.iter().map(|c| c.address.short()).collect();
        assert_eq!(paths[0], "/var/run/docker.sock");
        for expected in [
            "/run/user/1000/docker.sock",
            "/home/ada/.docker/desktop/docker.sock",
            "/home/ada/.docker/run/docker.sock",
            "/run/user/1000/podman/podman.sock",
            "/run/podman/podman.sock",
            "/home/ada/.colima/default/docker.sock",
            "/home/ada/.orbstack/run/docker.sock",
        ] {
            assert!(
                paths.contains(&expected.to_string()),
                "{expected} missing from {paths:?}"
            );
        }
    }

    #[test]
    fn ssh_and_tls_are_reported_as_unsupported() {
        assert!(matches!(
            Address::parse("ssh://me@host", false),
            Address::Unsupported { .. }
        ));
        assert!(matches!(
            Address::parse("tcp://host:2376", true),
            Address::Unsupported { .. }
        ));
    }

    #[test]
    fn the_current_context_comes_before_the_well_known_sockets() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path();
        std::fs::write(config.join("config.json"), r#"{"currentContext":"colima"}"#).unwrap();
        let meta = config
            .join("contexts/meta")
            .join(hex::encode(Sha256::digest(b"colima")));
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"colima","Endpoints":{"docker":{"Host":"unix:///home/ada/.colima/default/docker.sock"}}}"#,
        )
        .unwrap();
        let env = Environment {
            docker_config_dir: Some(config.to_path_buf()),
            ..env()
        };
        let c = candidates(None, &env);
        assert_eq!(c[0].source, Source::Context("colima".into()));
        assert_eq!(
            c[0].address.short(),
            "/home/ada/.colima/default/docker.sock"
        );
        // The same socket is not listed twice.
        let n = c
            .iter()
            .filter(|c| c.address.short() == "/home/ada/.colima/default/docker.sock")
            .count();
        assert_eq!(n, 1);
    }
}
