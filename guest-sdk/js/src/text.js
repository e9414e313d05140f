// Character helpers that behave like Rust's `str` methods the Rust SDK relies on.

// Rust's `char::is_whitespace` (Unicode White_Space), which differs from JavaScript's `\s`
// (JavaScript adds U+FEFF and lacks U+0085).
const WS = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const TRIM = new RegExp(`^[${WS}]+|[${WS}]+$`, 'g');
const WHITESPACE = new RegExp(`[${WS}]`, 'u');

/** Rust's `str::trim`. */
export const trim = (text) => text.replace(TRIM, '');

/** Rust's `char::is_whitespace` or `char::is_control` for one code point. */
export const isSpaceOrControl = (c) =>
  WHITESPACE.test(c) || /^[\u0000-\u001f\u007f-\u009f]$/.test(c);

/** The number of Unicode scalar values, as Rust's `str::chars().count()`. */
export function charCount(text) {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

const URL_ESCAPES = { ' ': '%20', '(': '%28', ')': '%29', '<': '%3C', '>': '%3E', '\n': '', '\r': '', '\t': '' };

/** `url` as a Markdown link destination: the characters that would end it early encoded, line breaks and tabs dropped. */
export function linkDestination(url) {
  let out = '';
  for (const c of url) out += URL_ESCAPES[c] ?? c;
  return out;
}

const ENCODER = new TextEncoder();

/** UTF-8 bytes of a string, or the bytes themselves. */
export function toBytes(value) {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return ENCODER.encode(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`expected a string or bytes, got ${typeof value}`);
}

/** Strict UTF-8 decoding (a BOM is kept, as Rust's `str::from_utf8` does); throws on bad bytes. */
export function decodeUtf8(bytes) {
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
}
