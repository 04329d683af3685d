//! The desk itself: what it is made of, its settings, and the engine it
//! reaches.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::engine::{BuildContext, Engine, Limits};
use crate::session::RecordStore;
use crate::workspace::{LoadedSettings, Settings, Workspace};

use super::error::DeskError;
use super::events::{DeskEvent, Subscriber};
use super::notebooks::OpenNotebook;
use super::views::{KernelDefaults, SettingsView};

/// Where the desk keeps its settings when they change (the desktop shell's
/// is its settings store; [`SettingsFile`] writes a JSON file).
pub trait SettingsStore: Send + Sync {
    /// Writes every setting; the error says why it could not.
    fn save(&self, settings: &Settings) -> Result<(), String>;
}

/// Settings kept in a JSON file ([`Settings::save`]).
pub struct SettingsFile(pub PathBuf);

impl SettingsStore for SettingsFile {
    fn save(&self, settings: &Settings) -> Result<(), String> {
        settings.save(&self.0).map_err(|err| err.to_string())
    }
}

/// Settings kept in memory only: they last as long as the desk.
pub struct NoSettingsStore;

impl SettingsStore for NoSettingsStore {
    fn save(&self, _: &Settings) -> Result<(), String> {
        Ok(())
    }
}

/// How long the desk's kernels live.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum KernelLife {
    /// As the app keeps them: restarted when they die, and taken back when
    /// an earlier launch left one running for the notebook.
    #[default]
    Supervised,
    /// As a command runs a notebook: a fresh kernel, never restarted (a
    /// death ends the cell that was running, and the command says so), and
    /// given up on when it stops answering for
    /// [`UNATTENDED_PATIENCE`](crate::session::UNATTENDED_PATIENCE).
    OneRun,
}

/// The time now, as the desk reads it (the time a save reports).
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// What a desk is made of. Everything that reaches outside the process is
/// here, so that tests can point it elsewhere: the engine, the records of
/// kernels left running, the cache folder, the settings' store, the
/// subscriber to its events and its clock.
pub struct DeskOptions {
    /// The engine to use (`unix://…`, `tcp://…`); `None` looks where the
    /// Docker CLI looks (`DOCKER_HOST`, the current context, the usual
    /// sockets).
    pub engine: Option<String>,
    /// The records of kernels left running for a later launch.
    pub records: RecordStore,
    /// Where the desk keeps what it can make again: cells' whole outputs
    /// (emptied when the desk is made) and the images' notebook extensions.
    /// `None` keeps neither.
    pub cache_dir: Option<PathBuf>,
    pub settings: LoadedSettings,
    pub store: Box<dyn SettingsStore>,
    pub events: Subscriber,
    pub clock: Clock,
    pub kernels: KernelLife,
    /// How long a kernel of this desk runs on once nothing is connected to
    /// it (the app crashed or was killed), unless it was left running on
    /// purpose.
    pub alone_stop_after: std::time::Duration,
    /// Keep a spare kernel warm for the next notebook, when the settings
    /// say so too (the app does; a command line has no next notebook).
    pub spare_kernels: bool,
}

impl Default for DeskOptions {
    /// The default engine and records, no cache, default settings kept in
    /// memory, events dropped, the system's clock, supervised kernels.
    fn default() -> Self {
        DeskOptions {
            engine: None,
            records: RecordStore::default_location(),
            cache_dir: None,
            settings: LoadedSettings {
                settings: Settings::default(),
                warning: None,
            },
            store: Box::new(NoSettingsStore),
            events: Arc::new(|_| {}),
            clock: Arc::new(SystemTime::now),
            kernels: KernelLife::default(),
            alone_stop_after: crate::session::ALONE_STOP_AFTER,
            spare_kernels: false,
        }
    }
}

/// The folder of the cache where whole outputs are kept, for the life of
/// one desk.
pub(crate) const WHOLE_OUTPUTS: &str = "whole-outputs";

/// The folder of the cache where documents outputs hold are written to be
/// opened in the system's viewer, for the life of one desk.
pub(crate) const DOCUMENTS: &str = "documents";

/// What the app has open: a workspace, its open notebooks with their files,
/// kernels and whole outputs, and the settings; and every operation the
/// window and the command line perform on them. Cheap to clone: clones
/// share the desk.
///
/// Locks inside are held for a few instructions, never across an `.await`.
#[derive(Clone)]
pub struct Desk {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) engine_setting: Option<String>,
    /// The engine, once reached (the handle works again after the engine
    /// restarts).
    engine: Mutex<Option<Engine>>,
    pub(crate) records: RecordStore,
    pub(crate) cache_dir: Option<PathBuf>,
    store: Box<dyn SettingsStore>,
    events: Subscriber,
    pub(crate) clock: Clock,
    pub(crate) kernels: KernelLife,
    pub(crate) alone_stop_after: std::time::Duration,
    settings: Mutex<Settings>,
    settings_warning: Option<String>,
    pub(crate) workspace: Mutex<Option<Arc<Workspace>>>,
    /// By their name in the workspace now.
    pub(crate) notebooks: Mutex<HashMap<String, Arc<OpenNotebook>>>,
    /// Names open notebooks had before the desk moved them by itself (a
    /// notebook kept aside), so that a window still using the old name finds
    /// them until it learns the new one.
    pub(crate) moved: Mutex<HashMap<String, String>>,
    /// Cells copied or cut, whole, for a paste in any notebook.
    pub(crate) clipboard: Mutex<Vec<crate::notebook::Cell>>,
    pub(crate) spare_kernels: bool,
    pub(crate) spare: Mutex<Option<super::spare::Spare>>,
    /// The open workspace's folder, followed for notebooks changing on disk.
    pub(crate) following: Mutex<Option<super::watch::Following>>,
}

impl Desk {
    /// A desk with nothing open. The whole outputs of an earlier desk in the
    /// same cache are removed.
    pub fn new(options: DeskOptions) -> Desk {
        if let Some(cache) = &options.cache_dir {
            let _ = std::fs::remove_dir_all(cache.join(WHOLE_OUTPUTS));
            let _ = std::fs::remove_dir_all(cache.join(DOCUMENTS));
        }
        let warning = options.settings.warning.map(|w| {
            let kept = w
                .kept_at
                .map(|p| format!(" It was kept as {}.", p.display()))
                .unwrap_or_default();
            format!(
                "The settings in {} could not be read ({}); the defaults are used.{kept}",
                w.path.display(),
                w.problem
            )
        });
        Desk {
            inner: Arc::new(Inner {
                engine_setting: options.engine,
                engine: Mutex::new(None),
                records: options.records,
                cache_dir: options.cache_dir,
                store: options.store,
                events: options.events,
                clock: options.clock,
                kernels: options.kernels,
                alone_stop_after: options.alone_stop_after,
                settings: Mutex::new(options.settings.settings),
                settings_warning: warning,
                workspace: Mutex::new(None),
                notebooks: Mutex::new(HashMap::new()),
                moved: Mutex::new(HashMap::new()),
                clipboard: Mutex::default(),
                spare_kernels: options.spare_kernels,
                spare: Mutex::new(None),
                following: Mutex::new(None),
            }),
        }
    }

    /// The engine, reached once and then reused.
    ///
    /// # Errors
    ///
    /// [`DeskError::Engine`] when no engine answers, with what to do.
    pub async fn engine(&self) -> Result<Engine, DeskError> {
        if let Some(engine) = self.inner.engine.lock().expect("engine lock").clone() {
            return Ok(engine);
        }
        let engine = Engine::connect(self.inner.engine_setting.as_deref()).await?;
        *self.inner.engine.lock().expect("engine lock") = Some(engine.clone());
        Ok(engine)
    }

    pub(crate) fn emit(&self, event: DeskEvent) {
        (self.inner.events)(event);
    }

    // Settings ---------------------------------------------------------------

    /// The settings in use.
    pub fn settings(&self) -> Settings {
        self.inner.settings.lock().expect("settings lock").clone()
    }

    /// The settings, why the saved ones could not be used if so, and what
    /// the kernels' defaults come to on this machine (once an engine
    /// answers).
    pub async fn settings_view(&self) -> SettingsView {
        let machine = self.engine().await.ok().map(|engine| {
            let limits = machine_limits(&engine);
            KernelDefaults {
                memory_bytes: limits.memory_bytes,
                engine_memory_bytes: engine.info().memory_bytes,
                cores: engine.info().cpus,
            }
        });
        SettingsView {
            settings: self.settings(),
            warning: self.inner.settings_warning.clone(),
            defaults: machine,
        }
    }

    /// Takes and stores new settings: new kernels get the image, limits
    /// and network, the quit policy applies at quit. What the desk
    /// remembers by itself (recent workspaces, the last notebook) stays as
    /// the desk has it: the caller's copy may be older.
    ///
    /// # Errors
    ///
    /// [`DeskError::InvalidSettings`] for settings that cannot be used
    /// (nothing changes), [`DeskError::SettingsNotSaved`] when the store
    /// fails (nothing changes either).
    pub fn set_settings(&self, settings: Settings) -> Result<Settings, DeskError> {
        settings.check().map_err(DeskError::InvalidSettings)?;
        let mut current = self.inner.settings.lock().expect("settings lock");
        let mut next = settings;
        next.recent_workspaces = current.recent_workspaces.clone();
        next.last_notebook = current.last_notebook.clone();
        self.inner
            .store
            .save(&next)
            .map_err(DeskError::SettingsNotSaved)?;
        *current = next.clone();
        drop(current);
        // A spare made for the old settings gives way to one for these.
        self.warm_spare();
        Ok(next)
    }

    /// Changes what the desk remembers by itself and stores it; a failure
    /// to store it is only reported on stderr (it is a convenience, not
    /// work).
    pub(crate) fn remember(&self, change: impl FnOnce(&mut Settings)) {
        let mut settings = self.inner.settings.lock().expect("settings lock");
        let before = settings.clone();
        change(&mut settings);
        if *settings != before
            && let Err(err) = self.inner.store.save(&settings)
        {
            eprintln!("sagedesk: the settings could not be saved: {err}");
        }
    }

    /// The image new kernels use: the image setting's, or the one this
    /// build of SageDesk makes.
    pub fn image_tag(&self) -> String {
        self.settings()
            .image
            .unwrap_or_else(|| BuildContext::embedded().tag())
    }

    // The workspace ----------------------------------------------------------

    /// The open workspace.
    ///
    /// # Errors
    ///
    /// [`DeskError::NoWorkspace`] before one is opened.
    pub fn workspace(&self) -> Result<Arc<Workspace>, DeskError> {
        self.inner
            .workspace
            .lock()
            .expect("workspace lock")
            .clone()
            .ok_or(DeskError::NoWorkspace)
    }

    /// The open notebook `path`.
    pub(crate) fn open_notebook_of(&self, path: &str) -> Result<Arc<OpenNotebook>, DeskError> {
        let notebooks = self.inner.notebooks.lock().expect("notebooks lock");
        if let Some(open) = notebooks.get(path) {
            return Ok(open.clone());
        }
        // A notebook moved more than once is found by its first name too.
        let moved = self.inner.moved.lock().expect("moved lock");
        let mut name = path;
        for _ in 0..moved.len() {
            let Some(now) = moved.get(name) else { break };
            if let Some(open) = notebooks.get(now) {
                return Ok(open.clone());
            }
            name = now;
        }
        Err(DeskError::NotOpen(path.to_string()))
    }

    /// The names of the open notebooks.
    pub fn open_notebooks(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .inner
            .notebooks
            .lock()
            .expect("notebooks lock")
            .keys()
            .cloned()
            .collect();
        names.sort();
        names
    }

    /// The folder of the cache for `what`, if the desk has a cache.
    pub(crate) fn cache(&self, what: &str) -> Option<PathBuf> {
        self.inner.cache_dir.as_deref().map(|dir| dir.join(what))
    }
}

/// A kernel's limits by default on `engine`'s machine: half its memory
/// (at least 2 GiB), every core at a lower weight.
pub(crate) fn machine_limits(engine: &Engine) -> Limits {
    Limits::for_machine(engine.info().memory_bytes)
}

/// `~/x` as the home folder's `x`; other paths as they are.
pub(crate) fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ if path == "~" => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(path)),
        _ => PathBuf::from(path),
    }
}

/// A file's name in the workspace, with `/` between folders.
pub(crate) fn relative_name(workspace: &Workspace, path: &Path) -> String {
    path.strip_prefix(workspace.root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Runs blocking file work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, DeskError> + Send + 'static,
) -> Result<T, DeskError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| DeskError::Internal(e.to_string()))?
}
