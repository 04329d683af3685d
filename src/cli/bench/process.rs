//! This process's own memory and CPU time, as Linux reports them in
//! `/proc/self/status` and `/proc/self/stat` (the figures `ps` and `top`
//! show); other systems have no such files and the benchmarks that need
//! them say so.

use anyhow::{Context, bail};
use serde::Serialize;

/// One reading of the process's figures.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ProcessFigures {
    /// Resident memory now (`VmRSS`), KiB.
    pub rss_kib: u64,
    /// The most resident memory so far in the process's life (`VmHWM`), KiB.
    pub hwm_kib: u64,
    pub threads: u64,
    /// User and system CPU time so far, seconds.
    pub cpu_seconds: f64,
}

impl ProcessFigures {
    pub fn now() -> anyhow::Result<ProcessFigures> {
        let status = std::fs::read_to_string("/proc/self/status")
            .context("reading /proc/self/status (these figures need Linux)")?;
        let stat = std::fs::read_to_string("/proc/self/stat").context("reading /proc/self/stat")?;
        parse(&status, &stat, clock_ticks_per_second())
    }
}

/// MiB from KiB, to a tenth.
pub fn mib(kib: u64) -> f64 {
    (kib as f64 / 1024.0 * 10.0).round() / 10.0
}

fn parse(status: &str, stat: &str, ticks_per_second: f64) -> anyhow::Result<ProcessFigures> {
    let field = |name: &str| -> anyhow::Result<u64> {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|value| value.split_whitespace().next()?.parse().ok())
            .with_context(|| format!("no {name} in /proc/self/status"))
    };
    // The command name, in parentheses, may hold spaces: the fields are
    // counted from after its closing parenthesis, where the third (state)
    // comes first, so utime (14th) and stime (15th) are at 11 and 12.
    let Some((_, after_name)) = stat.rsplit_once(')') else {
        bail!("/proc/self/stat has no command name");
    };
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<u64> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .context("/proc/self/stat is shorter than expected")
    };
    Ok(ProcessFigures {
        rss_kib: field("VmRSS")?,
        hwm_kib: field("VmHWM")?,
        threads: field("Threads")?,
        cpu_seconds: (ticks(11)? + ticks(12)?) as f64 / ticks_per_second,
    })
}

/// The unit of utime and stime (USER_HZ, 100 on every common Linux).
fn clock_ticks_per_second() -> f64 {
    #[cfg(unix)]
    {
        // SAFETY: sysconf only reads a system constant.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        if ticks > 0 {
            return ticks as f64;
        }
    }
    100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_status_and_stat() {
        let status = "Name:\tsagedesk\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\nThreads:\t7\n";
        // A command name with a space and a parenthesis, as a process may
        // give itself.
        let stat = "42 (sage desk) x) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 7 0";
        let figures = parse(status, stat, 100.0).unwrap();
        assert_eq!(figures.rss_kib, 10240);
        assert_eq!(figures.hwm_kib, 20480);
        assert_eq!(figures.threads, 7);
        assert_eq!(figures.cpu_seconds, 3.0);
        assert_eq!(mib(figures.rss_kib), 10.0);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_this_process() {
        let figures = ProcessFigures::now().unwrap();
        assert!(figures.rss_kib > 0 && figures.hwm_kib >= figures.rss_kib);
        assert!(figures.threads >= 1);
    }
}
