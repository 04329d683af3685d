//! Fresh random identifiers, for names that must not collide: containers,
//! staging folders, files.

/// `bytes` random bytes from the operating system, as hex (twice as many
/// characters).
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system's random source");
    hex::encode(buf)
}

/// A fresh identifier: 128 random bits as 32 hex characters. A prefix of
/// 12 characters (48 bits) is what names take where a short one reads
/// better.
pub fn new_id() -> String {
    random_hex(16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_128_bits_of_hex_and_fresh() {
        let a = new_id();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, new_id());
        assert_eq!(random_hex(32).len(), 64);
    }
}
