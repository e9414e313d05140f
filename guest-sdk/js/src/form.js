// Decoding of `application/x-www-form-urlencoded` data (form bodies and query strings), byte
// for byte as the Rust SDK does it.

import { InvalidPayload } from './error.js';
import { decodeUtf8 } from './text.js';

const AMP = 0x26;
const EQ = 0x3d;
const PLUS = 0x2b;
const PERCENT = 0x25;

/**
 * The decoded value of the first `name=value` pair of `input` whose decoded name is `name`, or
 * `null`. Throws {@link InvalidPayload} when a decoded key or value is not UTF-8.
 *
 * @param {Uint8Array} input
 * @param {string} name
 * @returns {string | null}
 */
export function find(input, name) {
  let start = 0;
  while (start <= input.length) {
    let end = input.indexOf(AMP, start);
    if (end < 0) end = input.length;
    if (end > start) {
      const pair = input.subarray(start, end);
      const eq = pair.indexOf(EQ);
      const key = eq < 0 ? pair : pair.subarray(0, eq);
      const value = eq < 0 ? pair.subarray(pair.length) : pair.subarray(eq + 1);
      if (decode(key) === name) return decode(value);
    }
    start = end + 1;
  }
  return null;
}

/**
 * Percent-decodes `input` and turns `+` into a space; a stray `%` is kept as is.
 *
 * @param {Uint8Array} input
 * @returns {string}
 */
export function decode(input) {
  const out = new Uint8Array(input.length);
  let n = 0;
  for (let i = 0; i < input.length; i++) {
    const b = input[i];
    if (b === PLUS) {
      out[n++] = 0x20;
    } else if (b === PERCENT && hex(input[i + 1]) >= 0 && hex(input[i + 2]) >= 0) {
      out[n++] = (hex(input[i + 1]) << 4) | hex(input[i + 2]);
      i += 2;
    } else {
      out[n++] = b;
    }
  }
  try {
    return decodeUtf8(out.subarray(0, n));
  } catch {
    throw new InvalidPayload('form data is not UTF-8');
  }
}

/** The value of one hex digit byte, or -1. */
function hex(b) {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  return -1;
}
