import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { Internal, InvalidPayload, Message, Outcome, Unauthorized, UnsupportedEvent } from 'wasmhook-sdk';
import { checkGolden, expectedJson } from 'wasmhook-sdk/testing';

/** Echoes the body, or fails as the body says. */
const echo = {
  transform(request) {
    const text = request.text();
    if (text === 'long') return Outcome.message('x'.repeat(4001));
    if (text === 'skip') return Outcome.skip('asked to');
    return Outcome.message(new Message(text, { username: request.header('x-user') }));
  },
};

function withCases(cases, fn) {
  const root = mkdtempSync(join(tmpdir(), 'wasmhook-golden-'));
  for (const [name, files] of Object.entries(cases)) {
    mkdirSync(join(root, name));
    for (const [file, text] of Object.entries(files)) writeFileSync(join(root, name, file), text);
  }
  return fn(root).finally(() => rmSync(root, { recursive: true }));
}

async function withEnv(name, value, fn) {
  const old = process.env[name];
  process.env[name] = value;
  try {
    return await fn();
  } finally {
    if (old === undefined) delete process.env[name];
    else process.env[name] = old;
  }
}

test('expectedJson gives the expected.json shape of every result', () => {
  assert.deepEqual(expectedJson(Outcome.message(new Message('c', { username: 'u' }))), {
    status: 201,
    messages: [{ content: 'c', username: 'u', avatar_url: null }],
  });
  assert.deepEqual(expectedJson(Outcome.skip('ping')), { status: 200, outcome: 'skipped', reason: 'ping' });
  assert.deepEqual(expectedJson(new UnsupportedEvent('fork')), { status: 200, outcome: 'ignored', reason: 'fork' });
  assert.deepEqual(expectedJson(new InvalidPayload('x')), { status: 422, code: 'invalid_payload' });
  assert.deepEqual(expectedJson(new Unauthorized('x')), { status: 401, code: 'unauthorized' });
  assert.deepEqual(expectedJson(new Internal('cfg')), { status: 500, code: 'plugin_error', reason: 'cfg' });
  assert.equal(expectedJson(new TypeError('oops')).status, 500);
});

test('checkGolden passes when every case matches, and names the cases that do not', () =>
  withCases(
    {
      a: { 'request.txt': 'hello', 'headers.txt': 'X-User: bot\n', 'expected.json': '{"status":201,"messages":[{"content":"hello","username":"bot","avatar_url":null}]}' },
      b: { 'request.txt': 'skip', 'expected.json': '{"status":200,"outcome":"skipped","reason":"asked to"}' },
    },
    async (root) => {
      await checkGolden(echo, root);
      writeFileSync(join(root, 'b', 'expected.json'), '{"status":200,"outcome":"skipped","reason":"other"}');
      await assert.rejects(checkGolden(echo, root), (err) => {
        assert.match(err.message, /^1 of 2 cases differ \(UPDATE_GOLDEN=1 rewrites them\):/);
        assert.ok(err.message.includes(join(root, 'b')), err.message);
        assert.ok(!err.message.includes(join(root, 'a')), err.message);
        return true;
      });
    },
  ));

test('UPDATE_GOLDEN=1 rewrites expected.json with sorted keys', () =>
  withCases({ a: { 'request.txt': 'hi' } }, async (root) => {
    await withEnv('UPDATE_GOLDEN', '1', () => checkGolden(echo, root));
    assert.equal(
      readFileSync(join(root, 'a', 'expected.json'), 'utf8'),
      '{\n  "messages": [\n    {\n      "avatar_url": null,\n      "content": "hi",\n      "username": null\n    }\n  ],\n  "status": 201\n}\n',
    );
    await checkGolden(echo, root);
  }));

test('checkGolden rejects a message over 4000 characters and an empty case list', () =>
  withCases({ long: { 'request.txt': 'long', 'expected.json': '{}' } }, async (root) => {
    await assert.rejects(checkGolden(echo, root), /long: content has 4001 characters/);
    rmSync(join(root, 'long'), { recursive: true });
    await assert.rejects(checkGolden(echo, root), /no cases under/);
  }));
