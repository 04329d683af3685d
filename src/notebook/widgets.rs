//! A notebook's saved widget state, where JupyterLab's "Save Widget State
//! Automatically" keeps it: `metadata.widgets` under
//! `application/vnd.jupyter.widget-state+json` (ipywidgets' state format,
//! version 2), so that widgets show as they were when the notebook is
//! opened again, here or in Jupyter.

use serde_json::{Map, Value};

use super::model::Notebook;

/// The MIME type the state is kept under.
pub const WIDGET_STATE_MIME: &str = "application/vnd.jupyter.widget-state+json";

/// The most state kept: widgets that hold more (images, large arrays) are
/// saved without it.
pub const MAX_WIDGET_STATE_BYTES: usize = 20 << 20;

/// Why a widget state is not kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WidgetStateError {
    #[error("the widget state is not ipywidgets' state format")]
    NotState,
    #[error("the widget state is larger than 20 MiB")]
    TooLarge,
}

impl Notebook {
    /// The saved widget state, when the notebook has one in its format.
    pub fn widget_state(&self) -> Option<&Map<String, Value>> {
        self.metadata
            .get("widgets")?
            .get(WIDGET_STATE_MIME)?
            .as_object()
            .filter(|state| is_state(state))
    }

    /// Keeps `state` as the notebook's widget state; none (`{}` models)
    /// removes it.
    ///
    /// # Errors
    ///
    /// When `state` is not ipywidgets' format, or is too large.
    pub fn set_widget_state(&mut self, state: Value) -> Result<(), WidgetStateError> {
        let Value::Object(state) = state else {
            return Err(WidgetStateError::NotState);
        };
        if !is_state(&state) {
            return Err(WidgetStateError::NotState);
        }
        if serde_json::to_vec(&state).map_or(usize::MAX, |b| b.len()) > MAX_WIDGET_STATE_BYTES {
            return Err(WidgetStateError::TooLarge);
        }
        let empty = state
            .get("state")
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty);
        let widgets = self
            .metadata
            .entry("widgets")
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(widgets) = widgets else {
            *widgets = Value::Object(Map::new());
            return self.set_widget_state(Value::Object(state));
        };
        if empty {
            widgets.remove(WIDGET_STATE_MIME);
            if widgets.is_empty() {
                self.metadata.remove("widgets");
            }
        } else {
            widgets.insert(WIDGET_STATE_MIME.into(), Value::Object(state));
        }
        Ok(())
    }
}

/// Version 2 of ipywidgets' state: each model with its name, module and
/// state.
fn is_state(state: &Map<String, Value>) -> bool {
    let models = state.get("state").and_then(Value::as_object);
    state.get("version_major").and_then(Value::as_u64) == Some(2)
        && models.is_some_and(|models| {
            models.values().all(|model| {
                model.get("model_name").is_some_and(Value::is_string)
                    && model.get("model_module").is_some_and(Value::is_string)
                    && model.get("state").is_some_and(Value::is_object)
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn slider() -> Value {
        json!({
            "version_major": 2, "version_minor": 0,
            "state": {"abc": {
                "model_name": "IntSliderModel", "model_module": "@jupyter-widgets/controls",
                "model_module_version": "2.0.0", "state": {"value": 4}
            }}
        })
    }

    #[test]
    fn the_state_is_kept_where_jupyterlab_keeps_it_and_read_back() {
        let mut notebook = Notebook::new_sage("10.4");
        notebook
            .metadata
            .insert("widgets".into(), json!({"other/type": 1}));
        notebook.set_widget_state(slider()).unwrap();
        assert_eq!(
            notebook.metadata["widgets"][WIDGET_STATE_MIME]["state"]["abc"]["state"]["value"],
            4
        );
        assert_eq!(notebook.metadata["widgets"]["other/type"], 1);
        assert!(notebook.widget_state().is_some());
        // No models: the state goes, and what else was there stays.
        notebook
            .set_widget_state(json!({"version_major": 2, "version_minor": 0, "state": {}}))
            .unwrap();
        assert!(notebook.widget_state().is_none());
        assert_eq!(notebook.metadata["widgets"], json!({"other/type": 1}));
    }

    #[test]
    fn what_is_not_the_state_format_is_refused_and_changes_nothing() {
        let mut notebook = Notebook::new_sage("10.4");
        for bad in [
            json!([]),
            json!({"version_major": 1, "state": {}}),
            json!({"version_major": 2, "state": {"m": {"model_name": 3}}}),
        ] {
            assert_eq!(
                notebook.set_widget_state(bad),
                Err(WidgetStateError::NotState)
            );
        }
        assert!(!notebook.metadata.contains_key("widgets"));
        let huge = json!({"version_major": 2, "state": {"m": {
            "model_name": "ImageModel", "model_module": "@jupyter-widgets/controls",
            "state": {"value": "x".repeat(MAX_WIDGET_STATE_BYTES)}
        }}});
        assert_eq!(
            notebook.set_widget_state(huge),
            Err(WidgetStateError::TooLarge)
        );
        // A file's own `widgets` that is not the format is not read as it.
        notebook.metadata.insert(
            "widgets".into(),
            json!({WIDGET_STATE_MIME: {"version_major": 2, "state": 5}}),
        );
        assert!(notebook.widget_state().is_none());
    }
}
