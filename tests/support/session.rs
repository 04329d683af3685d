//! Sessions on the default engine and the SageMath image, and what a cell's
//! events tell.

use std::time::Duration;

use jupyter_protocol::messaging::JupyterMessageContent;
use sagedesk::engine::{BuildContext, Engine};
use sagedesk::session::{CellEvent, CellStatus, DeathReason, Session, SessionConfig};

use super::engine::engine;

/// The session defaults for the SageMath image on `engine`.
pub async fn config(engine: &Engine) -> SessionConfig {
    SessionConfig::for_image(engine, &BuildContext::embedded().tag())
        .await
        .expect("the SageMath image (sagedesk image build)")
}

/// A session on the default engine, its configuration changed by `configure`.
pub async fn session(configure: impl FnOnce(&mut SessionConfig)) -> Session {
    let engine = engine().await;
    let mut config = config(&engine).await;
    configure(&mut config);
    Session::start(engine, config)
}

/// The events of one cell, up to its last.
pub async fn run(session: &Session, code: &str) -> Vec<CellEvent> {
    let mut run = session.execute(code).unwrap();
    let mut events = Vec::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(120), run.events.recv())
            .await
            .unwrap_or_else(|_| panic!("the cell {code:?} makes progress"))
            .expect("the cell ends with Finished or KernelDied");
        let last = matches!(
            event,
            CellEvent::Finished { .. } | CellEvent::KernelDied { .. }
        );
        events.push(event);
        if last {
            return events;
        }
    }
}

/// The plain text of the cell's result, if it had one.
pub fn result(events: &[CellEvent]) -> Option<String> {
    events.iter().find_map(|e| match e {
        CellEvent::Output(JupyterMessageContent::ExecuteResult(r)) => serde_json::to_value(&r.data)
            .unwrap()["text/plain"]
            .as_str()
            .map(str::to_string),
        _ => None,
    })
}

/// Whether the cell finished without an error.
pub fn finished_ok(events: &[CellEvent]) -> bool {
    matches!(
        events.last(),
        Some(CellEvent::Finished {
            status: CellStatus::Ok,
            ..
        })
    )
}

/// The death that ended the cell; panics if it ended otherwise.
pub fn death(events: &[CellEvent]) -> (DeathReason, String) {
    match events.last() {
        Some(CellEvent::KernelDied { reason, message }) => (reason.clone(), message.clone()),
        other => panic!("the cell should end with KernelDied, got {other:?}"),
    }
}
