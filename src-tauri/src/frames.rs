//! The `sagedesk-frame` scheme: the page untrusted HTML outputs are shown
//! in. Notebooks come from anywhere, so their HTML never runs in the app's
//! own context: each output is a sandboxed frame (opaque origin: no access
//! to the window, its storage or the app's commands) loading this page, which
//! has a policy of its own: its scripts run (Sage's 3D viewer is one), but
//! nothing is fetched from anywhere (no network, no IPC, no frames but
//! `srcdoc` ones), and the page may only be a sandboxed frame. The window
//! hands the page the output's document with `postMessage`, once; the page
//! writes it over itself. The frame cannot navigate anywhere else
//! ([`crate::navigation`]).
//!
//! The scheme also serves `/nbextensions/…`, the image's Jupyter notebook
//! extensions, which the desk copies out of a kernel's container into the
//! app's cache and finds safely: Sage's 3D viewer loads three.js from
//! there, as it would from a Jupyter server.

use std::borrow::Cow;

use tauri::http::{Request, Response, StatusCode, header};

/// The scheme's name: `sagedesk-frame://localhost/` on Linux and macOS,
/// `http://sagedesk-frame.localhost/` on Windows.
pub const SCHEME: &str = "sagedesk-frame";

/// The page's Content-Security-Policy. Scripts and styles inline only;
/// images, fonts and media from `data:` and `blob:` only; no connections,
/// frames that load anything (a `srcdoc` frame loads nothing: Sage's 3D
/// viewer is one, and keeps this policy), forms or base changes. `sandbox`
/// keeps it an opaque origin even if something loaded it outside a
/// sandboxed frame.
pub const CSP: &str = "default-src 'none'; \
     script-src 'unsafe-inline' 'unsafe-eval' sagedesk-frame: http://sagedesk-frame.localhost; \
     style-src 'unsafe-inline' sagedesk-frame: http://sagedesk-frame.localhost; \
     img-src data: blob:; \
     font-src data:; \
     media-src data: blob:; \
     frame-src 'none'; \
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

/// MathJax for a frame whose HTML has maths in its text (the window adds
/// the script to its document): [`sagedesk::export::mathjax_frame_script`].
const MATHJAX: &str = "/mathjax.js";
static MATHJAX_SCRIPT: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Answers a request of the scheme: the page for `/`, MathJax for
/// `/mathjax.js`, a file of the image's
/// notebook extensions for `/nbextensions/<rest>` (as `extension` finds it:
/// its MIME type and bytes), nothing else.
pub fn respond(
    request: &Request<Vec<u8>>,
    extension: impl FnOnce(&str) -> Option<(&'static str, Vec<u8>)>,
) -> Response<Cow<'static, [u8]>> {
    let path = request.uri().path();
    let builder = Response::builder()
        .header(header::CONTENT_SECURITY_POLICY, CSP)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CACHE_CONTROL, "no-store");
    let found = if path == "/" || path.is_empty() {
        Some(("text/html; charset=utf-8", Cow::Borrowed(PAGE.as_bytes())))
    } else if path == MATHJAX {
        let script = MATHJAX_SCRIPT.get_or_init(sagedesk::export::mathjax_frame_script);
        Some((
            "text/javascript; charset=utf-8",
            Cow::Borrowed(script.as_bytes()),
        ))
    } else {
        path.strip_prefix("/nbextensions/")
            .and_then(extension)
            .map(|(kind, body)| (kind, Cow::Owned(body)))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn get(uri: &str) -> Response<Cow<'static, [u8]>> {
        respond(&Request::get(uri).body(Vec::new()).unwrap(), |_| None)
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
        assert!(csp.contains("frame-src 'none'"));
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
    fn mathjax_is_served_for_frames_with_maths() {
        let script = get("sagedesk-frame://localhost/mathjax.js");
        assert_eq!(script.status(), StatusCode::OK);
        assert_eq!(
            script.headers()[header::CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        let text = std::str::from_utf8(script.body()).unwrap();
        assert!(text.contains("MathJax.typesetPromise"));
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
    fn the_image_extensions_are_served_as_the_desk_finds_them() {
        let request = |uri: &str| Request::get(uri).body(Vec::new()).unwrap();
        let mut asked = None;
        let three = respond(
            &request("sagedesk-frame://localhost/nbextensions/threejs-sage/r122/three.min.js"),
            |rest| {
                asked = Some(rest.to_string());
                Some((
                    "text/javascript; charset=utf-8",
                    b"var THREE = {};".to_vec(),
                ))
            },
        );
        assert_eq!(asked.as_deref(), Some("threejs-sage/r122/three.min.js"));
        assert_eq!(three.status(), StatusCode::OK);
        assert_eq!(three.body().as_ref(), b"var THREE = {};");
        assert!(
            three.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/javascript")
        );
        assert!(
            three
                .headers()
                .contains_key(header::CONTENT_SECURITY_POLICY)
        );
        // What the desk does not find, and anything beside the folder, is not there.
        let missing = respond(
            &request("sagedesk-frame://localhost/nbextensions/missing.js"),
            |_| None,
        );
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        let beside = respond(&request("sagedesk-frame://localhost/secret.js"), |_| {
            panic!("only /nbextensions/ is looked up")
        });
        assert_eq!(beside.status(), StatusCode::NOT_FOUND);
    }
}
