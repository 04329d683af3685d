//! Byte sizes as a person reads them. Every size SageDesk prints or puts in
//! a message is worded here; each wording below has its own readers (the
//! UI keeps TypeScript copies of some, tested against the same examples),
//! so a change to one is a change to what people see.
//!
//! | function | units | examples | where |
//! |---|---|---|---|
//! | [`decimal`] | decimal, long | `1 byte`, `999 bytes`, `6.9 MB` | left-out output notices |
//! | [`decimal_short`] | decimal, short | `999 B`, `12.3 KB` | `sagedesk ls` |
//! | [`binary`] | binary | `512 MiB`, `1.8 GiB` | image sizes, downloads, `sagedesk ps` |
//! | [`memory_limit`] | binary, whole when exact | `512 MiB`, `2 GiB`, `1.5 GiB` | a kernel's memory limit |

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// Bytes in decimal units with one decimal: `6883500` → `6.9 MB`. A figure
/// that would round to 1000 of a unit is given in the next one
/// (`999999` → `1.0 MB`); below 1000, bytes are counted (`1 byte`,
/// `999 bytes`).
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
            return format!("{value:.1} {unit}");
        }
        value /= 1000.0;
    }
    format!("{value:.1} GB")
}

/// Bytes in short decimal units, for a column: `999 B`, `12.3 KB`,
/// `4.2 MB`, `1.0 GB`.
pub fn decimal_short(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Bytes in binary units: GiB with one decimal from 1 GiB, whole MiB below
/// (`1932735283` → `1.8 GiB`, `536870912` → `512 MiB`).
pub fn binary(bytes: u64) -> String {
    let b = bytes as f64;
    if bytes >= GIB {
        format!("{:.1} GiB", b / GIB as f64)
    } else {
        format!("{:.0} MiB", b / MIB as f64)
    }
}

/// A memory limit in binary units, a whole number when it is one:
/// "2 GiB", "1.5 GiB", "512 MiB" (below 1 GiB, whole MiB, rounded down).
pub fn memory_limit(bytes: i64) -> String {
    let gib = GIB as i64;
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
    }

    #[test]
    fn short_decimal_sizes_fit_a_column() {
        assert_eq!(decimal_short(999), "999 B");
        assert_eq!(decimal_short(12_345), "12.3 KB");
        assert_eq!(decimal_short(4_200_000), "4.2 MB");
        assert_eq!(decimal_short(7_000_000_000_000), "7000.0 GB");
    }

    #[test]
    fn binary_sizes_give_gib_with_a_decimal_and_whole_mib() {
        assert_eq!(binary(2 << 30), "2.0 GiB");
        assert_eq!(binary(1_932_735_283), "1.8 GiB");
        assert_eq!(binary(512 << 20), "512 MiB");
        assert_eq!(binary(0), "0 MiB");
    }

    #[test]
    fn memory_limits_are_whole_when_they_can_be() {
        assert_eq!(memory_limit(2 << 30), "2 GiB");
        assert_eq!(memory_limit(3 << 29), "1.5 GiB");
        assert_eq!(memory_limit(512 << 20), "512 MiB");
    }
}
