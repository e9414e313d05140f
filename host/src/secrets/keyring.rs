//! Secrets at rest: AES-256-GCM under a keyring of one current key and any number of old ones.
//!
//! A sealed value is the text `enc:v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`. The key
//! id (8 hex digits of a SHA-256 of the key) says which key sealed it, so a value sealed under
//! an old key still opens during a rotation and can be sealed again under the current one. The
//! associated data binds a value to its place (table, column and row), so a sealed value copied
//! to another row or column does not open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// The prefix of every sealed value.
pub const SEALED_PREFIX: &str = "enc:v1:";

/// Length of a key, in bytes (AES-256).
pub const KEY_LEN: usize = 32;

/// Length of a GCM nonce, in bytes.
const NONCE_LEN: usize = 12;

/// Why a stored value could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The value was sealed under a key the keyring does not hold.
    #[error("sealed under key {key_id}, which is not among the configured secret keys")]
    UnknownKey {
        /// The id of the key that sealed it.
        key_id: String,
    },
    /// The value is not a well-formed sealed value, or fails authentication (changed, or moved
    /// to another place).
    #[error("a sealed value is damaged or was moved from another row")]
    Damaged,
}

/// One AES-256-GCM key and its id.
struct Key {
    id: String,
    cipher: Aes256Gcm,
}

impl Key {
    fn new(bytes: &[u8; KEY_LEN]) -> Self {
        let digest = Sha256::new()
            .chain_update(b"wasmhook secret key id\0")
            .chain_update(bytes)
            .finalize();
        Self {
            id: hex::encode(&digest[..4]),
            cipher: Aes256Gcm::new(bytes.into()),
        }
    }
}

/// What [`Keyring::open`] found.
#[derive(Debug, PartialEq, Eq)]
pub struct Opened {
    /// The plaintext.
    pub plaintext: Vec<u8>,
    /// Whether the value should be sealed again: it is plaintext (stored before encryption at
    /// rest) or sealed under an old key.
    pub stale: bool,
}

/// The keys secrets are sealed with: the current one seals, every one opens.
pub struct Keyring {
    current: Key,
    old: Vec<Key>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current.id)
            .field("old", &self.old.iter().map(|k| &k.id).collect::<Vec<_>>())
            .finish()
    }
}

impl Keyring {
    /// A keyring sealing with `current` and also opening values sealed with any of `old`.
    pub fn new(current: &[u8; KEY_LEN], old: &[[u8; KEY_LEN]]) -> Self {
        let current = Key::new(current);
        let old = old
            .iter()
            .map(Key::new)
            .filter(|k| k.id != current.id)
            .collect();
        Self { current, old }
    }

    /// The id of the key that seals.
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    /// Seals `plaintext` for the place named by `aad` under the current key.
    pub fn seal(&self, aad: &str, plaintext: &[u8]) -> String {
        let nonce: [u8; NONCE_LEN] = rand::random();
        let ciphertext = self
            .current
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: aad.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        format!(
            "{SEALED_PREFIX}{}:{}",
            self.current.id,
            URL_SAFE_NO_PAD.encode(sealed)
        )
    }

    /// Opens a stored value for the place named by `aad`. A value without the sealed prefix is
    /// plaintext from before encryption at rest and is returned as it is, marked stale.
    pub fn open(&self, aad: &str, stored: &[u8]) -> Result<Opened, SealError> {
        let Some(rest) = stored.strip_prefix(SEALED_PREFIX.as_bytes()) else {
            return Ok(Opened {
                plaintext: stored.to_vec(),
                stale: true,
            });
        };
        let rest = std::str::from_utf8(rest).map_err(|_| SealError::Damaged)?;
        let (key_id, body) = rest.split_once(':').ok_or(SealError::Damaged)?;
        let key = std::iter::once(&self.current)
            .chain(&self.old)
            .find(|k| k.id == key_id)
            .ok_or_else(|| SealError::UnknownKey {
                key_id: key_id.to_owned(),
            })?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SealError::Damaged)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError::Damaged);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plaintext = key
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| SealError::Damaged)?;
        Ok(Opened {
            plaintext,
            stale: key.id != self.current.id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: [u8; KEY_LEN] = [1; KEY_LEN];
    const B: [u8; KEY_LEN] = [2; KEY_LEN];

    #[test]
    fn a_sealed_value_opens_in_its_place_only() {
        let ring = Keyring::new(&A, &[]);
        let sealed = ring.seal("webhooks.plugin_config:1", b"{\"secret\":\"s3cr3t\"}");
        assert!(sealed.starts_with(&format!("{SEALED_PREFIX}{}:", ring.current_id())));
        assert!(!sealed.contains("s3cr3t"));
        let opened = ring
            .open("webhooks.plugin_config:1", sealed.as_bytes())
            .unwrap();
        assert_eq!(opened.plaintext, b"{\"secret\":\"s3cr3t\"}");
        assert!(!opened.stale);
        assert_eq!(
            ring.open("webhooks.plugin_config:2", sealed.as_bytes()),
            Err(SealError::Damaged)
        );
        // Two seals of the same value differ (random nonces).
        assert_ne!(
            sealed,
            ring.seal("webhooks.plugin_config:1", b"{\"secret\":\"s3cr3t\"}")
        );
    }

    #[test]
    fn a_changed_value_is_refused() {
        let ring = Keyring::new(&A, &[]);
        let mut sealed = ring.seal("t.c:1", b"value").into_bytes();
        let last = sealed.len() - 1;
        sealed[last] = if sealed[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(ring.open("t.c:1", &sealed), Err(SealError::Damaged));
        assert_eq!(
            ring.open("t.c:1", b"enc:v1:nocolon"),
            Err(SealError::Damaged)
        );
    }

    #[test]
    fn old_keys_open_and_mark_stale_and_unknown_keys_are_named() {
        let old = Keyring::new(&A, &[]);
        let sealed = old.seal("t.c:1", b"value");
        let rotated = Keyring::new(&B, &[A]);
        let opened = rotated.open("t.c:1", sealed.as_bytes()).unwrap();
        assert_eq!(opened.plaintext, b"value");
        assert!(opened.stale);
        let other = Keyring::new(&B, &[]);
        assert_eq!(
            other.open("t.c:1", sealed.as_bytes()),
            Err(SealError::UnknownKey {
                key_id: old.current_id().to_owned()
            })
        );
    }

    #[test]
    fn plaintext_from_before_encryption_opens_as_stale() {
        let ring = Keyring::new(&A, &[]);
        let opened = ring.open("t.c:1", b"whsec_plain").unwrap();
        assert_eq!(opened.plaintext, b"whsec_plain");
        assert!(opened.stale);
    }
}
