//! Reading nbformat JSON: checking it is a notebook, and bringing format
//! 4.0–4.4 to 4.5 by giving every cell an id, and nothing else.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::error::FormatError;
use super::lines::MultilineString;
use super::model::{Cell, CellKind, NBFORMAT, NBFORMAT_MINOR, Notebook, is_valid_cell_id};

/// A notebook read from JSON, and what reading it changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub notebook: Notebook,
    pub changes: Changes,
}

/// What SageDesk changed while reading a notebook; saving writes these
/// changes, and nothing else differs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// The `nbformat_minor` the file had, when it was below 5 and became 5.
    pub upgraded_from_minor: Option<u64>,
    /// Indexes of the cells that had no id and were given one.
    pub ids_added: Vec<usize>,
    /// Indexes of the cells whose id was invalid or the same as an earlier
    /// cell's, and was replaced.
    pub ids_replaced: Vec<usize>,
}

impl Changes {
    /// Reading changed nothing: saving writes the same JSON.
    pub fn is_empty(&self) -> bool {
        self.upgraded_from_minor.is_none()
            && self.ids_added.is_empty()
            && self.ids_replaced.is_empty()
    }
}

/// Reads a notebook from the bytes of a `.ipynb` file.
pub fn from_slice(bytes: &[u8]) -> Result<Parsed, FormatError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(FormatError::not_a_notebook("the file is empty"));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|err| json_error(&err))?;
    from_value(value)
}

fn json_error(err: &serde_json::Error) -> FormatError {
    let message = err.to_string();
    // serde_json ends its messages with the position, which is given apart.
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let message = message.strip_suffix(&suffix).unwrap_or(&message).to_owned();
    FormatError::Json {
        line: err.line(),
        column: err.column(),
        message,
    }
}

/// Reads a notebook from nbformat JSON.
pub fn from_value(value: Value) -> Result<Parsed, FormatError> {
    let Value::Object(mut object) = value else {
        return Err(FormatError::not_a_notebook(format!(
            "the file holds {}, not a JSON object",
            kind_of(&value)
        )));
    };
    let major = take_version(&mut object, "nbformat")?;
    let minor = take_version(&mut object, "nbformat_minor")?;
    if major != NBFORMAT {
        return Err(FormatError::Unsupported { major, minor });
    }
    let metadata = match object.remove("metadata") {
        Some(Value::Object(metadata)) => metadata,
        Some(other) => return Err(wrong_type("metadata", "an object", &other)),
        None => return Err(missing("", "metadata")),
    };
    let cells = match object.remove("cells") {
        Some(Value::Array(cells)) => cells,
        Some(other) => return Err(wrong_type("cells", "a list", &other)),
        None => return Err(missing("", "cells")),
    };
    let mut changes = Changes::default();
    let mut parsed_cells = Vec::with_capacity(cells.len());
    let mut ids: Vec<Option<String>> = Vec::with_capacity(cells.len());
    for (index, cell) in cells.into_iter().enumerate() {
        let (cell, id) = parse_cell(index, cell)?;
        parsed_cells.push(cell);
        ids.push(id);
    }
    let mut notebook = Notebook {
        nbformat: major,
        nbformat_minor: minor,
        metadata,
        cells: parsed_cells,
        extra: object,
    };
    if minor < NBFORMAT_MINOR {
        notebook.nbformat_minor = NBFORMAT_MINOR;
        changes.upgraded_from_minor = Some(minor);
    }
    assign_ids(&mut notebook, ids, &mut changes);
    Ok(Parsed { notebook, changes })
}

/// Keeps every valid, unique id; gives the other cells fresh ones.
fn assign_ids(notebook: &mut Notebook, ids: Vec<Option<String>>, changes: &mut Changes) {
    let mut seen = HashSet::new();
    let mut keep = Vec::with_capacity(ids.len());
    for id in &ids {
        keep.push(match id {
            Some(id) if is_valid_cell_id(id) && seen.insert(id.clone()) => Some(id.clone()),
            _ => None,
        });
    }
    for (index, id) in keep.iter().enumerate() {
        if let Some(id) = id {
            notebook.cells[index].id = id.clone();
        }
    }
    for (index, id) in keep.iter().enumerate() {
        if id.is_none() {
            let fresh = loop {
                let candidate = notebook.new_cell_id();
                if seen.insert(candidate.clone()) {
                    break candidate;
                }
            };
            notebook.cells[index].id = fresh;
            if ids[index].is_some() {
                changes.ids_replaced.push(index);
            } else {
                changes.ids_added.push(index);
            }
        }
    }
}

fn parse_cell(index: usize, cell: Value) -> Result<(Cell, Option<String>), FormatError> {
    let at = format!("cells[{index}]");
    let Value::Object(mut object) = cell else {
        return Err(wrong_type(&at, "an object", &cell));
    };
    let id = match object.remove("id") {
        None => None,
        Some(Value::String(id)) => Some(id),
        Some(other) => return Err(wrong_type(&format!("{at}.id"), "a string", &other)),
    };
    let cell_type = match object.remove("cell_type") {
        Some(Value::String(cell_type)) => cell_type,
        Some(other) => return Err(wrong_type(&format!("{at}.cell_type"), "a string", &other)),
        None => return Err(missing(&at, "cell_type")),
    };
    let source = match object.remove("source") {
        Some(value) => MultilineString::from_value(&value).ok_or_else(|| {
            wrong_type(
                &format!("{at}.source"),
                "a string or a list of strings",
                &value,
            )
        })?,
        None => return Err(missing(&at, "source")),
    };
    let metadata = match object.remove("metadata") {
        Some(Value::Object(metadata)) => metadata,
        Some(other) => return Err(wrong_type(&format!("{at}.metadata"), "an object", &other)),
        None => return Err(missing(&at, "metadata")),
    };
    let attachments = match object.remove("attachments") {
        None => None,
        Some(Value::Object(attachments)) => Some(attachments),
        Some(other) => {
            return Err(wrong_type(
                &format!("{at}.attachments"),
                "an object",
                &other,
            ));
        }
    };
    let kind = match cell_type.as_str() {
        "code" => parse_code(&at, &mut object)?,
        "markdown" => CellKind::Markdown,
        "raw" => CellKind::Raw,
        other => {
            return Err(FormatError::not_a_notebook(format!(
                "{at}.cell_type is \"{other}\"; a cell is \"code\", \"markdown\" or \"raw\""
            )));
        }
    };
    let cell = Cell {
        id: String::new(),
        kind,
        source,
        metadata,
        attachments,
        extra: object,
    };
    Ok((cell, id))
}

fn parse_code(at: &str, object: &mut Map<String, Value>) -> Result<CellKind, FormatError> {
    let execution_count = match object.remove("execution_count") {
        Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64(),
        Some(other) => {
            return Err(wrong_type(
                &format!("{at}.execution_count"),
                "a whole number or null",
                &other,
            ));
        }
        None => return Err(missing(at, "execution_count")),
    };
    let outputs = match object.remove("outputs") {
        Some(Value::Array(outputs)) => outputs,
        Some(other) => return Err(wrong_type(&format!("{at}.outputs"), "a list", &other)),
        None => return Err(missing(at, "outputs")),
    };
    // An output is kept as the file has it, whatever its type or fields:
    // the window shows what it can of it (`stored_outputs`), and a save
    // writes it back. Only a value that is no object at all is no output.
    let outputs = outputs
        .into_iter()
        .enumerate()
        .map(|(i, output)| match output {
            Value::Object(output) => Ok(output),
            other => Err(wrong_type(
                &format!("{at}.outputs[{i}]"),
                "an object",
                &other,
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CellKind::Code {
        execution_count,
        outputs,
    })
}

fn take_version(object: &mut Map<String, Value>, key: &str) -> Result<u64, FormatError> {
    match object.remove(key) {
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64().unwrap_or_default()),
        Some(other) => Err(wrong_type(key, "a whole number", &other)),
        None if key == "nbformat" => Err(FormatError::not_a_notebook(
            "it has no \"nbformat\" version: this JSON file is not a notebook",
        )),
        None => Err(missing("", key)),
    }
}

fn missing(at: &str, key: &str) -> FormatError {
    if at.is_empty() {
        FormatError::not_a_notebook(format!("\"{key}\" is missing"))
    } else {
        FormatError::not_a_notebook(format!("{at} has no \"{key}\""))
    }
}

fn wrong_type(at: &str, want: &str, got: &Value) -> FormatError {
    FormatError::not_a_notebook(format!("{at} should be {want}, but is {}", kind_of(got)))
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problem(value: Value) -> String {
        from_value(value).unwrap_err().to_string()
    }

    #[test]
    fn old_notebooks_get_ids_and_nothing_else() {
        let value = json!({
            "cells": [
                {"cell_type": "markdown", "metadata": {}, "source": "# T"},
                {"cell_type": "code", "execution_count": 3, "metadata": {"collapsed": false},
                 "outputs": [], "source": ["1+1"]},
            ],
            "metadata": {"x": 1},
            "nbformat": 4,
            "nbformat_minor": 2,
        });
        let parsed = from_value(value.clone()).unwrap();
        assert_eq!(parsed.changes.upgraded_from_minor, Some(2));
        assert_eq!(parsed.changes.ids_added, [0, 1]);
        let mut back = parsed.notebook.to_value();
        for cell in back["cells"].as_array_mut().unwrap() {
            let id = cell.as_object_mut().unwrap().remove("id").unwrap();
            assert!(is_valid_cell_id(id.as_str().unwrap()));
        }
        back["nbformat_minor"] = json!(2);
        assert_eq!(back, value);
    }

    #[test]
    fn duplicate_and_invalid_ids_are_replaced() {
        let cell = |id: &str| json!({"id": id, "cell_type": "raw", "metadata": {}, "source": ""});
        let value = json!({
            "cells": [cell("a"), cell("a"), cell("not valid!"), cell("b")],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
        });
        let parsed = from_value(value).unwrap();
        assert_eq!(parsed.changes.ids_replaced, [1, 2]);
        let ids: Vec<_> = parsed.notebook.cells.iter().map(|c| c.id.clone()).collect();
        assert_eq!(ids[0], "a");
        assert_eq!(ids[3], "b");
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 4);
    }

    #[test]
    fn problems_are_named() {
        assert!(problem(json!([1])).contains("a list, not a JSON object"));
        assert!(problem(json!({"a": 1})).contains("no \"nbformat\" version"));
        assert!(
            problem(json!({"nbformat": 3, "nbformat_minor": 0, "worksheets": []}))
                .contains("format 3.0")
        );
        let no_source = json!({
            "cells": [{"cell_type": "code", "metadata": {}}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
        });
        assert!(problem(no_source).contains("cells[0] has no \"source\""));
        let not_an_output = json!({
            "cells": [{"cell_type": "code", "metadata": {}, "source": "", "execution_count": null,
                       "outputs": [{"output_type": "stream", "text": "x"}, "x"]}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
        });
        assert!(
            problem(not_an_output)
                .contains("cells[0].outputs[1] should be an object, but is a string")
        );
    }

    #[test]
    fn outputs_of_any_type_or_none_are_kept_as_the_file_has_them() {
        let outputs = json!([
            {"output_type": "error", "ename": "E"},
            {"output_type": "display_data"},
            {"output_type": "widget_state", "state": {"x": 1}},
            {"text": "no type"},
            {"output_type": 3},
        ]);
        let value = json!({
            "cells": [{"id": "a", "cell_type": "code", "metadata": {}, "source": "",
                       "execution_count": null, "outputs": outputs}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
        });
        let parsed = from_value(value.clone()).unwrap();
        assert!(parsed.changes.is_empty());
        assert_eq!(parsed.notebook.to_value(), value);
    }

    #[test]
    fn json_errors_carry_line_and_column() {
        let err = from_slice(b"{\n \"cells\": [\n  {,\n").unwrap_err();
        match err {
            FormatError::Json { line, column, .. } => assert_eq!((line, column), (3, 4)),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            from_slice(b"  \n").unwrap_err().to_string(),
            "not a Jupyter notebook: the file is empty"
        );
    }
}
