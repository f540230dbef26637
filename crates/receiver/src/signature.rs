//! HMAC-SHA256 signatures over the raw request body, as Hemnet (and other
//! providers that sign the body) send them: lowercase hex in a header.

use std::fmt;
use std::sync::Arc;

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::answer::Rejection;

type HmacSha256 = Hmac<Sha256>;

/// Bytes in an HMAC-SHA256 tag; its hex form is twice as long.
const TAG_LEN: usize = 32;

/// The secrets a receiver accepts signatures from. More than one while keys
/// rotate, so the old and the new key both verify during the switch.
#[derive(Clone)]
pub(crate) struct TrustedKeys {
    keys: Arc<[Vec<u8>]>,
}

// Secrets must never reach a log line, so Debug shows only how many there are.
impl fmt::Debug for TrustedKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustedKeys")
            .field("count", &self.keys.len())
            .finish()
    }
}

impl TrustedKeys {
    /// Empty keys are dropped: anyone can compute an HMAC under the empty
    /// key, so trusting it would accept forgeries.
    pub(crate) fn new(keys: &[String]) -> Self {
        let keys = keys
            .iter()
            .filter(|key| !key.is_empty())
            .map(|key| key.as_bytes().to_vec())
            .collect();
        Self { keys }
    }

    /// Checks the signatures in `header` (hex, comma-separated, spaces around
    /// the commas tolerated) against `body`, which must be the bytes exactly
    /// as received. Absent header: [`Rejection::MissingSignature`]; nothing
    /// matching: [`Rejection::SignatureMismatch`].
    pub(crate) fn verify_header(
        &self,
        headers: &HeaderMap,
        header: &'static str,
        body: &[u8],
    ) -> Result<(), Rejection> {
        let signatures = headers
            .get(header)
            .ok_or(Rejection::MissingSignature { header })?;
        // A header that isn't visible ASCII can't hold hex, so it matches nothing.
        let signatures = signatures.to_str().unwrap_or_default();
        if self.verify_any_hex(body, signatures.split(',').map(str::trim)) {
            Ok(())
        } else {
            Err(Rejection::SignatureMismatch { header })
        }
    }

    /// True when any of `signatures` (hex) is the HMAC-SHA256 of `body` under
    /// any trusted key. Malformed candidates simply match nothing.
    pub(crate) fn verify_any_hex<'a>(
        &self,
        body: &[u8],
        signatures: impl IntoIterator<Item = &'a str>,
    ) -> bool {
        // One HMAC per key, not per (key, signature) pair: a header stuffed
        // with candidates then costs a forger's victim nothing extra.
        let expected: Vec<[u8; TAG_LEN]> =
            self.keys.iter().map(|key| hmac_sha256(key, body)).collect();
        signatures
            .into_iter()
            .filter_map(decode_tag)
            .any(|candidate| {
                // Constant-time per comparison, so response timing reveals
                // nothing about how many leading bytes of a guess were right.
                expected
                    .iter()
                    .any(|tag| bool::from(tag[..].ct_eq(&candidate[..])))
            })
    }
}

/// Exactly 64 hex digits, or nothing: wrong lengths and stray characters are
/// rejected here rather than compared. (Either case decodes; Hemnet sends lowercase.)
fn decode_tag(hex_signature: &str) -> Option<[u8; TAG_LEN]> {
    let mut tag = [0u8; TAG_LEN];
    hex::decode_to_slice(hex_signature, &mut tag).ok()?;
    Some(tag)
}

fn hmac_sha256(key: &[u8], body: &[u8]) -> [u8; TAG_LEN] {
    let mut mac = HmacSha256::new_from_slice(key)
        .expect("HMAC accepts keys of any length, so this never fails");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(keys: &[&str]) -> TrustedKeys {
        let keys: Vec<String> = keys.iter().map(|key| key.to_string()).collect();
        TrustedKeys::new(&keys)
    }

    #[test]
    fn a_signature_under_any_trusted_key_verifies() {
        let body = br#"{"type":"CONTACT"}"#;
        let signature = hex::encode(hmac_sha256(b"new", body));
        assert!(keys(&["old", "new"]).verify_any_hex(body, [signature.as_str()]));
        assert!(!keys(&["old"]).verify_any_hex(body, [signature.as_str()]));
    }

    #[test]
    fn malformed_hex_matches_nothing() {
        let body = b"{}";
        let good = hex::encode(hmac_sha256(b"k", body));
        let trusted = keys(&["k"]);
        for bad in ["", "zz", &good[..62], &format!("{good}00"), &"g".repeat(64)] {
            assert!(!trusted.verify_any_hex(body, [bad]), "{bad:?} verified");
        }
    }

    #[test]
    fn the_empty_key_is_never_trusted() {
        let body = b"{}";
        let forged = hex::encode(hmac_sha256(b"", body));
        assert!(!keys(&[""]).verify_any_hex(body, [forged.as_str()]));
    }
}
