//! The notebook as SageDesk holds it: nbformat 4.5, every cell with an id.
//!
//! Only what SageDesk reads or writes is typed; everything else (metadata,
//! outputs, keys it does not know at any level) is kept as the JSON it was,
//! so a notebook loaded and saved unchanged is unchanged.

use std::collections::HashSet;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value, json};

use super::error::FormatError;
use super::lines::{MultilineString, split_mime_bundle, split_output};
use super::output::Output;

/// The format version SageDesk writes: 4.5, the first with cell ids.
pub const NBFORMAT: u64 = 4;
pub const NBFORMAT_MINOR: u64 = 5;

/// A Jupyter notebook.
#[derive(Debug, Clone, PartialEq)]
pub struct Notebook {
    /// Always 4.
    pub nbformat: u64,
    /// 5 or more once loaded: older notebooks are upgraded on load.
    pub nbformat_minor: u64,
    /// The notebook's metadata, as in the file (`kernelspec`,
    /// `language_info` and anything else); see [`Notebook::kernelspec`].
    pub metadata: Map<String, Value>,
    pub cells: Vec<Cell>,
    /// Keys of the notebook object nbformat does not define.
    pub extra: Map<String, Value>,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Unique in the notebook, 1–64 characters of `[A-Za-z0-9_-]`.
    pub id: String,
    pub kind: CellKind,
    pub source: MultilineString,
    pub metadata: Map<String, Value>,
    /// Files embedded in a markdown or raw cell: name → MIME bundle.
    pub attachments: Option<Map<String, Value>>,
    /// Keys of the cell object nbformat does not define.
    pub extra: Map<String, Value>,
}

/// What a cell is, with what only code cells have.
#[derive(Debug, Clone, PartialEq)]
pub enum CellKind {
    Code {
        /// `None` for a cell never run (`null` in the file).
        execution_count: Option<u64>,
        /// nbformat output objects as in the file, whatever their type
        /// and fields (the window shows them through
        /// [`stored_outputs`](super::stored_outputs)).
        outputs: Vec<Map<String, Value>>,
    },
    Markdown,
    Raw,
}

impl CellKind {
    /// The `cell_type` in the file.
    pub fn name(&self) -> &'static str {
        match self {
            CellKind::Code { .. } => "code",
            CellKind::Markdown => "markdown",
            CellKind::Raw => "raw",
        }
    }
}

/// The kernel a notebook is for (`metadata.kernelspec`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KernelSpec {
    pub name: String,
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl KernelSpec {
    /// The kernelspec SageMath installs: `sagemath`, language `sage`,
    /// shown as "SageMath VERSION".
    pub fn sage(version: &str) -> Self {
        KernelSpec {
            name: "sagemath".into(),
            display_name: format!("SageMath {version}"),
            language: Some("sage".into()),
        }
    }
}

impl Notebook {
    /// A new Sage notebook with one empty code cell.
    pub fn new_sage(sage_version: &str) -> Self {
        let mut metadata = Map::new();
        metadata.insert(
            "kernelspec".into(),
            serde_json::to_value(KernelSpec::sage(sage_version)).expect("a kernelspec is JSON"),
        );
        // What the Sage kernel reports; Jupyter replaces it when a kernel runs.
        metadata.insert(
            "language_info".into(),
            json!({
                "codemirror_mode": {"name": "ipython", "version": 3},
                "file_extension": ".py",
                "mimetype": "text/x-python",
                "name": "python",
                "nbconvert_exporter": "python",
                "pygments_lexer": "ipython3",
            }),
        );
        let mut notebook = Notebook {
            nbformat: NBFORMAT,
            nbformat_minor: NBFORMAT_MINOR,
            metadata,
            cells: Vec::new(),
            extra: Map::new(),
        };
        let id = notebook.new_cell_id();
        notebook.cells.push(Cell::code(id, ""));
        notebook
    }

    /// `metadata.kernelspec`, when there is one with a name and a display name.
    pub fn kernelspec(&self) -> Option<KernelSpec> {
        serde_json::from_value(self.metadata.get("kernelspec")?.clone()).ok()
    }

    /// Sets `metadata.kernelspec`, keeping keys of the old one it does not set.
    pub fn set_kernelspec(&mut self, spec: &KernelSpec) {
        let new = serde_json::to_value(spec).expect("a kernelspec is JSON");
        let Value::Object(new) = new else {
            unreachable!("a kernelspec is a JSON object")
        };
        match self.metadata.get_mut("kernelspec") {
            Some(Value::Object(old)) => old.extend(new),
            _ => {
                self.metadata
                    .insert("kernelspec".into(), Value::Object(new));
            }
        }
    }

    pub fn cell(&self, id: &str) -> Option<&Cell> {
        self.cells.iter().find(|cell| cell.id == id)
    }

    pub fn cell_mut(&mut self, id: &str) -> Option<&mut Cell> {
        self.cells.iter_mut().find(|cell| cell.id == id)
    }

    /// A fresh id no cell of the notebook has.
    pub fn new_cell_id(&self) -> String {
        let taken: HashSet<&str> = self.cells.iter().map(|cell| cell.id.as_str()).collect();
        loop {
            let id = random_cell_id();
            if !taken.contains(id.as_str()) {
                return id;
            }
        }
    }

    /// The notebook as nbformat JSON.
    pub fn to_value(&self) -> Value {
        let mut object = self.extra.clone();
        object.insert(
            "cells".into(),
            Value::Array(self.cells.iter().map(Cell::to_value).collect()),
        );
        object.insert("metadata".into(), Value::Object(self.metadata.clone()));
        object.insert("nbformat".into(), self.nbformat.into());
        object.insert("nbformat_minor".into(), self.nbformat_minor.into());
        Value::Object(object)
    }

    /// The file's content, laid out as Jupyter writes it (see
    /// [`super::json`]).
    pub fn to_json(&self) -> String {
        super::json::to_jupyter_json(&self.to_value())
    }
}

impl Cell {
    /// A code cell never run.
    pub fn code(id: String, source: &str) -> Self {
        Cell::new(
            id,
            CellKind::Code {
                execution_count: None,
                outputs: Vec::new(),
            },
            source,
        )
    }

    pub fn markdown(id: String, source: &str) -> Self {
        Cell::new(id, CellKind::Markdown, source)
    }

    pub fn raw(id: String, source: &str) -> Self {
        Cell::new(id, CellKind::Raw, source)
    }

    fn new(id: String, kind: CellKind, source: &str) -> Self {
        Cell {
            id,
            kind,
            source: MultilineString::from_text(source),
            metadata: Map::new(),
            attachments: None,
            extra: Map::new(),
        }
    }

    /// The cell's text.
    pub fn source_text(&self) -> String {
        self.source.text()
    }

    /// Sets the cell's text. The same text leaves the cell as it was (in
    /// the form it had in the file); new text is stored as lines.
    pub fn set_source(&mut self, text: &str) {
        if self.source.text() != text {
            self.source = MultilineString::from_text(text);
        }
    }

    /// Replaces a code cell's outputs and execution count with a finished
    /// run's, written the way Jupyter writes them. Does nothing to other
    /// cells.
    pub fn set_outputs(
        &mut self,
        outputs: impl IntoIterator<Item = Output>,
        execution_count: Option<u64>,
    ) {
        let outputs = outputs.into_iter().map(|output| output.to_nbformat());
        self.set_nbformat_outputs(outputs.collect(), execution_count);
    }

    /// Replaces a code cell's outputs with nbformat output objects (values
    /// that are not objects are left out) and its execution count. Does
    /// nothing to other cells.
    pub fn set_nbformat_outputs(&mut self, outputs: Vec<Value>, execution_count: Option<u64>) {
        if let CellKind::Code {
            execution_count: count,
            outputs: kept,
        } = &mut self.kind
        {
            *count = execution_count;
            *kept = outputs
                .into_iter()
                .filter_map(|output| match output {
                    Value::Object(mut output) => {
                        split_output(&mut output);
                        Some(output)
                    }
                    _ => None,
                })
                .collect();
        }
    }

    /// Adds or replaces an attachment of a markdown or raw cell (a MIME
    /// bundle such as `{"image/png": "<base64>"}`).
    pub fn set_attachment(&mut self, name: &str, mut bundle: Map<String, Value>) {
        split_mime_bundle(&mut bundle);
        self.attachments
            .get_or_insert_with(Map::new)
            .insert(name.into(), Value::Object(bundle));
    }

    /// The cell as nbformat JSON.
    pub fn to_value(&self) -> Value {
        let mut object = self.extra.clone();
        object.insert("id".into(), Value::String(self.id.clone()));
        object.insert("cell_type".into(), self.kind.name().into());
        object.insert("source".into(), self.source.to_value());
        object.insert("metadata".into(), Value::Object(self.metadata.clone()));
        if let Some(attachments) = &self.attachments {
            object.insert("attachments".into(), Value::Object(attachments.clone()));
        }
        if let CellKind::Code {
            execution_count,
            outputs,
        } = &self.kind
        {
            object.insert("execution_count".into(), (*execution_count).into());
            object.insert(
                "outputs".into(),
                Value::Array(outputs.iter().cloned().map(Value::Object).collect()),
            );
        }
        Value::Object(object)
    }
}

/// Whether `id` is a valid nbformat 4.5 cell id: 1–64 characters of
/// `[A-Za-z0-9_-]`.
pub fn is_valid_cell_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Eight random hex digits, as Jupyter makes them.
pub(crate) fn random_cell_id() -> String {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    hex::encode(bytes)
}

impl Serialize for Notebook {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

/// Reads nbformat JSON as [`super::parse::from_value`] does (older 4.x
/// notebooks upgraded).
impl<'de> Deserialize<'de> for Notebook {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        super::parse::from_value(value)
            .map(|parsed| parsed.notebook)
            .map_err(|err: FormatError| serde::de::Error::custom(err))
    }
}
