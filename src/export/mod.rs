//! Exporting a notebook: to a Sage script ([`Format::Sage`]); to a Python
//! script ([`Format::Py`]).
//!
//! - [`script`]: both scripts; [`ipython`] finds IPython's syntax as
//!   IPython does and writes the calls it makes, with [`pystr`]'s literals.
//!
//! An export reads the notebook and nothing else: it runs nothing, and
//! cannot fail. A notebook is hostile input: its text never becomes code of
//! a script outside its code cells.

mod format;
mod ipython;
mod pystr;
mod script;

pub use format::{Format, UnknownFormat};

use crate::notebook::Notebook;

/// The notebook, known as `name` (its file's name or its name in the
/// workspace, `ch1/limits.ipynb`), exported to `format`.
pub fn export(notebook: &Notebook, name: &str, format: Format) -> String {
    match format {
        Format::Sage => script::sage(notebook, name),
        Format::Py => script::python(notebook, name),
    }
}

/// The name of the export of the notebook `name`: its extension replaced
/// (`ch1/limits.ipynb` → `ch1/limits.sage`), or added.
pub fn exported_name(name: &str, format: Format) -> String {
    let stem = name.strip_suffix(".ipynb").unwrap_or(name);
    format!("{stem}.{}", format.extension())
}
