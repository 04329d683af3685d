//! Which addresses the window may have the system open: a notebook's
//! markdown links to the web or a mail address (never a local program or
//! file), and the fixed pages of Sage's documentation the Help menu names.

use serde::Deserialize;

use super::error::DeskError;

/// The pages of Sage's documentation the Help menu opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HelpTopic {
    Tutorial,
    Reference,
}

impl HelpTopic {
    pub fn url(self) -> &'static str {
        match self {
            HelpTopic::Tutorial => "https://doc.sagemath.org/html/en/tutorial/",
            HelpTopic::Reference => "https://doc.sagemath.org/html/en/reference/",
        }
    }
}

/// `url` when a notebook's link may be opened by the system: `http`,
/// `https` and `mailto` addresses only, with no spaces or control
/// characters in them.
pub fn web_link(url: &str) -> Result<&str, DeskError> {
    let refuse = |why: String| DeskError::CannotOpen {
        file: url.into(),
        why,
    };
    let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("http" | "https" | "mailto")
            if !url.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Ok(url)
        }
        Some(scheme) if !scheme.is_empty() => Err(refuse(format!(
            "only web and mail addresses open from a notebook, not {scheme}:"
        ))),
        _ => Err(refuse("it is not a web or mail address".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_and_mail_addresses_open() {
        for ok in [
            "https://www.sagemath.org/",
            "HTTP://x.org/a?b=c",
            "mailto:a@b.org",
        ] {
            assert_eq!(web_link(ok).unwrap(), ok);
        }
        for refused in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "smb://host/x",
            "notes.ipynb",
            "https://x.org/a b",
        ] {
            assert!(web_link(refused).is_err(), "{refused}");
        }
        assert!(
            HelpTopic::Tutorial
                .url()
                .starts_with("https://doc.sagemath.org/")
        );
    }
}
