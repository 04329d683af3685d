//! Printing the window to a PDF file with no dialog, through the webview's
//! own print operation: WebKitGTK's on Linux, printing to GTK's "Print to
//! File" printer. The page's print stylesheet (ui/src/app.css) shows the
//! notebook alone, whole. JupyterLab's PDF export needs TeX or a headless
//! browser; this needs nothing the app does not already have.
//!
//! macOS (WKWebView's createPDF) and Windows (WebView2's PrintToPdf) are
//! not done: they are built and tested on their own platforms.

use std::path::PathBuf;

use tauri::{Runtime, WebviewWindow};

/// Prints `window` to the PDF file `destination`, waiting until it is
/// written.
pub async fn print_to_pdf<R: Runtime>(
    window: &WebviewWindow<R>,
    destination: PathBuf,
) -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        linux::print(window, destination).await
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (window, destination);
        Err("printing to PDF without a dialog is not available on this system yet: use Print (Ctrl+P) and choose a PDF printer".into())
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::path::PathBuf;
    use std::sync::{Arc, Mutex};

    use tauri::{Runtime, WebviewWindow};
    use webkit2gtk::PrintOperationExt;

    /// Longest a print may take (a long notebook with many plots).
    const PRINT_BUDGET: std::time::Duration = std::time::Duration::from_secs(120);

    pub async fn print<R: Runtime>(
        window: &WebviewWindow<R>,
        destination: PathBuf,
    ) -> Result<(), String> {
        let uri = glib::filename_to_uri(&destination, None)
            .map_err(|err| format!("{} is not a file name: {err}", destination.display()))?
            .to_string();
        let (done, finished) = tokio::sync::oneshot::channel::<Result<(), String>>();
        let done = Arc::new(Mutex::new(Some(done)));
        window
            .with_webview(move |webview| {
                let settings = gtk::PrintSettings::new();
                settings.set_printer("Print to File");
                settings.set("output-file-format", Some("pdf"));
                settings.set("output-uri", Some(&uri));
                let operation = webkit2gtk::PrintOperation::new(&webview.inner());
                operation.set_print_settings(&settings);
                let answer = move |result: Result<(), String>| {
                    if let Some(done) = done.lock().expect("print lock").take() {
                        let _ = done.send(result);
                    }
                };
                let on_fail = answer.clone();
                // The operation lives until it has finished: its handler
                // holds it, and lets go then.
                let kept = Mutex::new(Some(operation.clone()));
                operation.connect_failed(move |_, err| on_fail(Err(err.to_string())));
                operation.connect_finished(move |_| {
                    kept.lock().expect("print lock").take();
                    answer(Ok(()));
                });
                operation.print();
            })
            .map_err(|err| err.to_string())?;
        match tokio::time::timeout(PRINT_BUDGET, finished).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err("the print stopped before it finished".into()),
            Err(_) => Err(format!(
                "the print did not finish within {} s",
                PRINT_BUDGET.as_secs()
            )),
        }?;
        // WebKit reports the end of the job: the file is there when it has
        // content.
        match std::fs::metadata(&destination) {
            Ok(meta) if meta.len() > 0 => Ok(()),
            _ => Err(format!("no PDF was written to {}", destination.display())),
        }
    }
}
