//! The `sagedesk-frame` scheme: the page untrusted HTML outputs are shown
//! in. Notebooks come from anywhere, so their HTML never runs in the app's
//! own context: each output is a sandboxed frame (opaque origin: no access
//! to the window, its storage or the app's commands) loading this page, which
//! has a policy of its own: its scripts run (Sage's 3D viewer is one), but
//! nothing is fetched from anywhere (no network, no IPC), and the page may
//! only be a sandboxed frame. The window hands the page the output's
//! document with `postMessage`; the page writes it over itself once.
//!
//! The scheme also serves `/nbextensions/…`, the image's Jupyter notebook
//! extensions, copied out of a kernel's container into the app's cache:
//! Sage's 3D viewer loads three.js from there, as it would from a Jupyter
//! server.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

use sagedesk::engine::{Engine, NBEXTENSIONS_DIR};
use sagedesk::session::Session;
use tauri::http::{Request, Response, StatusCode, header};
use tauri::{AppHandle, Manager, Runtime};

use crate::state::AppState;

/// The scheme's name: `sagedesk-frame://localhost/` on Linux and macOS,
/// `http://sagedesk-frame.localhost/` on Windows.
pub const SCHEME: &str = "sagedesk-frame";

/// The page's Content-Security-Policy. Scripts and styles inline only;
/// images, fonts and media from `data:` and `blob:` only; no connections,
/// frames of other origins, forms or base changes. `sandbox` keeps it an
/// opaque origin even if something loaded it outside a sandboxed frame.
pub const CSP: &str = "default-src 'none'; \
     script-src 'unsafe-inline' 'unsafe-eval' sagedesk-frame: http://sagedesk-frame.localhost; \
     style-src 'unsafe-inline' sagedesk-frame: http://sagedesk-frame.localhost; \
     img-src data: blob:; \
     font-src data:; \
     media-src data: blob:; \
     frame-src 'self' data: blob:; \
     connect-src 'none'; \
     form-action 'none'; \
     base-uri 'none'; \
     sandbox allow-scripts";

/// The page: waits for the window's one message with the document to show.
/// Writing it replaces the page, this listener with it, so a later message
/// changes nothing.
const PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><script>
addEventListener("message", function (event) {
  if (event.source !== parent || !event.data || typeof event.data.sagedeskFrameDocument !== "string") return;
  document.open();
  document.write(event.data.sagedeskFrameDocument);
  document.close();
});
parent.postMessage({ sagedeskFrameReady: true }, "*");
</script></head><body></body></html>
"#;

/// The largest copy of the image's extensions taken (they are about 4 MB).
const NBEXTENSIONS_LIMIT: usize = 64 << 20;

/// Where the extensions of the image `image` are kept in the app's cache.
pub fn nbextensions_cache<R: Runtime>(app: &AppHandle<R>, image: &str) -> Option<PathBuf> {
    let key: String = image
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Some(
        app.path()
            .app_cache_dir()
            .ok()?
            .join("nbextensions")
            .join(key),
    )
}

/// Copies the image's extensions out of the session's container into the
/// cache, once per image, when the kernel is ready. Without them a 3D plot
/// shows nothing; it is a failure to report, not one to stop for.
pub async fn ensure_nbextensions<R: Runtime>(app: AppHandle<R>, session: &Session, image: &str) {
    let Some(dest) = nbextensions_cache(&app, image) else {
        return;
    };
    if dest.is_dir() || session.ready().await.is_err() {
        return;
    }
    let copied = match Engine::connect(None).await {
        Ok(engine) => {
            engine
                .copy_folder_out(
                    &session.container_name(),
                    NBEXTENSIONS_DIR,
                    &dest,
                    NBEXTENSIONS_LIMIT,
                )
                .await
        }
        Err(err) => Err(err),
    };
    if let Err(err) = copied {
        eprintln!("sagedesk: the image's notebook extensions are not available: {err}");
    }
}

/// Answers a request of the scheme: the page for `/`, a file of the
/// extensions (of the image the settings name, from `app`'s cache) for
/// `/nbextensions/…`, nothing else.
pub fn respond_for<R: Runtime>(
    app: &AppHandle<R>,
    request: &Request<Vec<u8>>,
) -> Response<Cow<'static, [u8]>> {
    let extensions = app
        .try_state::<AppState>()
        .and_then(|state| nbextensions_cache(app, &state.image_tag()));
    respond(request, extensions.as_deref())
}

/// [`respond_for`] with the extensions' folder given.
pub fn respond(
    request: &Request<Vec<u8>>,
    extensions: Option<&Path>,
) -> Response<Cow<'static, [u8]>> {
    let path = request.uri().path();
    let builder = Response::builder()
        .header(header::CONTENT_SECURITY_POLICY, CSP)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CACHE_CONTROL, "no-store");
    let found = if path == "/" || path.is_empty() {
        Some(("text/html; charset=utf-8", Cow::Borrowed(PAGE.as_bytes())))
    } else {
        path.strip_prefix("/nbextensions/")
            .zip(extensions)
            .and_then(|(rest, dir)| extension_file(dir, rest))
    };
    let response = match found {
        Some((kind, body)) => builder
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, kind)
            .body(body),
        None => builder
            .status(StatusCode::NOT_FOUND)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Cow::Borrowed(&b"not found"[..])),
    };
    response.expect("a response of constant parts")
}

/// A file of the extensions' folder `dir`, named by the rest of the URL
/// path: plain names only (no `..`, no root, no percent-escapes), and only
/// the kinds a page loads.
fn extension_file(dir: &Path, rest: &str) -> Option<(&'static str, Cow<'static, [u8]>)> {
    let relative = Path::new(rest);
    if rest.contains('%')
        || !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let kind = match relative.extension()?.to_str()? {
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        _ => return None,
    };
    let file = dir.join(relative);
    // A link in the copy must not lead out of it.
    let real = file.canonicalize().ok()?;
    if !real.starts_with(dir.canonicalize().ok()?) {
        return None;
    }
    Some((kind, Cow::Owned(std::fs::read(real).ok()?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(uri: &str) -> Response<Cow<'static, [u8]>> {
        respond(&Request::get(uri).body(Vec::new()).unwrap(), None)
    }

    #[test]
    fn the_page_comes_with_a_policy_that_allows_no_connection() {
        let page = get("sagedesk-frame://localhost/");
        assert_eq!(page.status(), StatusCode::OK);
        let csp = page.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.contains("default-src 'none'"));
        assert!(csp.contains("connect-src 'none'"));
        assert!(csp.contains("sandbox allow-scripts"));
        assert!(!csp.contains("allow-same-origin"));
        // No source of scripts but the page's inline ones and this scheme
        // (the image's extensions).
        let scripts = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        for source in scripts.split_whitespace().skip(1) {
            assert!(
                [
                    "'unsafe-inline'",
                    "'unsafe-eval'",
                    "sagedesk-frame:",
                    "http://sagedesk-frame.localhost"
                ]
                .contains(&source),
                "{source} in {scripts}"
            );
        }
        assert!(
            std::str::from_utf8(page.body())
                .unwrap()
                .contains("sagedeskFrameDocument")
        );
    }

    #[test]
    fn nothing_else_is_served() {
        assert_eq!(
            get("sagedesk-frame://localhost/../etc/passwd").status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get("http://sagedesk-frame.localhost/x.js").status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get("http://sagedesk-frame.localhost/").status(),
            StatusCode::OK
        );
    }

    #[test]
    fn the_image_extensions_are_served_and_nothing_beside_them() {
        let dir = tempfile::tempdir().unwrap();
        let extensions = dir.path().join("nbextensions");
        std::fs::create_dir_all(extensions.join("threejs-sage/r122")).unwrap();
        std::fs::write(
            extensions.join("threejs-sage/r122/three.min.js"),
            "var THREE = {};",
        )
        .unwrap();
        std::fs::write(dir.path().join("secret.js"), "secret").unwrap();
        std::fs::write(extensions.join("notes.txt"), "text").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("secret.js"), extensions.join("link.js"))
            .unwrap();
        let get = |uri: &str| {
            respond(
                &Request::get(uri).body(Vec::new()).unwrap(),
                Some(&extensions),
            )
        };

        let three = get("sagedesk-frame://localhost/nbextensions/threejs-sage/r122/three.min.js");
        assert_eq!(three.status(), StatusCode::OK);
        assert_eq!(three.body().as_ref(), b"var THREE = {};");
        assert!(
            three.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/javascript")
        );
        for refused in [
            "sagedesk-frame://localhost/nbextensions/../secret.js",
            "sagedesk-frame://localhost/nbextensions/%2e%2e/secret.js",
            "sagedesk-frame://localhost/nbextensions/link.js",
            "sagedesk-frame://localhost/nbextensions/notes.txt",
            "sagedesk-frame://localhost/nbextensions/missing.js",
            "sagedesk-frame://localhost/secret.js",
        ] {
            assert_eq!(get(refused).status(), StatusCode::NOT_FOUND, "{refused}");
        }
        // Without a copy of the extensions, nothing but the page.
        assert_eq!(
            respond(
                &Request::get(
                    "sagedesk-frame://localhost/nbextensions/threejs-sage/r122/three.min.js"
                )
                .body(Vec::new())
                .unwrap(),
                None
            )
            .status(),
            StatusCode::NOT_FOUND
        );
    }
}
