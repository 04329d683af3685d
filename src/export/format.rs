//! The formats a notebook is exported to, by the names people give them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a notebook becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ExportFormat"))]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One HTML file that shows the notebook offline, maths typeset.
    Html,
    /// A Sage script, for `sage FILE.sage`.
    Sage,
    /// A Python script importing `sage.all`, the cells as written.
    Py,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Html, Format::Sage, Format::Py];

    /// The name on the command line, and the file's extension.
    pub fn name(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Sage => "sage",
            Format::Py => "py",
        }
    }

    /// The extension of the exported file (without the dot).
    pub fn extension(self) -> &'static str {
        self.name()
    }

    /// The MIME type of the exported file.
    pub fn mime_type(self) -> &'static str {
        match self {
            Format::Html => "text/html",
            Format::Sage => "text/x-sage",
            Format::Py => "text/x-python",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name SageDesk does not export to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SageDesk exports to html, sage or py, not {0:?}")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    /// `html`, `sage` or `py`, in any case.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|format| format.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownFormat(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_others_are_refused() {
        for format in Format::ALL {
            assert_eq!(format.name().parse::<Format>(), Ok(format));
        }
        assert_eq!("HTML".parse::<Format>(), Ok(Format::Html));
        assert_eq!(
            "pdf".parse::<Format>().unwrap_err().to_string(),
            "SageDesk exports to html, sage or py, not \"pdf\""
        );
        assert_eq!(
            serde_json::to_string(&Format::Py).unwrap(),
            "\"py\"",
            "the window names formats as the command line does"
        );
    }
}
