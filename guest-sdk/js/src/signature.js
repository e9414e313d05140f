/**
 * Verifying webhook signatures (HMAC-SHA256, as GitHub and many others send) and shared tokens,
 * in constant time. Pure JavaScript (`@noble/hashes`), synchronous, the same natively and inside
 * the component.
 * @module
 */

import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toBytes, trim } from './text.js';

const HEX = '0123456789abcdef';

/**
 * Whether `signature` is the HMAC-SHA256 of `body` keyed with `secret`, compared in constant
 * time. `signature` is hex (either case), optionally prefixed with `sha256=` as in GitHub's
 * `X-Hub-Signature-256` header; surrounding whitespace is ignored. Anything malformed is simply
 * `false`.
 *
 * @param {string | Uint8Array} secret the shared secret (a string is UTF-8 encoded)
 * @param {string | Uint8Array} body the raw body (use `request.body`)
 * @param {string | null | undefined} signature the header value
 * @returns {boolean}
 * @example
 * verifyHmacSha256("It's a Secret to Everybody", 'Hello, World!',
 *   'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'); // true
 */
export function verifyHmacSha256(secret, body, signature) {
  if (typeof signature !== 'string') return false;
  const text = trim(signature);
  const hex = text.startsWith('sha256=') ? text.slice('sha256='.length) : text;
  const expected = decodeHex(hex, 32);
  if (expected === null) return false;
  return constantTimeEqual(hmacSha256(secret, body), expected);
}

/**
 * The HMAC-SHA256 of `body` keyed with `secret`.
 *
 * @param {string | Uint8Array} secret
 * @param {string | Uint8Array} body
 * @returns {Uint8Array} 32 bytes
 */
export function hmacSha256(secret, body) {
  return hmac(sha256, toBytes(secret), toBytes(body));
}

/**
 * The lower-case hex HMAC-SHA256 of `body` keyed with `secret`, without prefix.
 *
 * @param {string | Uint8Array} secret
 * @param {string | Uint8Array} body
 * @returns {string}
 */
export function hmacSha256Hex(secret, body) {
  let out = '';
  for (const byte of hmacSha256(secret, body)) out += HEX[byte >> 4] + HEX[byte & 15];
  return out;
}

/**
 * The GitHub-style signature of `body`: `sha256=` and the lower-case hex HMAC-SHA256 keyed with
 * `secret`. Useful to sign fixtures in tests.
 *
 * @param {string | Uint8Array} secret
 * @param {string | Uint8Array} body
 * @returns {string}
 */
export function signHmacSha256(secret, body) {
  return `sha256=${hmacSha256Hex(secret, body)}`;
}

/**
 * Whether `a` equals `b`, in time that depends only on their lengths: for services that send a
 * shared token rather than a signature (GitLab's `X-Gitlab-Token`, for example). Strings are
 * compared as their UTF-8 bytes.
 *
 * @param {string | Uint8Array} a
 * @param {string | Uint8Array} b
 * @returns {boolean}
 */
export function constantTimeEqual(a, b) {
  const x = toBytes(a);
  const y = toBytes(b);
  if (x.length !== y.length) return false;
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

/** Exactly `length` bytes of hex, or `null` on any other length or a non-hex digit. */
function decodeHex(hex, length) {
  if (hex.length !== length * 2 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
