import assert from 'node:assert/strict';
import { test } from 'node:test';

import { markdown } from 'wasmhook-sdk';

// The cases every SDK shares are in guest-sdk/conformance/vectors.json (conformance.test.js);
// here only what the JavaScript API adds.

test('codeBlock language defaults to none', () => {
  assert.equal(markdown.codeBlock('x'), '```\nx\n```');
});
