//! Secret material: random tokens, their hashes, password hashing, which request headers
//! carry credentials (redacted before a delivery is stored), and the keys that encrypt secrets
//! at rest.

pub mod keyring;
pub mod keys;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

pub use keyring::{Keyring, SealError};
pub use keys::{KeyError, LoadedKeys, SecretKeyOptions};

/// Length of an API token.
pub const API_TOKEN_LEN: usize = 48;

/// A random URL-safe token of `len` ASCII letters and digits from a CSPRNG.
pub fn random_token(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// SHA-256 of an API token, as stored. Tokens are long random strings, so a fast hash is enough.
pub fn api_token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Hashes a password with Argon2id (slow on purpose: call it off the async runtime).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

/// Checks a password against a stored Argon2 hash (slow on purpose).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// What a redacted header value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Whether a request header (name lower-cased) carries a credential: `Authorization`,
/// `Proxy-Authorization`, `Cookie`, `Set-Cookie`, `X-Gitlab-Token`, `X-Api-Key`, and any name
/// with `token`, `secret`, `password`, `api-key`/`apikey`, `auth` or `session` in it.
/// Signature headers (`X-Hub-Signature-256`, `Sentry-Hook-Signature`, ...) are kept: they are
/// MACs of the body, reveal no secret, and a replay needs them to verify the request again.
pub fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    if name.contains("signature") {
        return false;
    }
    matches!(
        name.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie" | "x-api-key"
    ) || [
        "token", "secret", "password", "api-key", "apikey", "auth", "session",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// `headers` with the value of every credential-bearing one replaced by [`REDACTED`].
pub fn redact_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = if is_secret_header(name) {
                REDACTED.to_owned()
            } else {
                value.clone()
            };
            (name.clone(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_headers_are_redacted_and_signatures_kept() {
        let headers: Vec<(String, String)> = [
            ("authorization", "Bearer abc"),
            ("Proxy-Authorization", "Basic xyz"),
            ("cookie", "sid=1"),
            ("set-cookie", "sid=1"),
            ("x-gitlab-token", "glt"),
            ("x-api-key", "k"),
            ("x-auth-token", "t"),
            ("x-webhook-secret", "s"),
            ("x-hub-signature-256", "sha256=00"),
            ("sentry-hook-signature", "ff"),
            ("content-type", "application/json"),
            ("x-github-event", "push"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .into();
        let redacted = redact_headers(&headers);
        let kept: Vec<&str> = redacted
            .iter()
            .filter(|(_, v)| v != REDACTED)
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(
            kept,
            [
                "x-hub-signature-256",
                "sentry-hook-signature",
                "content-type",
                "x-github-event"
            ]
        );
    }

    #[test]
    fn tokens_are_random_and_url_safe() {
        let (a, b) = (random_token(64), random_token(64));
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn passwords_verify_only_with_the_right_secret() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }
}
