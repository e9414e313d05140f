//! The server's VAPID identity (RFC 8292): an ES256 key pair made from a 32-byte secret
//! generated on first start and kept in the database, so every node signs with the same key
//! and existing browser subscriptions stay valid across restarts.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use web_push_native::jwt_simple::algorithms::{
    ECDSAP256KeyPairLike, ECDSAP256PublicKeyLike, ES256KeyPair,
};
use web_push_native::jwt_simple::claims::Claims;

/// How long a VAPID token (and a push message at its service) is valid.
pub const VALIDITY: Duration = Duration::from_secs(12 * 60 * 60);

/// The key pair and the contact URI put in each token's `sub` claim.
pub struct Vapid {
    key: ES256KeyPair,
    public_key: String,
    subject: String,
}

impl std::fmt::Debug for Vapid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vapid")
            .field("public_key", &self.public_key)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

impl Vapid {
    /// The identity whose private key is `secret`; `subject` is a `mailto:` or `https:` URI.
    pub fn new(secret: &[u8; 32], subject: String) -> anyhow::Result<Self> {
        let key = ES256KeyPair::from_bytes(secret)
            .map_err(|e| anyhow::anyhow!("VAPID private key: {e}"))?;
        let public_key =
            URL_SAFE_NO_PAD.encode(key.public_key().public_key().to_bytes_uncompressed());
        Ok(Self {
            key,
            public_key,
            subject,
        })
    }

    /// The public key, uncompressed and base64url-encoded: the `applicationServerKey`
    /// browsers subscribe with.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// `vapid t=<JWT>, k=<public key>` for a push to `endpoint`: the token's audience is the
    /// endpoint's origin (scheme, host and any non-default port).
    pub fn authorization(&self, endpoint: &str) -> Result<String, String> {
        let url = url::Url::parse(endpoint).map_err(|e| format!("endpoint: {e}"))?;
        let origin = url.origin().ascii_serialization();
        let claims = Claims::create(VALIDITY.into())
            .with_audience(origin)
            .with_subject(&self.subject);
        let token = self
            .key
            .sign(claims)
            .map_err(|e| format!("signing the VAPID token: {e}"))?;
        Ok(format!("vapid t={token}, k={}", self.public_key))
    }
}
