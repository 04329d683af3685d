//! The dead man's switch every kernel carries (`watch.py`): a kernel no
//! client has been connected to for a while stops itself, so that one whose
//! app crashed or was killed does not hold its memory until the app is next
//! launched, which on a laptop can be days. A kernel left running on
//! purpose is marked ([`Engine::mark_kept`](crate::engine::Engine::mark_kept))
//! and waits.

use std::time::Duration;

use crate::engine::{KEPT_MARK, RUNTIME_DIR};

/// How long a kernel with no client runs on, by default.
pub const ALONE_STOP_AFTER: Duration = Duration::from_secs(300);

/// The script's name in the container's runtime folder.
pub(crate) const WATCH_FILE: &str = "watch.py";

const WATCH: &str = include_str!("watch.py");

/// The script, set to stop the kernel listening on `ports` after `grace`
/// with no client.
pub(crate) fn watch_script(ports: &[u16], grace: Duration) -> Vec<u8> {
    format!(
        "{WATCH}\n_sagedesk_watch({ports:?}, {}, {:?})\ndel _sagedesk_watch\n",
        grace.as_secs_f64(),
        format!("{RUNTIME_DIR}/{KEPT_MARK}"),
    )
    .into_bytes()
}

/// The kernel's argument that runs the script as it starts.
pub(crate) fn watch_argument() -> String {
    format!("--IPKernelApp.exec_files=['{RUNTIME_DIR}/{WATCH_FILE}']")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_is_called_with_the_ports_the_grace_and_the_mark() {
        let script =
            String::from_utf8(watch_script(&[50001, 50002], Duration::from_secs(90))).unwrap();
        assert!(
            script.ends_with(
                "_sagedesk_watch([50001, 50002], 90, \"/run/sagedesk/keep\")\ndel _sagedesk_watch\n"
            ),
            "{script}"
        );
        assert_eq!(
            watch_argument(),
            "--IPKernelApp.exec_files=['/run/sagedesk/watch.py']"
        );
    }
}
