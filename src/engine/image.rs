//! The SageMath image: what it is called, whether it is here, and building
//! it from `docker/` through the engine's build endpoint.
//!
//! The image is tagged with a hash of its build inputs, so an unchanged
//! `docker/` is never rebuilt, and a changed one never reuses a stale image.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

use bollard::query_parameters::{BuildImageOptionsBuilder, BuilderVersion};
use futures_util::StreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Engine;
use super::error::{self, EngineError};
use super::request::REQUEST_TIMEOUT;

/// The repository SageDesk's images are tagged in.
pub const IMAGE_REPOSITORY: &str = "sagedesk/sagemath";
/// The base image `docker/Dockerfile` starts from (its `BASE_IMAGE` argument).
pub const DEFAULT_BASE_IMAGE: &str = "debian:bookworm-slim";
/// The label naming the Sage version of an image.
pub const LABEL_SAGE_VERSION: &str = "org.sagedesk.image";
/// The label holding the kernel's argv as JSON, with `{connection_file}`.
pub const LABEL_KERNEL: &str = "org.sagedesk.kernel";
/// The label recording the hash of the build inputs.
pub const LABEL_CONTEXT_HASH: &str = "org.sagedesk.context-hash";
/// Where the image keeps Jupyter's notebook extensions (what a Jupyter
/// server serves at `/nbextensions/`): Sage's 3D viewer loads three.js from
/// there.
pub const NBEXTENSIONS_DIR: &str = "/opt/sage/share/jupyter/nbextensions";

/// A build that prints nothing for this long is stuck (pip's largest wheel
/// arrives well within it even on a slow line).
const BUILD_STALL: Duration = Duration::from_secs(15 * 60);

/// The files of `docker/`, compiled in so that an installed app can build
/// its image with no source tree. A unit test checks this list against the
/// folder, so a file added there cannot be forgotten here.
const EMBEDDED_CONTEXT: &[(&str, &[u8])] =
    &[("Dockerfile", include_bytes!("../../docker/Dockerfile"))];

/// Where systems keep the certificate authorities they trust.
const HOST_CA_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// This machine's certificate-authority bundle, if it has one where
/// systems usually keep it. Behind an HTTPS proxy that re-signs traffic the
/// proxy's authority is in it, and the build's downloads need it too.
pub fn host_ca_bundle() -> Option<std::path::PathBuf> {
    HOST_CA_BUNDLES
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.is_file())
}

/// The inputs of an image build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildContext {
    files: BTreeMap<String, Vec<u8>>,
    build_args: BTreeMap<String, String>,
    /// Extra certificate authorities trusted while installing. Not part of
    /// the hash: they change how files are fetched, not what is installed.
    extra_ca: Option<Vec<u8>>,
}

/// Progress of a build, as the engine reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum BuildEvent {
    /// The image is already present: nothing to build.
    UpToDate { tag: String },
    /// A Dockerfile step began (1-based).
    Step {
        index: u32,
        total: u32,
        instruction: String,
    },
    /// A line of output from the current step.
    Output { line: String },
}

/// An image on the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ImageInfo {
    pub tag: String,
    pub id: String,
    pub size_bytes: u64,
    /// The Sage version its `org.sagedesk.image` label declares.
    pub sage_version: Option<String>,
    /// The kernel's argv from its `org.sagedesk.kernel` label.
    pub kernel_argv: Option<Vec<String>>,
}

impl BuildContext {
    /// The `docker/` folder this program was built with.
    pub fn embedded() -> BuildContext {
        BuildContext {
            files: EMBEDDED_CONTEXT
                .iter()
                .map(|(name, data)| (name.to_string(), data.to_vec()))
                .collect(),
            build_args: BTreeMap::new(),
            extra_ca: None,
        }
    }

    /// A build folder on disk (regular files at its top level).
    pub fn from_dir(dir: &Path) -> std::io::Result<BuildContext> {
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                let name = entry.file_name().to_string_lossy().into_owned();
                files.insert(name, std::fs::read(entry.path())?);
            }
        }
        if !files.contains_key("Dockerfile") {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} has no Dockerfile", dir.display()),
            ));
        }
        Ok(BuildContext {
            files,
            build_args: BTreeMap::new(),
            extra_ca: None,
        })
    }

    /// Builds on another base image (its tag is part of the hash).
    pub fn with_base_image(mut self, base: &str) -> BuildContext {
        if base == DEFAULT_BASE_IMAGE {
            self.build_args.remove("BASE_IMAGE");
        } else {
            self.build_args.insert("BASE_IMAGE".into(), base.into());
        }
        self
    }

    /// Trusts these extra certificate authorities (PEM) while installing.
    pub fn with_extra_ca(mut self, pem: Vec<u8>) -> BuildContext {
        self.extra_ca = Some(pem);
        self
    }

    /// The base image the build starts from.
    pub fn base_image(&self) -> &str {
        self.build_args
            .get("BASE_IMAGE")
            .map(String::as_str)
            .unwrap_or(DEFAULT_BASE_IMAGE)
    }

    /// The hash of the build's inputs (files and build arguments), hex.
    pub fn hash(&self) -> String {
        let mut hasher = Sha256::new();
        for (name, data) in &self.files {
            // Lengths first, so that no two different inputs hash alike.
            hasher.update((name.len() as u64).to_le_bytes());
            hasher.update(name.as_bytes());
            hasher.update((data.len() as u64).to_le_bytes());
            hasher.update(data);
        }
        for (key, value) in &self.build_args {
            hasher.update(b"arg\0");
            hasher.update(key.as_bytes());
            hasher.update(b"=");
            hasher.update(value.as_bytes());
            hasher.update(b"\0");
        }
        hex::encode(hasher.finalize())
    }

    /// The tag an image built from these inputs carries.
    pub fn tag(&self) -> String {
        format!("{IMAGE_REPOSITORY}:{}", &self.hash()[..16])
    }

    /// The SageMath version (`10.8`) the image built from these inputs
    /// installs, from the `PASSAGEMATH_VERSION` of its Dockerfile: what new
    /// notebooks name in their kernelspec. `10.8` when the Dockerfile does
    /// not say.
    pub fn sage_version(&self) -> String {
        let dockerfile = self
            .files
            .get("Dockerfile")
            .map(|data| String::from_utf8_lossy(data))
            .unwrap_or_default();
        dockerfile
            .lines()
            .find_map(|line| line.trim().strip_prefix("ARG PASSAGEMATH_VERSION="))
            .map(|version| {
                let parts: Vec<&str> = version.trim().split('.').take(2).collect();
                parts.join(".")
            })
            .unwrap_or_else(|| "10.8".into())
    }

    /// The build context as the tar archive the engine expects.
    fn archive(&self) -> std::io::Result<Vec<u8>> {
        let mut tar = tar::Builder::new(Vec::new());
        let mut add = |name: &str, data: &[u8]| {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(0);
            header.set_cksum();
            tar.append_data(&mut header, name, data)
        };
        for (name, data) in &self.files {
            add(name, data)?;
        }
        if let Some(pem) = &self.extra_ca {
            add("extra-ca.crt", pem)?;
        }
        tar.into_inner()
    }
}

impl Engine {
    /// The image with this tag, or `None` when the engine does not have it.
    pub async fn image(&self, tag: &str) -> Result<Option<ImageInfo>, EngineError> {
        let inspect = tokio::time::timeout(REQUEST_TIMEOUT, self.docker().inspect_image(tag)).await;
        let inspect = match inspect {
            Err(_) => {
                return Err(EngineError::Timeout {
                    what: format!("inspecting image {tag}"),
                    after: REQUEST_TIMEOUT,
                });
            }
            Ok(Err(e)) if error::is_not_found(&e) => return Ok(None),
            Ok(Err(e)) => return Err(error::api(format!("inspect image {tag}"), e)),
            Ok(Ok(inspect)) => inspect,
        };
        let labels: HashMap<String, String> =
            inspect.config.and_then(|c| c.labels).unwrap_or_default();
        Ok(Some(ImageInfo {
            tag: tag.to_string(),
            id: inspect.id.unwrap_or_default(),
            size_bytes: inspect.size.unwrap_or(0).max(0) as u64,
            sage_version: labels.get(LABEL_SAGE_VERSION).cloned(),
            kernel_argv: labels
                .get(LABEL_KERNEL)
                .and_then(|argv| serde_json::from_str(argv).ok()),
        }))
    }

    /// Builds the image unless one with the context's tag is already there.
    /// Progress goes to `on_event` as it arrives. Dropping the future
    /// cancels the build: the engine stops it when the client goes away.
    pub async fn build_image(
        &self,
        context: &BuildContext,
        mut on_event: impl FnMut(BuildEvent),
    ) -> Result<ImageInfo, EngineError> {
        let tag = context.tag();
        if let Some(info) = self.image(&tag).await? {
            on_event(BuildEvent::UpToDate { tag });
            return Ok(info);
        }
        let archive = context.archive().map_err(|e| EngineError::BuildFailed {
            message: format!("could not pack the build context: {e}"),
        })?;
        let build_args: HashMap<String, String> = context.build_args.clone().into_iter().collect();
        let labels = HashMap::from([(LABEL_CONTEXT_HASH.to_string(), context.hash())]);
        let options = BuildImageOptionsBuilder::default()
            .dockerfile("Dockerfile")
            .t(&tag)
            .rm(true)
            .forcerm(true)
            .buildargs(&build_args)
            .labels(&labels)
            .version(BuilderVersion::BuilderV1)
            .build();
        let mut stream =
            self.docker()
                .build_image(options, None, Some(bollard::body_full(archive.into())));

        let mut lines = LineSplitter::default();
        let mut current_step = String::new();
        let mut recent: Vec<String> = Vec::new();
        loop {
            let item = match tokio::time::timeout(BUILD_STALL, stream.next()).await {
                Err(_) => {
                    return Err(EngineError::Stalled {
                        what: "the image build".into(),
                        after: BUILD_STALL,
                    });
                }
                Ok(None) => break,
                Ok(Some(item)) => item,
            };
            let info = match item {
                Ok(info) => info,
                Err(e) => {
                    let message = match e {
                        bollard::errors::Error::DockerStreamError { error } => error,
                        bollard::errors::Error::DockerResponseServerError { message, .. } => {
                            message
                        }
                        other => other.to_string(),
                    };
                    return Err(build_failure(context, &current_step, message, &recent));
                }
            };
            let text = info.stream.or(info.status).unwrap_or_default();
            for line in lines.push(&text) {
                if let Some(step) = parse_step(&line) {
                    current_step = line.clone();
                    on_event(step);
                } else {
                    if recent.len() == 20 {
                        recent.remove(0);
                    }
                    recent.push(line.clone());
                    on_event(BuildEvent::Output { line });
                }
            }
        }
        self.image(&tag)
            .await?
            .ok_or_else(|| EngineError::BuildFailed {
                message: format!("the build ended without producing {tag}"),
            })
    }
}

/// Names a failure in the base image's `FROM` for what it is, and gives
/// any other failure the last lines of output that explain it.
fn build_failure(
    context: &BuildContext,
    step: &str,
    message: String,
    recent: &[String],
) -> EngineError {
    let in_from = step.contains(": FROM ") || step.is_empty();
    let pull_words = [
        "pull access denied",
        "manifest unknown",
        "not found",
        "dial tcp",
        "lookup",
        "no such host",
        "TLS handshake",
    ];
    if in_from && pull_words.iter().any(|w| message.contains(w)) {
        return EngineError::BaseImageUnavailable {
            image: context.base_image().to_string(),
            message,
        };
    }
    let tail: Vec<&str> = recent
        .iter()
        .rev()
        .take(8)
        .rev()
        .map(String::as_str)
        .filter(|l| !l.trim().is_empty())
        .collect();
    let mut message = if step.is_empty() {
        message
    } else {
        format!("{message} (at {step})")
    };
    if !tail.is_empty() {
        message.push_str("\n  ");
        message.push_str(&tail.join("\n  "));
    }
    EngineError::BuildFailed { message }
}

/// "Step 3/19 : RUN apt-get …" → a [`BuildEvent::Step`].
fn parse_step(line: &str) -> Option<BuildEvent> {
    let rest = line.strip_prefix("Step ")?;
    let (counts, instruction) = rest.split_once(" : ")?;
    let (index, total) = counts.split_once('/')?;
    Some(BuildEvent::Step {
        index: index.trim().parse().ok()?,
        total: total.trim().parse().ok()?,
        instruction: instruction.trim().to_string(),
    })
}

/// Reassembles lines from the build stream, whose chunks do not respect
/// line ends; carriage-return progress lines are split too.
#[derive(Default)]
struct LineSplitter {
    partial: String,
}

impl LineSplitter {
    fn push(&mut self, text: &str) -> Vec<String> {
        self.partial.push_str(text);
        let mut out = Vec::new();
        while let Some(end) = self.partial.find(['\n', '\r']) {
            let line: String = self.partial.drain(..=end).collect();
            let line = line.trim_end_matches(['\n', '\r']);
            if !line.is_empty() {
                out.push(line.to_string());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_context_is_the_docker_folder() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docker");
        let on_disk = BuildContext::from_dir(&dir).unwrap();
        assert_eq!(
            on_disk.files.keys().collect::<Vec<_>>(),
            BuildContext::embedded().files.keys().collect::<Vec<_>>(),
            "every file in docker/ must be listed in EMBEDDED_CONTEXT"
        );
        assert_eq!(on_disk.hash(), BuildContext::embedded().hash());
    }

    #[test]
    fn the_build_names_its_sage_version() {
        let version = BuildContext::embedded().sage_version();
        assert!(version.starts_with("10."), "{version}");
        assert_eq!(version.split('.').count(), 2);
    }

    #[test]
    fn the_tag_follows_the_inputs() {
        let base = BuildContext::embedded();
        assert!(base.tag().starts_with("sagedesk/sagemath:"));
        assert_eq!(base.tag(), BuildContext::embedded().tag());
        let other_base = base.clone().with_base_image("debian:trixie-slim");
        assert_ne!(base.tag(), other_base.tag());
        assert_eq!(
            base.clone().with_base_image(DEFAULT_BASE_IMAGE).tag(),
            base.tag()
        );
        // The certificate bundle changes how files are fetched, not the image.
        assert_eq!(
            base.clone().with_extra_ca(b"pem".to_vec()).tag(),
            base.tag()
        );
    }

    #[test]
    fn the_archive_holds_the_files_and_the_optional_bundle() {
        let context =
            BuildContext::embedded().with_extra_ca(b"-----BEGIN CERTIFICATE-----".to_vec());
        let archive = context.archive().unwrap();
        let mut names: Vec<String> = tar::Archive::new(archive.as_slice())
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        names.sort();
        assert_eq!(names, ["Dockerfile", "extra-ca.crt"]);
    }

    #[test]
    fn steps_and_lines_are_parsed_from_the_stream() {
        assert_eq!(
            parse_step("Step 3/19 : RUN apt-get update"),
            Some(BuildEvent::Step {
                index: 3,
                total: 19,
                instruction: "RUN apt-get update".into()
            })
        );
        assert_eq!(parse_step(" ---> Running in 1234"), None);
        let mut lines = LineSplitter::default();
        assert_eq!(lines.push("Downloading a"), Vec::<String>::new());
        assert_eq!(lines.push("bc\r50%\nnext"), vec!["Downloading abc", "50%"]);
        assert_eq!(lines.push("\n"), vec!["next"]);
    }

    #[test]
    fn a_missing_base_image_is_named() {
        let err = build_failure(
            &BuildContext::embedded(),
            "Step 1/19 : FROM debian:bookworm-slim AS build",
            "pull access denied for debian, repository does not exist".into(),
            &[],
        );
        assert_eq!(err.code(), "base_image_unavailable");
        assert!(err.to_string().contains("debian:bookworm-slim"));
        assert!(err.fix().contains("make-base-image.sh"));
    }
}
