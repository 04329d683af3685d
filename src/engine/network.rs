//! The networks kernel containers join. On Docker's default bridge every
//! container reaches every other, and the kernel listens on all its
//! addresses inside its container: any container could open a kernel's
//! ports and read its iopub (the key signs messages, it hides nothing).
//! SageDesk's networks turn inter-container traffic off
//! (`com.docker.network.bridge.enable_icc=false`), and Docker keeps
//! user-defined bridges apart from each other, so no container reaches a
//! kernel by its address. The ports published on the host's 127.0.0.1 still
//! work: the engine's proxy connects from the host, not from a container.
//!
//! Two networks, made on demand and labelled as SageDesk's: one with
//! outbound network (students `%pip install`), and one without, for the
//! setting that cuts kernels off: no masquerading, so what a kernel sends
//! out leaves with an address nothing answers, and the engine's DNS cannot
//! forward its lookups either. An internal network would be stricter, but
//! the engine publishes no ports for a container that has only internal
//! networks. `sagedesk gc` removes them when no container uses them.
//!
//! Both rely on the engine programming the host's firewall, which Docker
//! does unless it was started with `--iptables=false`.

use std::collections::HashMap;

use bollard::models::NetworkCreateRequest;
use bollard::query_parameters::{ListContainersOptionsBuilder, ListNetworksOptionsBuilder};
use serde::{Deserialize, Serialize};

use super::Engine;
use super::container::LABEL_MANAGED;
use super::error::{self, EngineError};
use super::request::{REQUEST_TIMEOUT, within};

/// The label naming which of SageDesk's networks a network is.
pub const LABEL_NETWORK: &str = "org.sagedesk.network";

/// Held while this process looks for, or makes, a kernel network.
static CREATING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const ICC: &str = "com.docker.network.bridge.enable_icc";
const MASQUERADE: &str = "com.docker.network.bridge.enable_ip_masquerade";

/// The network a kernel's container joins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum KernelNetwork {
    /// Isolated from other containers, with outbound network.
    #[default]
    Outbound,
    /// Isolated from other containers, and nothing outside answers it.
    Offline,
}

impl KernelNetwork {
    pub const ALL: [KernelNetwork; 2] = [KernelNetwork::Outbound, KernelNetwork::Offline];

    /// The network's name on the engine.
    pub fn name(self) -> &'static str {
        match self {
            KernelNetwork::Outbound => "sagedesk-kernels",
            KernelNetwork::Offline => "sagedesk-kernels-offline",
        }
    }

    /// The bridge driver's options that make the network what it is.
    fn options(self) -> HashMap<String, String> {
        let mut options = HashMap::from([(ICC.to_string(), "false".to_string())]);
        if self == KernelNetwork::Offline {
            options.insert(MASQUERADE.to_string(), "false".to_string());
        }
        options
    }

    /// Why the network `found` cannot serve as this one, if it cannot: made
    /// by someone else, or with an option that undoes the isolation.
    fn mismatch(self, found: &bollard::models::Network) -> Option<String> {
        let labels = found.labels.clone().unwrap_or_default();
        if labels.get(LABEL_MANAGED).map(String::as_str) != Some("true") {
            return Some("SageDesk did not make it".into());
        }
        let options = found.options.clone().unwrap_or_default();
        for (key, value) in self.options() {
            if options.get(&key) != Some(&value) {
                return Some(format!("it does not have {key}={value}"));
            }
        }
        if found.driver.as_deref().is_some_and(|d| d != "bridge") {
            return Some("it is not a bridge network".into());
        }
        None
    }
}

/// What [`Engine::remove_unused_kernel_networks`] did with each of
/// SageDesk's networks.
#[derive(Debug, Default)]
pub struct NetworkCollection {
    pub removed: Vec<String>,
    /// Kept, with the number of containers (running or not) on it.
    pub kept: Vec<(String, usize)>,
    /// Could not be removed, and why.
    pub failed: Vec<(String, EngineError)>,
}

impl Engine {
    /// The id of the network `network`, made if the engine has none. An
    /// existing network of that name is used only if it is SageDesk's and
    /// isolates as it should; kernels never fall back to a less isolated
    /// network.
    pub async fn kernel_network(&self, network: KernelNetwork) -> Result<String, EngineError> {
        // One at a time in this process: kernels starting together (a
        // launch reopening notebooks, tests) would each make one.
        let _one_at_a_time = CREATING.lock().await;
        if let Some(id) = self.find_network(network).await? {
            return Ok(id);
        }
        let request = NetworkCreateRequest {
            name: network.name().to_string(),
            driver: Some("bridge".into()),
            options: Some(network.options()),
            labels: Some(HashMap::from([
                (LABEL_MANAGED.to_string(), "true".to_string()),
                (LABEL_NETWORK.to_string(), network.name().to_string()),
            ])),
            ..Default::default()
        };
        let created = tokio::time::timeout(REQUEST_TIMEOUT, self.docker().create_network(request))
            .await
            .map_err(|_| EngineError::Timeout {
                what: format!("creating the network {}", network.name()),
                after: REQUEST_TIMEOUT,
            })?;
        // Engines before API 1.44 make a second network of the same name
        // when two processes create it at once; newer ones answer 409.
        // Either way, every process then picks the same one (the lowest
        // id), and the one made for nothing goes.
        let found = self.find_network(network).await?;
        match (created, found) {
            (Ok(made), Some(id)) => {
                if made.id != id {
                    let _ = self.docker().remove_network(&made.id).await;
                }
                Ok(id)
            }
            (_, Some(id)) => Ok(id),
            (Err(err), None) => Err(error::api(
                format!("create the network {}", network.name()),
                err,
            )),
            (Ok(_), None) => Err(EngineError::Api {
                what: format!("create the network {}", network.name()),
                message: "the engine made it but does not list it".into(),
            }),
        }
    }

    /// The id of the network named as `network`, if the engine has one; an
    /// error if one of that name is not fit to use.
    async fn find_network(&self, network: KernelNetwork) -> Result<Option<String>, EngineError> {
        let filters = HashMap::from([("name".to_string(), vec![network.name().to_string()])]);
        let options = ListNetworksOptionsBuilder::default()
            .filters(&filters)
            .build();
        let listed = within(
            "list networks",
            REQUEST_TIMEOUT,
            self.docker().list_networks(Some(options)),
        )
        .await?;
        // The filter matches parts of names too.
        let mut same: Vec<_> = listed
            .into_iter()
            .filter(|n| n.name.as_deref() == Some(network.name()))
            .collect();
        same.sort_by(|a, b| a.id.cmp(&b.id));
        for found in &same {
            if let Some(problem) = network.mismatch(found) {
                return Err(EngineError::NetworkUnfit {
                    name: network.name().to_string(),
                    problem,
                });
            }
        }
        // Two of one name (made at once by two processes, on an engine
        // that allows it) make the engine refuse to start a container on
        // either ("ambiguous"): every process keeps the lowest id and
        // removes the others, which fails harmlessly for one in use.
        for extra in same.iter().skip(1).filter_map(|n| n.id.as_deref()) {
            let _ = self.docker().remove_network(extra).await;
        }
        Ok(same.into_iter().next().and_then(|n| n.id))
    }

    /// Removes SageDesk's networks that no container uses, running or not
    /// (a stopped kernel left for the next launch needs its network to
    /// start again). Goes on past a network it cannot remove.
    pub async fn remove_unused_kernel_networks(&self) -> Result<NetworkCollection, EngineError> {
        let filters = HashMap::from([("label".to_string(), vec![format!("{LABEL_MANAGED}=true")])]);
        let options = ListNetworksOptionsBuilder::default()
            .filters(&filters)
            .build();
        let networks = within(
            "list SageDesk's networks",
            REQUEST_TIMEOUT,
            self.docker().list_networks(Some(options)),
        )
        .await?;
        let mut collection = NetworkCollection::default();
        for network in networks {
            let (Some(id), Some(name)) = (network.id, network.name) else {
                continue;
            };
            // By name and by id: a container made and never started names
            // its network by name only, one that ran has its id.
            let filters = HashMap::from([("network".to_string(), vec![name.clone(), id.clone()])]);
            let options = ListContainersOptionsBuilder::default()
                .all(true)
                .filters(&filters)
                .build();
            let users = within(
                "list the containers on a network",
                REQUEST_TIMEOUT,
                self.docker().list_containers(Some(options)),
            )
            .await?;
            if !users.is_empty() {
                collection.kept.push((name, users.len()));
                continue;
            }
            match within(
                &format!("remove the network {name}"),
                REQUEST_TIMEOUT,
                self.docker().remove_network(&id),
            )
            .await
            {
                Ok(()) => collection.removed.push(name),
                Err(err) => collection.failed.push((name, err)),
            }
        }
        Ok(collection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network(labels: &[(&str, &str)], options: &[(&str, &str)]) -> bollard::models::Network {
        let map = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        bollard::models::Network {
            driver: Some("bridge".into()),
            labels: Some(map(labels)),
            options: Some(map(options)),
            ..Default::default()
        }
    }

    #[test]
    fn only_an_isolating_network_of_sagedesk_is_used() {
        let ours = [(LABEL_MANAGED, "true")];
        let isolated = network(&ours, &[(ICC, "false")]);
        assert_eq!(KernelNetwork::Outbound.mismatch(&isolated), None);
        // Inter-container traffic on, or left at the engine's default (on).
        assert!(
            KernelNetwork::Outbound
                .mismatch(&network(&ours, &[(ICC, "true")]))
                .is_some()
        );
        assert!(
            KernelNetwork::Outbound
                .mismatch(&network(&ours, &[]))
                .is_some()
        );
        // Someone else's network of the same name.
        assert!(
            KernelNetwork::Outbound
                .mismatch(&network(&[], &[(ICC, "false")]))
                .is_some()
        );
        // The offline one must not masquerade.
        assert!(KernelNetwork::Offline.mismatch(&isolated).is_some());
        let offline = network(&ours, &[(ICC, "false"), (MASQUERADE, "false")]);
        assert_eq!(KernelNetwork::Offline.mismatch(&offline), None);
        assert_ne!(
            KernelNetwork::Outbound.name(),
            KernelNetwork::Offline.name()
        );
    }
}
