//! FNV-1a: a hash stable across platforms and Rust versions, unlike std's
//! hasher, so partitions and the data mixed from a scenario's rule are the
//! same everywhere.

pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
