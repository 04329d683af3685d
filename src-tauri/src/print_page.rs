//! `sagedesk-app --print-to-pdf PAGE OUT`: prints a notebook's exported
//! HTML page (`sagedesk export --to pdf` writes it, then runs this) to the
//! PDF file `OUT` with the web view's own print operation ([`crate::pdf`]),
//! in a hidden window, and exits: 0 once printed, 1 with the reason on
//! standard error. No desk, no engine, no kernel: the page is all there is.
//!
//! The page comes from a scheme of its own with a policy that lets its
//! inline scripts run (MathJax, bundled in it) and fetches nothing; the
//! window may go nowhere else and has no commands. It is printed once its
//! maths is typeset: a script put in before the page's own says so by the
//! document's title.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tauri::http::{Response, StatusCode, header};
use tauri::webview::NewWindowResponse;
use tauri::{Context, Wry};

/// The scheme the page is served from.
const SCHEME: &str = "sagedesk-print";

/// The page's policy: its own inline scripts and styles, images and fonts
/// from `data:`, nothing fetched.
const CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
     img-src data:; font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'";

/// The title the page takes once its maths is typeset.
const READY: &str = "sagedesk-print-ready";

/// Runs before the page's scripts: on load, waits for MathJax (the
/// exported page typesets on its startup promise) and says so.
const READY_SCRIPT: &str = r#"addEventListener("load", function () {
  var ready = function () { setTimeout(function () { document.title = "sagedesk-print-ready"; }, 0); };
  var m = window.MathJax;
  if (m && m.startup && m.startup.promise) m.startup.promise.then(ready, ready); else ready();
});"#;

/// Longest the page may take to load and typeset.
const READY_BUDGET: Duration = Duration::from_secs(120);

/// What to print, from the command line.
pub struct PrintJob {
    page: PathBuf,
    out: PathBuf,
}

impl PrintJob {
    /// `--print-to-pdf PAGE OUT` among the arguments: `None` without the
    /// flag, an error when it lacks its two files.
    pub fn from_args(
        mut args: impl Iterator<Item = std::ffi::OsString>,
    ) -> Option<Result<PrintJob, String>> {
        args.find(|arg| arg == "--print-to-pdf")?;
        Some(match (args.next(), args.next()) {
            (Some(page), Some(out)) => Ok(PrintJob {
                page: page.into(),
                out: out.into(),
            }),
            _ => Err("--print-to-pdf needs the page to print and the PDF file to write".into()),
        })
    }
}

/// Prints the job's page and exits the process with its outcome.
pub fn print(job: PrintJob, context: Context<Wry>) -> tauri::Result<()> {
    let page: Arc<[u8]> = match std::fs::read(&job.page) {
        Ok(page) => page.into(),
        Err(err) => {
            eprintln!("sagedesk-app: cannot read {}: {err}", job.page.display());
            std::process::exit(1);
        }
    };
    tauri::Builder::default()
        .register_uri_scheme_protocol(SCHEME, move |_, request| {
            let builder = Response::builder()
                .header(header::CONTENT_SECURITY_POLICY, CSP)
                .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
            let response = if request.uri().path() == "/" {
                builder
                    .status(StatusCode::OK)
                    .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
                    .body(Cow::Owned(page.to_vec()))
            } else {
                builder
                    .status(StatusCode::NOT_FOUND)
                    .body(Cow::Borrowed(&b""[..]))
            };
            response.expect("a response of constant parts")
        })
        .setup(move |app| {
            let handle = app.handle().clone();
            let started = AtomicBool::new(false);
            let out = job.out;
            tauri::WebviewWindowBuilder::new(
                app,
                "print",
                tauri::WebviewUrl::CustomProtocol(page_url()),
            )
            .visible(false)
            .inner_size(900.0, 1200.0)
            .initialization_script(READY_SCRIPT)
            .on_navigation(|url| {
                url.as_str() == page_url().as_str()
                    || (url.scheme() == "about" && matches!(url.path(), "blank" | "srcdoc"))
            })
            .on_new_window(|_, _| NewWindowResponse::Deny)
            .on_document_title_changed(move |window, title| {
                if title != READY || started.swap(true, Ordering::SeqCst) {
                    return;
                }
                let out = out.clone();
                let handle = handle.clone();
                tauri::async_runtime::spawn(async move {
                    let code = match crate::pdf::print_to_pdf(&window, out).await {
                        Ok(()) => 0,
                        Err(why) => {
                            eprintln!("sagedesk-app: {why}");
                            1
                        }
                    };
                    handle.exit(code);
                });
            })
            .build()?;
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(READY_BUDGET).await;
                eprintln!(
                    "sagedesk-app: the page was not ready to print within {} s",
                    READY_BUDGET.as_secs()
                );
                handle.exit(1);
            });
            Ok(())
        })
        .build(context)?
        .run(|_, _| {});
    Ok(())
}

/// The page's address: `sagedesk-print://localhost/`, or
/// `http://sagedesk-print.localhost/` where schemes are served so (Windows).
fn page_url() -> tauri::Url {
    let url = if cfg!(windows) {
        format!("http://{SCHEME}.localhost/")
    } else {
        format!("{SCHEME}://localhost/")
    };
    url.parse().expect("a constant address")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_takes_a_page_and_an_output() {
        let args = |list: &[&str]| {
            list.iter()
                .map(|a| a.into())
                .collect::<Vec<std::ffi::OsString>>()
        };
        assert!(PrintJob::from_args(args(&["x"]).into_iter()).is_none());
        let job = PrintJob::from_args(args(&["--print-to-pdf", "p.html", "o.pdf"]).into_iter())
            .unwrap()
            .unwrap();
        assert_eq!((job.page, job.out), ("p.html".into(), "o.pdf".into()));
        assert!(
            PrintJob::from_args(args(&["--print-to-pdf", "p.html"]).into_iter())
                .unwrap()
                .is_err()
        );
    }

    #[test]
    fn the_page_fetches_nothing() {
        assert!(CSP.contains("default-src 'none'"));
        assert!(CSP.contains("connect-src 'none'"));
        assert!(!CSP.contains("http"));
        assert!(READY_SCRIPT.contains(READY));
    }
}
