//! The `sagedesk-frame` scheme: the page untrusted HTML outputs are shown
//! in. Notebooks come from anywhere, so their HTML never runs in the app's
//! own context: each output is a sandboxed frame (opaque origin: no access
//! to the window, its storage or the app's commands) loading this page, which
//! has a policy of its own: its scripts run (Sage's 3D viewer is one), but
//! nothing is fetched from anywhere (no network, no IPC), and the page may
//! only be a sandboxed frame. The window hands the page the output's
//! document with `postMessage`; the page writes it over itself once.

use std::borrow::Cow;

use tauri::http::{Request, Response, StatusCode, header};

/// The scheme's name: `sagedesk-frame://localhost/` on Linux and macOS,
/// `http://sagedesk-frame.localhost/` on Windows.
pub const SCHEME: &str = "sagedesk-frame";

/// The page's Content-Security-Policy. Scripts and styles inline only;
/// images, fonts and media from `data:` and `blob:` only; no connections,
/// frames of other origins, forms or base changes. `sandbox` keeps it an
/// opaque origin even if something loaded it outside a sandboxed frame.
pub const CSP: &str = "default-src 'none'; \
     script-src 'unsafe-inline' 'unsafe-eval'; \
     style-src 'unsafe-inline'; \
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

/// Answers a request of the scheme: the page for `/`, nothing else.
pub fn respond(request: &Request<Vec<u8>>) -> Response<Cow<'static, [u8]>> {
    let found = request.uri().path() == "/" || request.uri().path().is_empty();
    let builder = Response::builder()
        .header(header::CONTENT_SECURITY_POLICY, CSP)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CACHE_CONTROL, "no-store");
    let response = if found {
        builder
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .body(Cow::Borrowed(PAGE.as_bytes()))
    } else {
        builder
            .status(StatusCode::NOT_FOUND)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Cow::Borrowed(&b"not found"[..]))
    };
    response.expect("a response of constant parts")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(uri: &str) -> Response<Cow<'static, [u8]>> {
        respond(&Request::get(uri).body(Vec::new()).unwrap())
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
        // No source of scripts but the page's own inline ones.
        let scripts = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(
            !scripts.contains("http") && !scripts.contains('*'),
            "{scripts}"
        );
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
}
