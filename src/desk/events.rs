//! What the desk tells its front end without being asked: one enum of
//! events, handed to the subscriber given at [`Desk::new`](super::Desk::new).
//! The desktop shell forwards each one to the window as it comes; tests
//! collect them.

use std::sync::Arc;

use serde::Serialize;

use crate::doctor::Report;
use crate::engine::{BuildEvent, PullProgress};
use crate::session::{KernelStatus, SessionState};

use super::views::NotebookItem;

/// Everything the desk reports by itself, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum DeskEvent {
    /// A notebook's kernel changed state ([`DeskEvent::kernel`] makes it).
    KernelStatus {
        /// The notebook, as the workspace names it now.
        path: String,
        state: SessionState,
        /// The word a window shows, derived from `state`.
        status: KernelStatus,
        /// The line beside it, derived from `state`.
        detail: String,
        /// Messages on the kernel's sockets dropped and never acted on,
        /// their signature or framing bad (forged by something that is not
        /// the kernel, or corrupt), since the notebook's kernel started.
        dropped_messages: u64,
    },
    /// The desk moved an open notebook by itself: its name had become a link
    /// leading out of the workspace, so its work was saved beside it, under
    /// the name `to`, where it goes on.
    NotebookMoved {
        from: String,
        to: String,
        /// What happened, for the person.
        why: String,
    },
    /// The workspace's notebooks changed on disk (another program, or a
    /// kernel, added, removed or renamed one): the whole list, as
    /// [`Desk::list_notebooks`](super::Desk::list_notebooks) gives it.
    Notebooks {
        /// The workspace's folder.
        workspace: String,
        notebooks: Vec<NotebookItem>,
    },
    /// A step or a line of output of [`Desk::prepare_image`](super::Desk::prepare_image)
    /// building the image.
    Setup { event: BuildEvent },
    /// How far [`Desk::prepare_image`](super::Desk::prepare_image) pulling the
    /// image (the image setting names one from a registry) has come.
    Pull { progress: PullProgress },
    /// The engine's state changed while the desk watched it
    /// ([`Desk::watch_engine`](super::Desk::watch_engine)): a problem appeared
    /// (the engine stopped, the image went) or went away.
    Engine { report: Box<Report> },
}

impl DeskEvent {
    /// The kernel of the notebook `path` is in `state`, and has dropped
    /// `dropped_messages`: with the word and the line a window shows for it.
    pub fn kernel(path: String, state: SessionState, dropped_messages: u64) -> DeskEvent {
        DeskEvent::KernelStatus {
            path,
            status: state.status(),
            detail: state.detail(),
            state,
            dropped_messages,
        }
    }

    /// The event's kind, as it is tagged: for logs.
    pub fn name(&self) -> &'static str {
        match self {
            DeskEvent::KernelStatus { .. } => "kernelStatus",
            DeskEvent::NotebookMoved { .. } => "notebookMoved",
            DeskEvent::Notebooks { .. } => "notebooks",
            DeskEvent::Setup { .. } => "setup",
            DeskEvent::Pull { .. } => "pull",
            DeskEvent::Engine { .. } => "engine",
        }
    }
}

/// Where the desk's events go. Called from the desk's tasks, in the order
/// the events happen for any one notebook; it must not block.
pub type Subscriber = Arc<dyn Fn(DeskEvent) + Send + Sync>;

/// Whether the window needs telling: the first report, or one that differs
/// from the last in what the window shows (whether there is an engine, the
/// problem, the image).
pub(crate) fn engine_changed(last: Option<&Report>, now: &Report) -> bool {
    let Some(last) = last else {
        return true;
    };
    last.engine.is_some() != now.engine.is_some()
        || last.problem.as_ref().map(|p| &p.code) != now.problem.as_ref().map(|p| &p.code)
        || last.image.as_ref().map(|i| &i.id) != now.image.as_ref().map(|i| &i.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Problem;
    use crate::error_code::ErrorCode;

    fn report(problem: Option<ErrorCode>) -> Report {
        Report {
            engine: None,
            problem: problem.map(|code| Problem {
                code,
                message: "m".into(),
                fix: "f".into(),
                tried: vec!["unix:///var/run/docker.sock".into()],
            }),
            image: None,
            image_tag: "sagedesk/sagemath:x".into(),
        }
    }

    #[test]
    fn only_a_change_of_what_the_window_shows_is_sent() {
        let stopped = report(Some(ErrorCode::EngineNotRunning));
        assert!(engine_changed(None, &stopped));
        let mut again = stopped.clone();
        again.problem.as_mut().unwrap().message = "other words".into();
        assert!(!engine_changed(Some(&stopped), &again));
        assert!(engine_changed(
            Some(&stopped),
            &report(Some(ErrorCode::ImageMissing))
        ));
        assert!(engine_changed(Some(&stopped), &report(None)));
    }

    #[test]
    fn events_are_tagged_by_kind() {
        let event = DeskEvent::kernel("a.ipynb".into(), SessionState::Idle, 2);
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["kind"], event.name());
        assert_eq!(json["path"], "a.ipynb");
        assert_eq!(json["status"], "idle");
        assert_eq!(json["detail"], "Ready");
        assert_eq!(json["dropped_messages"], 2);
        let event = DeskEvent::Setup {
            event: BuildEvent::Output { line: "x".into() },
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["kind"], event.name());
        assert_eq!(json["event"]["kind"], "output");
    }
}
