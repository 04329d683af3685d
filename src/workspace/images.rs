//! Images a notebook's markdown names by a path relative to the notebook
//! (`![plot](figures/plot.png)`, `<img src="../logo.svg">`), read for the
//! window to show, as Jupyter serves them from the notebook's folder.
//!
//! The markdown is untrusted: the path is resolved against the notebook's
//! folder without ever leaving the workspace (no absolute paths, `..` only
//! while it stays inside, and links that lead out refused by the workspace's
//! [`Folder`](crate::notebook::folder::Folder)), the file must be an image
//! by its content, not its name, and not larger than [`IMAGE_MAX_BYTES`].

use std::path::{Component, Path, PathBuf};

use super::error::WorkspaceError;
use super::folder::Workspace;
use crate::notebook::folder::is_escape;

/// Largest image shown from the workspace.
pub const IMAGE_MAX_BYTES: u64 = 20 * 1024 * 1024;

/// An image read from the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceImage {
    /// `image/png`, `image/jpeg`, `image/gif`, `image/webp` or `image/svg+xml`.
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

impl Workspace {
    /// The image `src` names in the markdown of the notebook `notebook`
    /// (a workspace name): `src` is relative to the notebook's folder and
    /// percent-decoded already.
    pub fn image(&self, notebook: &str, src: &str) -> Result<WorkspaceImage, WorkspaceError> {
        let name = image_name(notebook, src)?;
        let outside = |target: PathBuf| WorkspaceError::OutsideWorkspace {
            name: src.to_owned(),
            target,
        };
        let meta = self.folder.metadata(&name).map_err(|err| {
            if is_escape(&err) {
                outside(self.folder.join(&name))
            } else {
                WorkspaceError::NotFound {
                    name: src.to_owned(),
                }
            }
        })?;
        if !meta.is_file() {
            return Err(WorkspaceError::NotAnImage {
                name: src.to_owned(),
                reason: "it is not a file",
            });
        }
        if meta.len() > IMAGE_MAX_BYTES {
            return Err(WorkspaceError::NotAnImage {
                name: src.to_owned(),
                reason: "it is larger than 20 MiB",
            });
        }
        let bytes = self.folder.read(&name).map_err(|err| {
            if is_escape(&err) {
                outside(self.folder.join(&name))
            } else {
                WorkspaceError::io("read", self.folder.join(&name), err)
            }
        })?;
        // Read through the handle, so a file swapped since is measured again.
        if bytes.len() as u64 > IMAGE_MAX_BYTES {
            return Err(WorkspaceError::NotAnImage {
                name: src.to_owned(),
                reason: "it is larger than 20 MiB",
            });
        }
        let mime = sniff(&bytes).ok_or_else(|| WorkspaceError::NotAnImage {
            name: src.to_owned(),
            reason: "it is not a PNG, JPEG, GIF, WebP or SVG image",
        })?;
        Ok(WorkspaceImage { mime, bytes })
    }
}

/// The workspace name of the file `src` names from the notebook `notebook`:
/// `..` may climb out of the notebook's folder but not out of the workspace.
fn image_name(notebook: &str, src: &str) -> Result<PathBuf, WorkspaceError> {
    let invalid = |reason| WorkspaceError::NotAnImage {
        name: src.to_owned(),
        reason,
    };
    if src.is_empty() || src.chars().any(char::is_control) || src.contains('\\') {
        return Err(invalid("it is not a relative path to a file"));
    }
    if src.starts_with('/') || Path::new(src).has_root() {
        return Err(invalid(
            "absolute paths are not allowed; name a file in the workspace",
        ));
    }
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    let folder = Path::new(notebook).parent().unwrap_or(Path::new(""));
    for component in folder.components().chain(Path::new(src).components()) {
        match component {
            Component::Normal(part) => parts.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err(invalid("it leads out of the workspace"));
                }
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(invalid(
                    "absolute paths are not allowed; name a file in the workspace",
                ));
            }
        }
    }
    if parts.is_empty() {
        return Err(invalid("it names no file"));
    }
    Ok(parts.iter().collect())
}

/// The image type of `bytes`, by their first bytes.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        return Some("image/jpeg");
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some("image/gif");
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some("image/webp");
    }
    // SVG: XML whose first element is <svg>, after a declaration, comments
    // or a doctype. Shown in an <img>, its scripts never run.
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let mut rest = head.trim_start_matches('\u{feff}').trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            rest = after.split_once("?>")?.1.trim_start();
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->")?.1.trim_start();
        } else if let Some(after) = rest.strip_prefix("<!") {
            rest = after.split_once('>')?.1.trim_start();
        } else {
            break;
        }
    }
    rest.starts_with("<svg").then_some("image/svg+xml")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        (dir, ws)
    }

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn a_relative_image_is_read_from_the_notebooks_folder() {
        let (dir, ws) = workspace();
        std::fs::create_dir_all(dir.path().join("ch1/fig")).unwrap();
        std::fs::write(dir.path().join("ch1/fig/a.png"), PNG).unwrap();
        std::fs::write(
            dir.path().join("logo.svg"),
            "<?xml version=\"1.0\"?>\n<!-- x --><svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        )
        .unwrap();
        let image = ws.image("ch1/n.ipynb", "fig/a.png").unwrap();
        assert_eq!((image.mime, image.bytes.as_slice()), ("image/png", PNG));
        assert_eq!(
            ws.image("ch1/n.ipynb", "./fig/../fig/a.png").unwrap().mime,
            "image/png"
        );
        assert_eq!(
            ws.image("ch1/n.ipynb", "../logo.svg").unwrap().mime,
            "image/svg+xml"
        );
    }

    #[test]
    fn paths_out_of_the_workspace_are_refused() {
        let (dir, ws) = workspace();
        let secret = tempfile::tempdir().unwrap();
        std::fs::write(secret.path().join("s.png"), PNG).unwrap();
        std::os::unix::fs::symlink(secret.path(), dir.path().join("out")).unwrap();
        std::os::unix::fs::symlink(secret.path().join("s.png"), dir.path().join("s.png")).unwrap();
        for src in ["../x.png", "a/../../x.png", "/etc/passwd", "C:\\x.png", ""] {
            let err = ws.image("n.ipynb", src).unwrap_err();
            assert!(
                matches!(err, WorkspaceError::NotAnImage { .. }),
                "{src}: {err}"
            );
        }
        for src in ["out/s.png", "s.png"] {
            let err = ws.image("n.ipynb", src).unwrap_err();
            assert!(
                matches!(err, WorkspaceError::OutsideWorkspace { .. }),
                "{src}: {err}"
            );
        }
    }

    #[test]
    fn only_images_by_their_content_and_size_are_shown() {
        let (dir, ws) = workspace();
        std::fs::write(
            dir.path().join("notes.png"),
            "#!/bin/sh\necho not an image\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("page.svg"),
            "<html><script>alert(1)</script></html>",
        )
        .unwrap();
        let big = std::fs::File::create(dir.path().join("big.png")).unwrap();
        big.set_len(IMAGE_MAX_BYTES + 1).unwrap();
        for src in ["notes.png", "page.svg", "big.png"] {
            let err = ws.image("n.ipynb", src).unwrap_err();
            assert!(
                matches!(err, WorkspaceError::NotAnImage { .. }),
                "{src}: {err}"
            );
        }
        assert!(matches!(
            ws.image("n.ipynb", "gone.png").unwrap_err(),
            WorkspaceError::NotFound { .. }
        ));
        std::fs::create_dir(dir.path().join("d.png")).unwrap();
        assert!(matches!(
            ws.image("n.ipynb", "d.png").unwrap_err(),
            WorkspaceError::NotAnImage { .. }
        ));
    }

    #[test]
    fn image_types_are_told_by_their_first_bytes() {
        assert_eq!(sniff(&[0xff, 0xd8, 0xff, 0xe0]), Some("image/jpeg"));
        assert_eq!(sniff(b"GIF89a.."), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"<!DOCTYPE svg><svg>"), Some("image/svg+xml"));
        assert_eq!(sniff(b"<?xml"), None);
        assert_eq!(sniff(b""), None);
    }
}
