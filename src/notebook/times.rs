//! When a cell last ran, kept in its metadata as JupyterLab keeps it
//! (`metadata.execution`, with "Record cell timing" on), so that Jupyter and
//! its extensions read what SageDesk writes, and the other way round.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The metadata key JupyterLab records a run's times under.
pub const EXECUTION: &str = "execution";
/// The kernel began the run.
const BUSY: &str = "iopub.status.busy";
const EXECUTE_INPUT: &str = "iopub.execute_input";
/// The kernel's reply: the run ended.
const EXECUTE_REPLY: &str = "shell.execute_reply";
const IDLE: &str = "iopub.status.idle";

/// When a cell's last run started and ended: RFC 3339 times, as Jupyter
/// writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RunTimes {
    pub started: String,
    /// None when the run did not end (the kernel died under it).
    pub ended: Option<String>,
}

impl RunTimes {
    /// The times in a cell's metadata, if it has them (from JupyterLab or
    /// from SageDesk). Anything else there is not times.
    pub fn from_metadata(metadata: &Map<String, Value>) -> Option<RunTimes> {
        let execution = metadata.get(EXECUTION)?.as_object()?;
        let time = |key: &str| {
            execution
                .get(key)
                .and_then(Value::as_str)
                .filter(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok())
                .map(str::to_string)
        };
        Some(RunTimes {
            started: time(BUSY).or_else(|| time(EXECUTE_INPUT))?,
            ended: time(EXECUTE_REPLY).or_else(|| time(IDLE)),
        })
    }

    /// Writes these times into a cell's metadata, or takes them out (None).
    pub fn write(times: Option<&RunTimes>, metadata: &mut Map<String, Value>) {
        let Some(times) = times else {
            metadata.remove(EXECUTION);
            return;
        };
        let mut execution = Map::new();
        execution.insert(BUSY.into(), times.started.clone().into());
        execution.insert(EXECUTE_INPUT.into(), times.started.clone().into());
        if let Some(ended) = &times.ended {
            execution.insert(EXECUTE_REPLY.into(), ended.clone().into());
            execution.insert(IDLE.into(), ended.clone().into());
        }
        metadata.insert(EXECUTION.into(), Value::Object(execution));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn jupyterlab_timings_are_read() {
        let metadata = json!({"execution": {
            "iopub.execute_input": "2024-03-01T10:00:00.120000Z",
            "iopub.status.busy": "2024-03-01T10:00:00.100000Z",
            "iopub.status.idle": "2024-03-01T10:00:01.600000Z",
            "shell.execute_reply": "2024-03-01T10:00:01.550000Z"
        }, "tags": ["x"]});
        assert_eq!(
            RunTimes::from_metadata(metadata.as_object().unwrap()),
            Some(RunTimes {
                started: "2024-03-01T10:00:00.100000Z".into(),
                ended: Some("2024-03-01T10:00:01.550000Z".into()),
            })
        );
    }

    #[test]
    fn times_written_are_read_back_and_taken_out() {
        let mut metadata = Map::new();
        metadata.insert("tags".into(), json!(["keep"]));
        let times = RunTimes {
            started: "2026-11-28T10:00:00.000Z".into(),
            ended: Some("2026-11-28T10:00:02.500Z".into()),
        };
        RunTimes::write(Some(&times), &mut metadata);
        assert_eq!(
            metadata["execution"]["shell.execute_reply"],
            "2026-11-28T10:00:02.500Z"
        );
        assert_eq!(RunTimes::from_metadata(&metadata), Some(times));
        RunTimes::write(None, &mut metadata);
        assert_eq!(Value::Object(metadata), json!({"tags": ["keep"]}));
    }

    #[test]
    fn what_is_not_a_time_is_no_times() {
        for metadata in [
            json!({}),
            json!({"execution": "soon"}),
            json!({"execution": {"iopub.status.busy": 3}}),
            json!({"execution": {"iopub.status.busy": "yesterday"}}),
        ] {
            assert_eq!(RunTimes::from_metadata(metadata.as_object().unwrap()), None);
        }
    }
}
