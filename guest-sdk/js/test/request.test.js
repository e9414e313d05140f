import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { Internal, InvalidPayload, Request } from 'wasmhook-sdk';

test('defaults describe an empty POST to the webhook `test`', () => {
  const request = new Request();
  assert.equal(request.method, 'POST');
  assert.equal(request.path, '');
  assert.equal(request.query, '');
  assert.deepEqual(request.headers, []);
  assert.deepEqual(request.body, new Uint8Array());
  assert.equal(request.configJson, '{}');
  assert.equal(request.webhookName, 'test');
});

test('fields are set from the init object, as the host passes them', () => {
  const request = new Request({
    method: 'put',
    path: '/gitlab',
    query: 'verbose=1',
    headers: [['x-a', '1']],
    body: new Uint8Array([1, 2, 3]),
    config: '{"branch":"main"}',
    webhookName: 'deploys',
  });
  assert.equal(request.method, 'PUT');
  assert.equal(request.path, '/gitlab');
  assert.equal(request.query, 'verbose=1');
  assert.deepEqual(request.body, new Uint8Array([1, 2, 3]));
  assert.equal(request.configJson, '{"branch":"main"}');
  assert.equal(request.webhookName, 'deploys');
});

test('header lookup is case-insensitive and returns the first value', () => {
  const request = new Request({ headers: [['X-Event', 'one'], ['x-event', 'two']] });
  assert.equal(request.header('X-EVENT'), 'one');
  assert.equal(request.header('x-missing'), null);
  assert.deepEqual(request.headerValues('x-event'), ['one', 'two']);
  assert.deepEqual(request.headers[0], ['x-event', 'one']);
  assert.equal(new Request({ headers: { 'X-Gitlab-Event': 'Push Hook' } }).header('x-gitlab-event'), 'Push Hook');
  assert.equal(new Request({ headers: new Map([['X-A', '1']]) }).header('x-a'), '1');
});

test('headers text skips blank lines, comments and lines without a colon', () => {
  const request = new Request({ headers: 'X-GitHub-Event: push\n# comment\n\nnot a header\nContent-Type: application/json\r\n' });
  assert.deepEqual(request.headers, [
    ['x-github-event', 'push'],
    ['content-type', 'application/json'],
  ]);
});

test('content type is the lower-cased media type', () => {
  const request = new Request({ headers: { 'Content-Type': 'Application/JSON; charset=utf-8' } });
  assert.equal(request.contentType(), 'application/json');
  assert.equal(new Request().contentType(), null);
});

test('text decodes UTF-8 strictly and keeps a BOM', () => {
  assert.equal(new Request({ body: 'héllo' }).text(), 'héllo');
  assert.equal(new Request({ body: new Uint8Array([0xef, 0xbb, 0xbf, 0x41]) }).text(), '\ufeffA');
  assert.throws(() => new Request({ body: new Uint8Array([0x61, 0xff]) }).text(), InvalidPayload);
});

test('json parses the body; bad JSON is an invalid payload', () => {
  assert.deepEqual(new Request({ body: '{"text":"hi","n":2}' }).json(), { text: 'hi', n: 2 });
  assert.throws(() => new Request({ body: '{nope' }).json(), (err) => {
    assert.ok(err instanceof InvalidPayload);
    assert.equal(err.kind, 'invalid-payload');
    assert.match(err.message, /^invalid JSON body: /);
    return true;
  });
});

test('the json init sets the body and a JSON content type', () => {
  const request = new Request({ json: [1, 2] });
  assert.equal(request.text(), '[1,2]');
  assert.equal(request.header('content-type'), 'application/json');
  const typed = new Request({ json: {}, headers: { 'Content-Type': 'text/plain' } });
  assert.deepEqual(typed.headerValues('content-type'), ['text/plain']);
});

test('form fields and query parameters are decoded', () => {
  const request = new Request({
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'a=1&payload=%7B%22x%22%3A+1%7D&b&&a%20b=100%',
    query: 'channel=ops%20team',
  });
  assert.equal(request.formField('payload'), '{"x": 1}');
  assert.equal(request.formField('a'), '1');
  assert.equal(request.formField('b'), '');
  assert.equal(request.formField('a b'), '100%');
  assert.equal(request.formField('c'), null);
  assert.equal(request.queryParam('channel'), 'ops team');
  assert.equal(request.queryParam('missing'), null);
  assert.equal(new Request({ body: 'k=%zz%4' }).formField('k'), '%zz%4');
  assert.throws(() => new Request({ body: 'k=%FF' }).formField('k'), InvalidPayload);
});

test('config without defaults is the object as set; blank is {}', () => {
  assert.deepEqual(new Request({ config: '{"a":[1]}' }).config(), { a: [1] });
  assert.deepEqual(new Request({ config: '  ' }).config(), {});
  assert.equal(new Request({ config: '' }).configJson, '{}');
  assert.equal(new Request({ config: { fail: true } }).configJson, '{"fail":true}');
});

test('config with defaults merges, and rejects unknown keys and wrong types', () => {
  const defaults = { branches: null, verbose: false, username: 'GitLab', mention: [] };
  assert.deepEqual(new Request().config(defaults), defaults);
  const config = new Request({ config: { verbose: true, branches: ['main'], username: null } }).config(defaults);
  assert.deepEqual(config, { branches: ['main'], verbose: true, username: 'GitLab', mention: [] });

  assert.throws(
    () => new Request({ config: { branch: ['main'] } }).config(defaults),
    (err) => err instanceof Internal &&
      err.message === 'invalid plugin configuration: unknown field `branch`, expected one of `branches`, `verbose`, `username`, `mention`',
  );
  assert.throws(
    () => new Request({ config: { mention: 'ada' } }).config(defaults),
    (err) => err instanceof Internal && err.message === 'invalid plugin configuration: `mention` must be an array, not a string',
  );
  assert.throws(() => new Request({ config: '[1]' }).config(), Internal);
  assert.throws(() => new Request({ config: '{nope' }).config(defaults), Internal);
  // `__proto__` and inherited names are unknown keys too.
  assert.throws(() => new Request({ config: '{"toString":1}' }).config(defaults), Internal);
});

test('fromFixture loads body, headers and config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmhook-sdk-fixture-'));
  try {
    writeFileSync(join(dir, 'request.json'), '{"a":1}');
    writeFileSync(join(dir, 'headers.txt'), 'X-Gitlab-Event: Push Hook\n\n');
    writeFileSync(join(dir, 'config.json'), '{"k":"v"}');
    mkdirSync(join(dir, 'request.d'));
    const request = Request.fromFixture(dir);
    assert.equal(request.text(), '{"a":1}');
    assert.equal(request.header('x-gitlab-event'), 'Push Hook');
    assert.equal(request.configJson, '{"k":"v"}');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('fromFixture without a request file fails with ENOENT', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmhook-sdk-empty-'));
  try {
    writeFileSync(join(dir, 'requests.json'), '{}');
    assert.throws(() => Request.fromFixture(dir), { code: 'ENOENT' });
  } finally {
    rmSync(dir, { recursive: true });
  }
});
