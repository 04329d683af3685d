//! Exporting a notebook: to one HTML file that shows it offline, maths
//! typeset ([`Format::Html`]); to a Sage script ([`Format::Sage`]); to a
//! Python script ([`Format::Py`]). PDF is the window's: it prints the
//! notebook as it shows it.
//!
//! - [`html`]: the page; [`outputs`] chooses each output's representation
//!   as the window does; [`markdown`] renders markdown with its maths kept
//!   from it ([`math`] finds maths, with the window's rules); [`ansi`]
//!   colours kernel text; [`frame`] puts HTML outputs in sandboxed frames;
//!   [`mathjax`] is the MathJax bundle the page embeds; [`escape`] is the
//!   only way notebook text reaches the page.
//! - [`script`]: both scripts; [`ipython`] finds IPython's syntax as
//!   IPython does and writes the calls it makes, with [`pystr`]'s literals.
//!
//! An export reads the notebook and nothing else: it runs nothing, fetches
//! nothing, and cannot fail. A notebook is hostile input: its text never
//! becomes markup or script of the page, nor code of a script outside its
//! code cells.

mod ansi;
pub mod document;
mod escape;
mod format;
mod frame;
mod html;
mod ipython;
mod markdown;
mod math;
mod mathjax;
mod outputs;
mod pystr;
mod script;

pub use format::{Format, UnknownFormat};
pub use mathjax::frame_script as mathjax_frame_script;

use crate::notebook::Notebook;

/// The notebook, known as `name` (its file's name or its name in the
/// workspace, `ch1/limits.ipynb`), exported to `format`.
pub fn export(notebook: &Notebook, name: &str, format: Format) -> String {
    match format {
        Format::Html => {
            let title = name.rsplit(['/', '\\']).next().unwrap_or(name);
            html::page(notebook, title.strip_suffix(".ipynb").unwrap_or(title))
        }
        Format::Sage => script::sage(notebook, name),
        Format::Py => script::python(notebook, name),
    }
}

/// The name of the export of the notebook `name`: its extension replaced
/// (`ch1/limits.ipynb` → `ch1/limits.html`), or added.
pub fn exported_name(name: &str, format: Format) -> String {
    let stem = name.strip_suffix(".ipynb").unwrap_or(name);
    format!("{stem}.{}", format.extension())
}
