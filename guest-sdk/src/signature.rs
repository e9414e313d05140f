//! Verifying webhook signatures (HMAC-SHA256, as GitHub, Stripe-style and many others send).

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Whether `signature` is the HMAC-SHA256 of `body` keyed with `secret`, compared in
/// constant time.
///
/// `signature` is hex (either case), optionally prefixed with `sha256=` as in GitHub's
/// `X-Hub-Signature-256` header; surrounding whitespace is ignored. Anything malformed is
/// simply `false`.
///
/// ```
/// use wasmhook_sdk::signature;
///
/// let body = br#"{"zen":"Design for failure."}"#;
/// let header = signature::sign_hmac_sha256(b"s3cret", body);
/// assert!(header.starts_with("sha256="));
/// assert!(signature::verify_hmac_sha256(b"s3cret", body, &header));
/// assert!(signature::verify_hmac_sha256(b"s3cret", body, &header["sha256=".len()..]));
/// assert!(!signature::verify_hmac_sha256(b"wrong", body, &header));
/// ```
pub fn verify_hmac_sha256(secret: &[u8], body: &[u8], signature: &str) -> bool {
    let signature = signature.trim();
    let hex = signature.strip_prefix("sha256=").unwrap_or(signature);
    let mut expected = [0u8; 32];
    if !decode_hex(hex, &mut expected) {
        return false;
    }
    let mut mac = new_mac(secret);
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// The GitHub-style signature of `body`: `sha256=` followed by the lower-case hex
/// HMAC-SHA256 keyed with `secret`. Useful to sign fixtures in tests.
///
/// ```
/// let header = wasmhook_sdk::signature::sign_hmac_sha256(b"key", b"The quick brown fox jumps over the lazy dog");
/// assert_eq!(
///     header,
///     "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
/// );
/// ```
pub fn sign_hmac_sha256(secret: &[u8], body: &[u8]) -> String {
    format!("sha256={}", hmac_sha256_hex(secret, body))
}

/// The lower-case hex HMAC-SHA256 of `body` keyed with `secret`, without prefix.
///
/// ```
/// let hex = wasmhook_sdk::signature::hmac_sha256_hex(b"key", b"The quick brown fox jumps over the lazy dog");
/// assert_eq!(hex, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
/// ```
pub fn hmac_sha256_hex(secret: &[u8], body: &[u8]) -> String {
    let mut mac = new_mac(secret);
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(digest.len() * 2);
    for byte in digest {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    out
}

/// Whether `a` equals `b`, in time that depends only on their lengths: for services that send
/// a shared token rather than a signature (GitLab's `X-Gitlab-Token`, for example).
///
/// ```
/// use wasmhook_sdk::signature::constant_time_eq;
///
/// assert!(constant_time_eq(b"token", b"token"));
/// assert!(!constant_time_eq(b"token", b"tokem"));
/// assert!(!constant_time_eq(b"token", b"tok"));
/// ```
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn new_mac(secret: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length: this cannot fail.
    <HmacSha256 as Mac>::new_from_slice(secret).expect("HMAC accepts any key length")
}

/// Decodes exactly `out.len()` bytes of hex; `false` on any other length or a non-hex digit.
fn decode_hex(hex: &str, out: &mut [u8]) -> bool {
    let hex = hex.as_bytes();
    if hex.len() != out.len() * 2 {
        return false;
    }
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        let (Some(hi), Some(lo)) = (nibble(pair[0]), nibble(pair[1])) else {
            return false;
        };
        *byte = hi << 4 | lo;
    }
    true
}

fn nibble(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // From GitHub's "Validating webhook deliveries" documentation.
    const GITHUB_SECRET: &[u8] = b"It's a Secret to Everybody";
    const GITHUB_BODY: &[u8] = b"Hello, World!";
    const GITHUB_SIGNATURE: &str =
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn accepts_githubs_documented_example() {
        assert!(verify_hmac_sha256(
            GITHUB_SECRET,
            GITHUB_BODY,
            GITHUB_SIGNATURE
        ));
        assert_eq!(
            sign_hmac_sha256(GITHUB_SECRET, GITHUB_BODY),
            GITHUB_SIGNATURE
        );
    }

    #[test]
    fn accepts_upper_case_hex_and_surrounding_whitespace() {
        let upper = GITHUB_SIGNATURE["sha256=".len()..].to_ascii_uppercase();
        assert!(verify_hmac_sha256(
            GITHUB_SECRET,
            GITHUB_BODY,
            &format!(" {upper}\n")
        ));
    }

    #[test]
    fn rejects_bad_signatures() {
        let truncated = &GITHUB_SIGNATURE[..GITHUB_SIGNATURE.len() - 2];
        let mut flipped = GITHUB_SIGNATURE.to_owned();
        flipped.replace_range(10..11, "0");
        for bad in ["", "sha256=", truncated, &flipped, "sha1=757107ea", "zz"] {
            assert!(
                !verify_hmac_sha256(GITHUB_SECRET, GITHUB_BODY, bad),
                "{bad:?}"
            );
        }
        assert!(!verify_hmac_sha256(b"other", GITHUB_BODY, GITHUB_SIGNATURE));
        assert!(!verify_hmac_sha256(
            GITHUB_SECRET,
            b"Hello, World?",
            GITHUB_SIGNATURE
        ));
    }
}
