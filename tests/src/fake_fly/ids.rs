//! Identifiers shaped like Fly's: 14-hex machine ids, 26-char ULID versions and event ids,
//! 12-hex lease nonces, `vol_…` volume ids, generated machine names, IPv6 private addresses
//! and macaroon-looking tokens.

use base64::Engine;
use rand::Rng;
use std::time::SystemTime;

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// `1857156b526dd8`.
pub(crate) fn machine_id() -> String {
    format!("{:014x}", rand::rng().random::<u64>() >> 8)
}

/// `5c35f65c9f95`.
pub(crate) fn lease_nonce() -> String {
    format!("{:012x}", rand::rng().random::<u64>() >> 16)
}

/// A ULID (`01HQ…`, 26 chars): 48-bit millisecond time + 80 random bits.
pub(crate) fn ulid() -> String {
    let millis = u128::from(super::clock::unix_millis(SystemTime::now()));
    let random = rand::rng().random::<u128>() >> 48;
    let value = (millis << 80) | random;
    (0..26)
        .rev()
        .map(|i| CROCKFORD[((value >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// Lowercase alphanumerics, for app ids and similar.
pub(crate) fn alnum(len: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

/// `vol_` + 16 alphanumerics.
pub(crate) fn volume_id() -> String {
    format!("vol_{}", alnum(16))
}

/// A generated machine name like `aged-thunder-7371`.
pub(crate) fn machine_name() -> String {
    const ADJ: &[&str] = &[
        "aged", "bold", "calm", "damp", "eager", "fancy", "gentle", "hidden", "icy", "jolly",
        "late", "misty", "noisy", "odd", "proud", "quiet", "rough", "shy", "tiny", "wild",
    ];
    const NOUN: &[&str] = &[
        "thunder", "river", "meadow", "forest", "cloud", "ember", "frost", "harbor", "lake",
        "moon", "pine", "rain", "sea", "shadow", "star", "stone", "sun", "wave", "wind", "wood",
    ];
    let mut rng = rand::rng();
    format!(
        "{}-{}-{:04}",
        ADJ[rng.random_range(0..ADJ.len())],
        NOUN[rng.random_range(0..NOUN.len())],
        rng.random_range(0..10_000)
    )
}

/// A 6PN-looking IPv6 address.
pub(crate) fn private_ip() -> String {
    let mut rng = rand::rng();
    format!(
        "fdaa:0:{:x}:a7b:{:x}:{:x}:{:x}:2",
        rng.random_range(0x1000..0xffff_u32),
        rng.random_range(0x10..0xff_u32),
        rng.random_range(0x1000..0xffff_u32),
        rng.random_range(0x1000..0xffff_u32)
    )
}

/// A value shaped like `fly tokens create` output (two `fm2_` macaroon parts), without scheme.
pub(crate) fn macaroon_token() -> String {
    let mut rng = rand::rng();
    let mut part = |len: usize| {
        let bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        format!(
            "fm2_{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    };
    format!("{},{}", part(96), part(48))
}

/// A legacy user/OAuth token (`fly auth token`), sent as `Bearer`.
pub(crate) fn user_token() -> String {
    format!("fo1_{}", alnum(43))
}

/// A short, stable digest for secrets (hex, 16 chars); not cryptographic.
pub(crate) fn digest(value: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in value.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
