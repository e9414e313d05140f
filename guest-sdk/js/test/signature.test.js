import assert from 'node:assert/strict';
import { test } from 'node:test';

import { signature } from 'wasmhook-sdk';

// From GitHub's "Validating webhook deliveries" documentation.
const SECRET = "It's a Secret to Everybody";
const BODY = 'Hello, World!';
const SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

test('accepts and produces GitHub’s documented example', () => {
  assert.equal(signature.verifyHmacSha256(SECRET, BODY, SIGNATURE), true);
  assert.equal(signature.verifyHmacSha256(new TextEncoder().encode(SECRET), new TextEncoder().encode(BODY), SIGNATURE), true);
  assert.equal(signature.signHmacSha256(SECRET, BODY), SIGNATURE);
});

test('matches the RFC 4231 style reference vector', () => {
  assert.equal(
    signature.hmacSha256Hex('key', 'The quick brown fox jumps over the lazy dog'),
    'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
  );
  // RFC 4231 test case 2.
  assert.equal(
    signature.hmacSha256Hex('Jefe', 'what do ya want for nothing?'),
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  );
  // A key longer than the block size is hashed first (RFC 4231 test case 6).
  assert.equal(
    signature.hmacSha256Hex(new Uint8Array(131).fill(0xaa), 'Test Using Larger Than Block-Size Key - Hash Key First'),
    '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  );
});

test('accepts a bare hex signature, upper-case hex and surrounding whitespace', () => {
  const hex = SIGNATURE.slice('sha256='.length);
  assert.equal(signature.verifyHmacSha256(SECRET, BODY, hex), true);
  assert.equal(signature.verifyHmacSha256(SECRET, BODY, ` ${hex.toUpperCase()}\n`), true);
});

test('rejects bad signatures', () => {
  const flipped = `${SIGNATURE.slice(0, 10)}0${SIGNATURE.slice(11)}`;
  for (const bad of ['', 'sha256=', SIGNATURE.slice(0, -2), flipped, 'sha1=757107ea', 'zz', null, undefined, `${SIGNATURE.slice(0, -2)}zz`]) {
    assert.equal(signature.verifyHmacSha256(SECRET, BODY, bad), false, String(bad));
  }
  assert.equal(signature.verifyHmacSha256('other', BODY, SIGNATURE), false);
  assert.equal(signature.verifyHmacSha256(SECRET, 'Hello, World?', SIGNATURE), false);
});

test('constantTimeEqual compares strings and bytes', () => {
  assert.equal(signature.constantTimeEqual('token', 'token'), true);
  assert.equal(signature.constantTimeEqual('token', 'tokem'), false);
  assert.equal(signature.constantTimeEqual('token', 'tok'), false);
  assert.equal(signature.constantTimeEqual('é', new Uint8Array([0xc3, 0xa9])), true);
  assert.equal(signature.constantTimeEqual('', ''), true);
});
