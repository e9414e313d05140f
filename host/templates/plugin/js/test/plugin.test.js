// Unit tests of the plugin, run natively: `npm test` (`node --test`).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Internal, InvalidPayload, Request, checkConfig } from 'wasmhook-sdk';

import { NOTHING_TO_POST, configDefaults, transform } from '../src/index.js';

const run = (body, config = {}) => transform(new Request({ body, config }));

test('posts the title as a link and the text escaped', () => {
  const body = '{"title": "CPU *high*", "text": "load 12 @oncall", "url": "https://x.example/1"}';
  const [message] = run(body, { username: 'Monitor' }).messages;
  assert.equal(message.content, '**[CPU \\*high\\*](https://x.example/1)**\nload 12 @\u2060oncall');
  assert.equal(message.username, 'Monitor');
});

test('skips empty bodies and pings', () => {
  for (const body of ['', '  \n', '{}', '{"title": " ", "text": null}']) {
    assert.equal(run(body).skipReason, NOTHING_TO_POST, body);
  }
});

test('rejects bad JSON, wrong types and other URLs', () => {
  for (const body of ['{', '[1]', '{"title": 7}', '{"title": "t", "url": "ftp://x"}']) {
    assert.throws(() => run(body), InvalidPayload, body);
  }
});

test('rejects unknown configuration keys', () => {
  assert.throws(() => run('{"text": "hi"}', { colour: 'red' }), (err) => err instanceof Internal && /unknown field `colour`/.test(err.message));
});

test('the host refuses an unknown key when the configuration is set', () => {
  assert.throws(() => checkConfig({ colour: 'red' }, configDefaults), { name: 'ConfigError', path: 'colour' });
  checkConfig({ username: 'Monitor' }, configDefaults);
});
