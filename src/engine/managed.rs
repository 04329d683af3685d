//! The containers SageDesk created (labelled `org.sagedesk.managed`), for
//! `sagedesk ps`, and the orphans among them: containers whose owning
//! process is gone, removed at start-up and by `sagedesk gc`, which says
//! what it kept and why.

use std::collections::HashMap;

use bollard::query_parameters::ListContainersOptionsBuilder;
use serde::Serialize;

use super::container::{LABEL_MANAGED, Limits};
use super::kernel_container::{
    LABEL_LIMITS, LABEL_NOTEBOOK, LABEL_OWNER, LABEL_SPARE, LABEL_WORKSPACE,
};
use super::owner::Owner;
use super::request::{REQUEST_TIMEOUT, within};
use super::{Engine, EngineError};

/// One of SageDesk's containers, as `sagedesk ps` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedContainer {
    pub id: String,
    pub name: String,
    pub image: String,
    /// "running", "exited", "created", …
    pub state: String,
    /// The engine's human status ("Up 3 minutes", "Exited (137) …").
    pub status: String,
    pub workspace: Option<String>,
    /// The notebook its kernel serves, as the workspace names it.
    pub notebook: Option<String>,
    /// Started ahead of need, for the next notebook to open: which one it
    /// serves once taken is in the records ([`RecordStore::with_assignments`](crate::session::RecordStore::with_assignments)).
    pub spare: bool,
    pub limits: Option<Limits>,
    pub owner: Option<Owner>,
    /// Its owner is gone (or unknown): nobody will use or remove it.
    pub orphan: bool,
}

impl Engine {
    /// Every container SageDesk created on this engine, running or not.
    pub async fn managed_containers(&self) -> Result<Vec<ManagedContainer>, EngineError> {
        let filters = HashMap::from([("label".to_string(), vec![format!("{LABEL_MANAGED}=true")])]);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let list = within(
            "list SageDesk's containers",
            REQUEST_TIMEOUT,
            self.docker().list_containers(Some(options)),
        )
        .await?;
        Ok(list
            .into_iter()
            .map(|c| {
                let labels = c.labels.unwrap_or_default();
                let owner = labels.get(LABEL_OWNER).and_then(|l| Owner::from_label(l));
                ManagedContainer {
                    id: c.id.unwrap_or_default(),
                    name: c
                        .names
                        .and_then(|n| n.first().cloned())
                        .unwrap_or_default()
                        .trim_start_matches('/')
                        .to_string(),
                    image: c.image.unwrap_or_default(),
                    state: c.state.map(|s| s.to_string()).unwrap_or_default(),
                    status: c.status.unwrap_or_default(),
                    workspace: labels.get(LABEL_WORKSPACE).cloned(),
                    notebook: labels.get(LABEL_NOTEBOOK).cloned(),
                    spare: labels.get(LABEL_SPARE).is_some_and(|v| v == "true"),
                    limits: labels
                        .get(LABEL_LIMITS)
                        .and_then(|l| serde_json::from_str(l).ok()),
                    orphan: owner.as_ref().is_none_or(Owner::is_gone),
                    owner,
                }
            })
            .collect())
    }

    /// Removes the orphans, except those `keep` claims, saying why (a
    /// kernel the user chose to leave running for the next launch). One
    /// that cannot be removed does not stop the others; the error is only
    /// for the list itself.
    pub async fn remove_orphans(
        &self,
        keep: impl Fn(&ManagedContainer) -> Option<String>,
    ) -> Result<Collection, EngineError> {
        let here = Owner::current().host;
        let mut collection = Collection::default();
        for container in self.managed_containers().await? {
            let kept = match (&container.owner, container.orphan) {
                (Some(owner), false) if owner.host != here => Some(format!(
                    "its SageDesk process is on {}, which this machine cannot check",
                    owner.host
                )),
                (Some(owner), false) => Some(format!(
                    "its SageDesk process (pid {}) is running",
                    owner.pid
                )),
                _ => keep(&container),
            };
            if let Some(why) = kept {
                collection.kept.push((container, why));
                continue;
            }
            match self.remove_container(&container.id).await {
                Ok(()) => collection.removed.push(container),
                Err(err) => collection.failed.push((container, err)),
            }
        }
        Ok(collection)
    }
}

/// What [`Engine::remove_orphans`] did with each of SageDesk's containers.
#[derive(Debug, Default)]
pub struct Collection {
    pub removed: Vec<ManagedContainer>,
    /// Left in place, with why, for a person.
    pub kept: Vec<(ManagedContainer, String)>,
    /// Orphans that could not be removed, with the engine's error.
    pub failed: Vec<(ManagedContainer, EngineError)>,
}
