//! The sockets listening on this host, as the kernel lists them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A socket in the LISTEN state on this host (this network namespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listener {
    pub ip: IpAddr,
    pub port: u16,
}

/// Every listening TCP socket, from `/proc/net/tcp` and `/proc/net/tcp6`.
pub fn listeners() -> Vec<Listener> {
    let mut found = Vec::new();
    for (file, v6) in [("/proc/net/tcp", false), ("/proc/net/tcp6", true)] {
        let Ok(table) = std::fs::read_to_string(file) else {
            continue;
        };
        for line in table.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // sl, local_address, rem_address, st, …; 0A is LISTEN.
            if fields.len() < 4 || fields[3] != "0A" {
                continue;
            }
            let (ip, port) = fields[1].split_once(':').unwrap();
            let port = u16::from_str_radix(port, 16).unwrap();
            found.push(Listener {
                ip: parse_proc_ip(ip, v6),
                port,
            });
        }
    }
    found
}

/// An address as the kernel prints it in `/proc/net/tcp*`: the in-memory
/// bytes, printed as native-endian 32-bit words.
fn parse_proc_ip(hex: &str, v6: bool) -> IpAddr {
    let words: Vec<[u8; 4]> = (0..hex.len() / 8)
        .map(|i| {
            u32::from_str_radix(&hex[i * 8..i * 8 + 8], 16)
                .unwrap()
                .to_ne_bytes()
        })
        .collect();
    if v6 {
        let mut bytes = [0u8; 16];
        for (i, w) in words.iter().enumerate() {
            bytes[i * 4..i * 4 + 4].copy_from_slice(w);
        }
        IpAddr::V6(Ipv6Addr::from(bytes))
    } else {
        IpAddr::V4(Ipv4Addr::from(words[0]))
    }
}

#[test]
fn proc_net_addresses_are_read_in_memory_order() {
    // As Linux prints them on a little-endian machine.
    if cfg!(target_endian = "little") {
        assert_eq!(
            parse_proc_ip("0100007F", false),
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        );
        assert_eq!(
            parse_proc_ip("00000000000000000000000001000000", true),
            IpAddr::V6(Ipv6Addr::LOCALHOST)
        );
    }
}
