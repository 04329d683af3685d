//! What a process costs: this test process's CPU time, to tell idle from
//! spinning, and the peak memory of a command it runs, to hold the app to
//! a budget.

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// The CPU time this process has used, user and system.
pub fn cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()), 0);
        usage.assume_init()
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// The CPU time this process uses over `period`, while the test waits:
/// an idle app uses almost none of it, a task spinning on a closed
/// channel all of a core.
pub async fn cpu_over(period: Duration) -> Duration {
    let before = cpu_time();
    tokio::time::sleep(period).await;
    cpu_time() - before
}

/// Runs `command` to its end, as `Command::output` does, and also returns
/// the most memory it held at once (its peak resident set, in bytes).
pub fn output_and_peak_memory(command: &mut Command) -> (Output, u64) {
    #[expect(
        clippy::zombie_processes,
        reason = "reaped by wait4 below, which also gives its peak memory"
    )]
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: wait4 on our own child, with a status and a rusage to fill;
    // `child` is not waited on again (its Drop does not wait).
    let usage = unsafe {
        let pid = child.id() as libc::pid_t;
        assert_eq!(libc::wait4(pid, &mut status, 0, usage.as_mut_ptr()), pid);
        usage.assume_init()
    };
    let output = Output {
        status: std::os::unix::process::ExitStatusExt::from_raw(status),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
    // Linux gives the peak resident set in KiB.
    (output, usage.ru_maxrss as u64 * 1024)
}
