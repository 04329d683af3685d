//! Where the window and the frames in it may go: the app's own pages only.
//!
//! A notebook's HTML outputs run in sandboxed frames whose policy fetches
//! nothing ([`crate::frames`]). Loading another page into a frame, or into
//! the window, is a navigation, which those policies cover only in part: a
//! stored `<meta http-equiv="refresh">` in a frame inside an output loaded
//! a remote page with no script at all, and a script could send the window
//! itself elsewhere. Every navigation of the webview, of the window and of
//! each frame in it (WebKitGTK asks about both alike), goes through
//! [`allowed`]; anything that is not one of the app's own pages stays where
//! it was. New windows are refused outright.

use tauri::webview::NewWindowResponse;
use tauri::{App, Runtime, Url, WebviewWindowBuilder};

/// Builds the windows `tauri.conf.json` leaves to this (`"create": false`):
/// every navigation in them, of the window and of each frame, held to
/// [`allowed`], and no new window opened (a link to one would load its
/// address outside any frame's policy).
pub fn open_windows<R: Runtime>(app: &App<R>) -> tauri::Result<()> {
    let config = app.config();
    let dev_url = config.build.dev_url.clone().filter(|_| tauri::is_dev());
    for window in config.app.windows.iter().filter(|window| !window.create) {
        let dev_url = dev_url.clone();
        WebviewWindowBuilder::from_config(app.handle(), window)?
            .on_navigation(move |url| allowed(url, dev_url.as_ref()))
            .on_new_window(|_, _| NewWindowResponse::Deny)
            .build()?;
    }
    Ok(())
}

/// Whether the window or a frame in it may load `url`: the app's UI (and
/// `dev_url`, the Vite dev server of a development build), the frame page
/// of HTML outputs, and the empty and `srcdoc` documents of frames (Sage's
/// 3D viewer is a `srcdoc` frame inside its output's frame). Not `data:`,
/// `blob:` or `javascript:` pages: they would run outside the frame page's
/// policy.
pub fn allowed(url: &Url, dev_url: Option<&Url>) -> bool {
    match (url.scheme(), url.host_str()) {
        // The UI: `tauri://localhost` on Linux and macOS, `http(s)://tauri.localhost` on Windows.
        ("tauri", Some("localhost")) => true,
        ("http" | "https", Some("tauri.localhost")) => true,
        // The frame page, and nothing else the frame scheme serves (the
        // image's notebook extensions are scripts, not pages).
        (crate::frames::SCHEME, Some("localhost")) => url.path() == "/",
        ("http" | "https", Some("sagedesk-frame.localhost")) => url.path() == "/",
        ("about", None) => matches!(url.path(), "blank" | "srcdoc"),
        _ => dev_url.is_some_and(|dev| url.origin() == dev.origin()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn may(url: &str) -> bool {
        allowed(&Url::parse(url).unwrap(), None)
    }

    #[test]
    fn the_app_s_own_pages_are_allowed() {
        assert!(may("tauri://localhost"));
        assert!(may("tauri://localhost/index.html"));
        assert!(may("http://tauri.localhost/"));
        assert!(may("https://tauri.localhost/"));
        assert!(may("sagedesk-frame://localhost/"));
        assert!(may("http://sagedesk-frame.localhost/"));
        assert!(may("about:blank"));
        assert!(may("about:srcdoc"));
    }

    #[test]
    fn everything_else_stays_where_it_was() {
        for url in [
            "https://example.org/",
            "http://127.0.0.1:8000/refresh",
            "http://localhost/",
            "tauri://example.org/",
            "http://tauri.localhost.example.org/",
            // The frame scheme serves the extensions' scripts, not pages.
            "sagedesk-frame://localhost/nbextensions/threejs-sage/r122/three.min.js",
            "sagedesk-frame://elsewhere/",
            "http://sagedesk-frame.localhost/nbextensions/x.js",
            "data:text/html,<script>fetch('https://example.org')</script>",
            "blob:null/3b2a5c1e-0000-4000-8000-000000000000",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "about:config",
            "ipc://localhost/engine_status",
        ] {
            assert!(!may(url), "{url}");
        }
    }

    #[test]
    fn a_development_build_may_load_its_dev_server_only() {
        let dev = Url::parse("http://127.0.0.1:5173").unwrap();
        let with_dev = |url: &str| allowed(&Url::parse(url).unwrap(), Some(&dev));
        assert!(with_dev("http://127.0.0.1:5173/"));
        assert!(with_dev("http://127.0.0.1:5173/src/main.ts"));
        assert!(!with_dev("http://127.0.0.1:5174/"));
        assert!(!with_dev("https://127.0.0.1:5173/"));
        assert!(!with_dev("http://localhost:5173/"));
        assert!(!may("http://127.0.0.1:5173/"));
    }
}
