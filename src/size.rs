//! Byte sizes as a person reads them: every size SageDesk prints or puts in
//! a message is worded here, in one of two ways.
//!
//! - [`decimal`]: how much there is of something (outputs, files, images,
//!   downloads), in decimal units as Docker prints them: `999 bytes`,
//!   `6.9 MB`. The UI's `formatBytes` (`ui/src/lib/size.ts`) words sizes the
//!   same, tested against the same examples.
//! - [`memory_limit`]: a kernel's memory limit, in the binary units the
//!   settings give it in: `2 GiB`, `512 MiB`.

const GIB: i64 = 1 << 30;

/// Bytes in decimal units, with one decimal below 100 of a unit:
/// `6883500` → `6.9 MB`, `312000000` → `312 MB`. A figure that would round
/// to 1000 of a unit is given in the next one (`999999` → `1.0 MB`); below
/// 1000, bytes are counted (`1 byte`, `999 bytes`).
pub fn decimal(n: u64) -> String {
    if n < 1000 {
        return if n == 1 {
            "1 byte".to_owned()
        } else {
            format!("{n} bytes")
        };
    }
    let mut value = n as f64 / 1000.0;
    for unit in ["kB", "MB"] {
        if (value * 10.0).round() < 10_000.0 {
            return with_unit(value, unit);
        }
        value /= 1000.0;
    }
    with_unit(value, "GB")
}

/// One decimal below 100 of a unit, none from there: `6.9 MB`, `312 MB`.
fn with_unit(value: f64, unit: &str) -> String {
    if (value * 10.0).round() < 1000.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

/// A memory limit in binary units, a whole number when it is one:
/// "2 GiB", "1.5 GiB", "512 MiB" (below 1 GiB, whole MiB, rounded down).
pub fn memory_limit(bytes: i64) -> String {
    let gib = GIB;
    if bytes >= gib && bytes % gib == 0 {
        format!("{} GiB", bytes / gib)
    } else if bytes >= gib {
        format!("{:.1} GiB", bytes as f64 / gib as f64)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_sizes_read_as_people_write_them() {
        assert_eq!(decimal(1), "1 byte");
        assert_eq!(decimal(999), "999 bytes");
        assert_eq!(decimal(6_883_500), "6.9 MB");
        assert_eq!(decimal(999_999), "1.0 MB");
        assert_eq!(decimal(52_000_000_000), "52.0 GB");
        assert_eq!(decimal(99_960), "100 kB");
        assert_eq!(decimal(312_000_000), "312 MB");
        assert_eq!(decimal(812_500_000), "812 MB", "an exact tie to even");
        assert_eq!(decimal(7_000_000_000_000), "7000 GB");
    }

    #[test]
    fn memory_limits_are_whole_when_they_can_be() {
        assert_eq!(memory_limit(2 << 30), "2 GiB");
        assert_eq!(memory_limit(3 << 29), "1.5 GiB");
        assert_eq!(memory_limit(512 << 20), "512 MiB");
    }
}
