//! Delivery signatures, and the ways a forger gets them wrong.

use bytes::BufMut;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::policy::Provenance;

type HmacSha256 = Hmac<Sha256>;

/// Lowercase hex HMAC-SHA256 of `body` under `key`.
pub fn hmac_sha256_hex(key: &[u8], body: &[u8]) -> String {
    // Hmac accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC-SHA256 takes keys of any length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Constant-time check of a hex HMAC-SHA256 against `body` under `key`.
pub fn verify_hmac_sha256_hex(key: &[u8], body: &[u8], signature_hex: &str) -> bool {
    let Ok(expected) = hex::decode(signature_hex.trim()) else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC-SHA256 takes keys of any length");
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// How a provider signs a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureScheme {
    /// The header that carries the signature.
    pub header: &'static str,
    /// Placed between signatures while keys rotate (Hemnet: `old,new`).
    pub rotation_separator: &'static str,
    /// Where the two-signature form during a rotation comes from.
    pub rotation: Provenance,
}

/// A named signing key. The name appears in transcripts instead of the key.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey {
    pub name: String,
    pub secret: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("name", &self.name)
            .field("secret", &"[redacted]")
            .finish()
    }
}

impl SigningKey {
    pub fn new(name: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            secret: secret.into(),
        }
    }
}

/// The keys a provider signs with right now: one normally, two (old, new)
/// while a rotation is under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeys {
    pub keys: Vec<SigningKey>,
}

impl SigningKeys {
    pub fn single(key: SigningKey) -> Self {
        Self { keys: vec![key] }
    }

    pub fn rotating(old: SigningKey, new: SigningKey) -> Self {
        Self {
            keys: vec![old, new],
        }
    }
}

/// A deliberately wrong signature, to prove a receiver refuses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forgery {
    /// Signed with a key the receiver does not trust.
    WrongKey,
    /// No signature header at all.
    MissingHeader,
    /// A header value that is not a signature (not hex, wrong length).
    MalformedValue,
    /// Signed correctly, then the body was changed in transit.
    BodyChangedAfterSigning,
}

impl Forgery {
    pub const ALL: [Forgery; 4] = [
        Self::WrongKey,
        Self::MissingHeader,
        Self::MalformedValue,
        Self::BodyChangedAfterSigning,
    ];

    /// The name scenarios use (`wrong-key`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::WrongKey => "wrong-key",
            Self::MissingHeader => "missing-header",
            Self::MalformedValue => "malformed-value",
            Self::BodyChangedAfterSigning => "body-changed-after-signing",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// The key a forger signs with; no receiver configuration should trust it.
pub fn forger_key() -> SigningKey {
    SigningKey::new("forger", "hooksim-forger-key-nobody-trusts")
}

/// A signature header value and a redacted description for transcripts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub header: &'static str,
    pub value: String,
    /// What the value is, without the value: `[hmac-sha256 key=old],[hmac-sha256 key=new]`.
    pub redacted: String,
}

impl SignatureScheme {
    /// Sign `body` with every key, in order, joined by the rotation separator.
    pub fn sign(&self, body: &[u8], keys: &SigningKeys) -> Signature {
        let mut value = Vec::with_capacity(keys.keys.len() * (HEX_LEN + 1));
        Signer::new(self, keys).sign_into(body, &mut value);
        let redacted = keys
            .keys
            .iter()
            .map(|k| format!("[hmac-sha256 key={}]", k.name))
            .collect::<Vec<_>>()
            .join(self.rotation_separator);
        Signature {
            header: self.header,
            // Hex digits and the separator: ASCII, so always UTF-8.
            value: String::from_utf8(value).expect("a signature is ASCII"),
            redacted,
        }
    }
}

/// Hex digits in one HMAC-SHA256.
const HEX_LEN: usize = 64;

/// A scheme's keys made ready once: signing a body then costs only its
/// hashing (the key's own two blocks are not hashed again), which is what a
/// burst of many deliveries signs with.
#[derive(Clone)]
pub struct Signer {
    separator: &'static str,
    /// One keyed HMAC per key, in the keys' order.
    keyed: Vec<HmacSha256>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("keys", &self.keyed.len())
            .finish()
    }
}

impl Signer {
    pub fn new(scheme: &SignatureScheme, keys: &SigningKeys) -> Self {
        let keyed = keys
            .keys
            .iter()
            .map(|k| {
                HmacSha256::new_from_slice(k.secret.as_bytes())
                    .expect("HMAC-SHA256 takes keys of any length")
            })
            .collect();
        Self {
            separator: scheme.rotation_separator,
            keyed,
        }
    }

    /// Append the signature header's value for `body` to `out`: what
    /// [`SignatureScheme::sign`] gives, without allocating.
    pub fn sign_into(&self, body: &[u8], out: &mut impl BufMut) {
        for (i, keyed) in self.keyed.iter().enumerate() {
            if i > 0 {
                out.put_slice(self.separator.as_bytes());
            }
            let mut mac = keyed.clone();
            mac.update(body);
            let mut hex = [0u8; HEX_LEN];
            hex::encode_to_slice(mac.finalize().into_bytes(), &mut hex)
                .expect("32 bytes are 64 hex digits");
            out.put_slice(&hex);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rotation_signs_old_then_new() {
        let scheme = SignatureScheme {
            header: "X-Signature",
            rotation_separator: ",",
            rotation: Provenance::Assumed { why: "a test" },
        };
        let keys =
            SigningKeys::rotating(SigningKey::new("old", "k1"), SigningKey::new("new", "k2"));
        let sig = scheme.sign(b"{}", &keys);
        let parts: Vec<&str> = sig.value.split(',').collect();
        assert_eq!(
            parts,
            [hmac_sha256_hex(b"k1", b"{}"), hmac_sha256_hex(b"k2", b"{}")]
        );
        assert_eq!(sig.redacted, "[hmac-sha256 key=old],[hmac-sha256 key=new]");
    }

    #[test]
    fn known_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    proptest! {
        #[test]
        fn a_signer_keyed_once_signs_as_each_key_does(
            secrets in proptest::collection::vec("[ -~]{0,80}", 1..3),
            body in proptest::collection::vec(any::<u8>(), 0..2048),
        ) {
            let scheme = SignatureScheme {
                header: "X-Signature",
                rotation_separator: ",",
                rotation: Provenance::Assumed { why: "a test" },
            };
            let keys = SigningKeys {
                keys: secrets.iter().map(|s| SigningKey::new("k", s.as_str())).collect(),
            };
            let signer = Signer::new(&scheme, &keys);
            let expected: Vec<String> = secrets.iter().map(|s| hmac_sha256_hex(s.as_bytes(), &body)).collect();
            // Twice: the keyed state is cloned, never used up.
            for _ in 0..2 {
                let mut value = Vec::new();
                signer.sign_into(&body, &mut value);
                prop_assert_eq!(String::from_utf8(value).expect("ASCII"), expected.join(","));
            }
        }

        #[test]
        fn verify_accepts_own_signature(key in proptest::collection::vec(any::<u8>(), 0..80), body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let sig = hmac_sha256_hex(&key, &body);
            prop_assert!(verify_hmac_sha256_hex(&key, &body, &sig));
            prop_assert_eq!(sig.len(), 64);
            prop_assert!(sig.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
        }

        #[test]
        fn verify_rejects_changed_body(key in "[a-z]{1,32}", body in proptest::collection::vec(any::<u8>(), 1..256), flip in any::<usize>()) {
            let sig = hmac_sha256_hex(key.as_bytes(), &body);
            let mut changed = body.clone();
            let i = flip % changed.len();
            changed[i] ^= 0x01;
            prop_assert!(!verify_hmac_sha256_hex(key.as_bytes(), &changed, &sig));
        }
    }
}
