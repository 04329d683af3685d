//! Getting to a first kernel and staying there: the engine's report, the
//! image (pulled or built, with progress), a first kernel tried, the
//! engine watched while the app runs (kernels that died with it start again
//! when it is back), orphaned containers collected, and the image's notebook
//! extensions copied out for Sage's 3D viewer.

use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use crate::doctor::{self, Report};
use crate::engine::{BuildContext, ImageInfo, NBEXTENSIONS_DIR, host_ca_bundle};
use crate::kernel::outputs::OutputLimits;
use crate::notebook::Output;
use crate::session::{Session, SessionConfig, forward};

use super::error::DeskError;
use super::events::{DeskEvent, engine_changed};
use super::open::{Desk, machine_limits};
use super::views::KernelCheck;

/// How long [`Desk::engine_status`] may take before it gives up with a
/// timeout. The core bounds each of its requests (10 s to connect, 30 s a
/// request) and reports a precise problem when one runs out; this longer
/// bound only guarantees that a front end never waits forever.
pub const ENGINE_STATUS_BUDGET: Duration = Duration::from_secs(60);

/// How long the kernel tried at setup may take to answer.
const KERNEL_CHECK_BUDGET: Duration = Duration::from_secs(180);

/// The largest copy of an image's notebook extensions taken (they are
/// about 4 MB).
const NBEXTENSIONS_LIMIT: usize = 64 << 20;

impl Desk {
    /// Where the engine is, its version, and whether the image (the
    /// setting's, or this build's) is there; or the problem, with its fix.
    ///
    /// # Errors
    ///
    /// [`DeskError::Timeout`] when the check takes longer than
    /// [`ENGINE_STATUS_BUDGET`].
    pub async fn engine_status(&self) -> Result<Report, DeskError> {
        let tag = self.image_tag();
        let setting = self.inner.engine_setting.as_deref();
        tokio::time::timeout(ENGINE_STATUS_BUDGET, doctor::check_image(setting, &tag))
            .await
            .map_err(|_| DeskError::Timeout {
                what: "The engine check",
                seconds: ENGINE_STATUS_BUDGET.as_secs(),
            })
    }

    /// Sets the image up, unless it is there: pulls the image the image
    /// setting names (from its registry), sending its bytes and layers as
    /// [`DeskEvent::Pull`], or builds the one this build of SageDesk makes,
    /// sending its steps and output as [`DeskEvent::Setup`]. The build trusts
    /// this machine's certificate authorities while downloading, as the
    /// machine's own programs do.
    pub async fn prepare_image(&self) -> Result<ImageInfo, DeskError> {
        let engine = self.engine().await?;
        if let Some(reference) = self.settings().image {
            if let Some(image) = engine.image(&reference).await? {
                return Ok(image);
            }
            let image = engine
                .pull_image(&reference, |progress| {
                    self.emit(DeskEvent::Pull { progress });
                })
                .await?;
            return Ok(image);
        }
        let mut context = BuildContext::embedded();
        if let Some(bundle) = host_ca_bundle()
            && let Ok(pem) = std::fs::read(&bundle)
        {
            context = context.with_extra_ca(pem);
        }
        let image = engine
            .build_image(&context, |event| self.emit(DeskEvent::Setup { event }))
            .await?;
        Ok(image)
    }

    /// Tries the image's kernel once, as a notebook would start it (the
    /// settings' limits and network): starts it, asks it for Sage's version, and stops
    /// it. The setup's last step, so that a kernel that cannot start is
    /// known before the first notebook needs one.
    pub async fn check_kernel(&self) -> Result<KernelCheck, DeskError> {
        let engine = self.engine().await?;
        let mut config = SessionConfig::for_image(&engine, &self.image_tag()).await?;
        let settings = self.settings();
        config.limits = settings.limits(&machine_limits(&engine));
        config.network = settings.kernel_network();
        config.auto_restart = false;
        let started = Instant::now();
        let session = Session::start(engine, config);
        let answer = async {
            session.ready().await?;
            let run = session.execute("version()")?;
            let done = forward(run, OutputLimits::default(), |_| {}).await;
            if let Some((_, message)) = done.death {
                return Err(DeskError::KernelDied(message));
            }
            done.outputs
                .outputs()
                .iter()
                .find_map(|output| match output {
                    Output::ExecuteResult { data, .. } => data
                        .get("text/plain")
                        .and_then(|text| text.as_str())
                        .map(|text| text.trim_matches('\'').to_string()),
                    _ => None,
                })
                .ok_or(DeskError::KernelNoAnswer)
        };
        let answer = tokio::time::timeout(KERNEL_CHECK_BUDGET, answer).await;
        let seconds = started.elapsed().as_secs_f64();
        session.stop().await;
        match answer {
            Ok(Ok(version)) => Ok(KernelCheck { version, seconds }),
            Ok(Err(err)) => Err(err),
            Err(_) => Err(DeskError::Timeout {
                what: "The kernel's first answer",
                seconds: KERNEL_CHECK_BUDGET.as_secs(),
            }),
        }
    }

    /// Looks at the engine every `every` for as long as it is polled, and
    /// sends [`DeskEvent::Engine`] when what a window shows of it changes
    /// (the first look only sets the baseline: a window asks for its own
    /// report at start-up). When the engine is back, the kernels that died
    /// because it went away start again.
    pub async fn watch_engine(&self, every: Duration) {
        let mut last: Option<Report> = None;
        loop {
            // A hung engine must not stop the watch: a look that takes too
            // long is skipped.
            if let Ok(now) = self.engine_status().await
                && engine_changed(last.as_ref(), &now)
            {
                if let Some(before) = &last {
                    let back = now.problem.is_none() && before.problem.is_some();
                    self.emit(DeskEvent::Engine {
                        report: Box::new(now.clone()),
                    });
                    if back {
                        self.restart_engine_victims();
                    }
                }
                last = Some(now);
            }
            tokio::time::sleep(every).await;
        }
    }

    /// Removes the containers of SageDesk processes that are gone (a crash,
    /// a kill), so that no kernel runs on that nobody can reach; kernels
    /// left running on purpose for a later launch are kept for the days the
    /// settings say (`kernelsKeptDays`), then go too. Quietly does
    /// nothing when no engine answers: [`Desk::engine_status`] reports that.
    pub async fn collect_orphans(&self) {
        let Ok(engine) = self.engine().await else {
            return;
        };
        let records = &self.inner.records;
        let kept_days = self.settings().kernels_kept_days;
        let now = (self.inner.clock)();
        match engine
            .remove_orphans(|c| records.keeps(&c.name, kept_days, now))
            .await
        {
            Ok(collection) => {
                // A kernel left running too long goes with its record, and
                // so does the record of one that is gone already.
                for record in records.load_all() {
                    if records.keeps(&record.name, kept_days, now).is_none() {
                        let _ = records.remove(&record.name);
                    }
                }
                for (container, err) in collection.failed {
                    eprintln!(
                        "sagedesk: could not remove the orphaned container {}: {err}",
                        container.name
                    );
                }
            }
            Err(err) => eprintln!("sagedesk: could not list orphaned containers: {err}"),
        }
    }

    /// Where the notebook extensions of the image `image` are kept.
    fn nbextensions_dir(&self, image: &str) -> Option<PathBuf> {
        let key: String = image
            .chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' => c,
                _ => '_',
            })
            .collect();
        Some(self.cache("nbextensions")?.join(key))
    }

    /// Copies the image's notebook extensions out of the session's container
    /// into the cache, once per image, when the kernel is ready. Without
    /// them a 3D plot shows nothing: a failure to report, not to stop for.
    pub(crate) async fn ensure_nbextensions(&self, session: &Session, image: &str) {
        let Some(dest) = self.nbextensions_dir(image) else {
            return;
        };
        if dest.is_dir() || session.ready().await.is_err() {
            return;
        }
        let copied = match self.engine().await {
            Ok(engine) => engine
                .copy_folder_out(
                    &session.container_name(),
                    NBEXTENSIONS_DIR,
                    &dest,
                    NBEXTENSIONS_LIMIT,
                )
                .await
                .map_err(DeskError::from),
            Err(err) => Err(err),
        };
        if let Err(err) = copied {
            eprintln!("sagedesk: the image's notebook extensions are not available: {err}");
        }
    }

    /// A file of the notebook extensions of the settings' image (what a
    /// Jupyter server serves at `/nbextensions/<rest>`), with its MIME type:
    /// plain names only (no `..`, no root, no percent-escapes), only the
    /// kinds a page loads, and never through a link leading out of the copy.
    pub fn nbextension(&self, rest: &str) -> Option<(&'static str, Vec<u8>)> {
        let dir = self.nbextensions_dir(&self.image_tag())?;
        extension_file(&dir, rest)
    }
}

fn extension_file(dir: &Path, rest: &str) -> Option<(&'static str, Vec<u8>)> {
    let relative = Path::new(rest);
    if rest.contains('%')
        || !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let kind = match relative.extension()?.to_str()? {
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        _ => return None,
    };
    let real = dir.join(relative).canonicalize().ok()?;
    if !real.starts_with(dir.canonicalize().ok()?) {
        return None;
    }
    Some((kind, std::fs::read(real).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_image_extensions_are_served() {
        let dir = tempfile::tempdir().unwrap();
        let extensions = dir.path().join("nbextensions");
        std::fs::create_dir_all(extensions.join("threejs-sage/r122")).unwrap();
        std::fs::write(
            extensions.join("threejs-sage/r122/three.min.js"),
            "var THREE = {};",
        )
        .unwrap();
        std::fs::write(dir.path().join("secret.js"), "secret").unwrap();
        std::fs::write(extensions.join("notes.txt"), "text").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("secret.js"), extensions.join("link.js"))
            .unwrap();

        let (kind, body) = extension_file(&extensions, "threejs-sage/r122/three.min.js").unwrap();
        assert!(kind.starts_with("text/javascript"));
        assert_eq!(body, b"var THREE = {};");
        for refused in [
            "../secret.js",
            "%2e%2e/secret.js",
            "/secret.js",
            "link.js",
            "notes.txt",
            "missing.js",
        ] {
            assert!(extension_file(&extensions, refused).is_none(), "{refused}");
        }
    }
}
