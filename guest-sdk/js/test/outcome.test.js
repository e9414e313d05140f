import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  Internal,
  InvalidPayload,
  Message,
  Outcome,
  PluginError,
  Request,
  Unauthorized,
  UnsupportedEvent,
  checkSenderOverrides,
  log,
} from 'wasmhook-sdk';
import { exportTransform } from '../src/component.js';

test('messages carry optional sender overrides', () => {
  const message = new Message('Deployed **v1.2**', { username: 'CI', avatarUrl: 'https://example.com/ci.png' });
  assert.deepEqual({ ...message }, { content: 'Deployed **v1.2**', username: 'CI', avatarUrl: 'https://example.com/ci.png' });
  assert.deepEqual({ ...new Message('hi') }, { content: 'hi', username: null, avatarUrl: null });
});

test('outcomes hold messages or a skip reason', () => {
  const one = Outcome.message('build passed');
  assert.equal(one.messages[0].content, 'build passed');
  assert.equal(one.skipReason, null);
  const two = Outcome.messages(['a', new Message('b', { username: 'u' })]);
  assert.deepEqual(two.messages.map((m) => m.content), ['a', 'b']);
  assert.equal(two.messages[1].username, 'u');
  const skipped = Outcome.skip('ping');
  assert.equal(skipped.skipReason, 'ping');
  assert.deepEqual(skipped.messages, []);
});

test('errors have a WIT kind and display like the Rust SDK', () => {
  const cases = [
    [new InvalidPayload('x'), 'invalid-payload', 'invalid payload: x'],
    [new Unauthorized('bad signature'), 'unauthorized', 'unauthorized: bad signature'],
    [new UnsupportedEvent('event "fork"'), 'unsupported-event', 'unsupported event: event "fork"'],
    [new Internal('boom'), 'internal', 'internal error: boom'],
  ];
  for (const [err, kind, text] of cases) {
    assert.ok(err instanceof PluginError && err instanceof Error);
    assert.equal(err.kind, kind);
    assert.equal(String(err), text);
  }
});

test('checkSenderOverrides applies the host’s rules', () => {
  checkSenderOverrides('CI Bot', 'https://example.com/a.png');
  checkSenderOverrides(null, undefined);
  checkSenderOverrides('x'.repeat(64), 'http://example.com/a.png');
  assert.throws(() => checkSenderOverrides('', null), { message: /username/ });
  assert.throws(() => checkSenderOverrides(' \u0085', null), Internal);
  assert.throws(() => checkSenderOverrides('😀'.repeat(65), null), Internal);
  assert.throws(() => checkSenderOverrides(null, 'ftp://example.com/a.png'), { message: /avatar_url/ });
});

test('logging records natively, and goes to the host inside a component', async () => {
  log.takeRecords();
  log.info('3 commits');
  log.warn('odd');
  assert.deepEqual(log.takeRecords(), [['info', '3 commits'], ['warn', 'odd']]);
  assert.deepEqual(log.takeRecords(), []);
  assert.throws(() => log.log('fatal', 'x'), TypeError);

  const sent = [];
  const transform = exportTransform({ transform: () => (log.debug('inside'), Outcome.skip('s')) }, (...r) => sent.push(r));
  try {
    await transform({ method: 'POST', path: '', query: '', headers: [], body: new Uint8Array(), config: '{}', webhookName: 'w' });
    assert.deepEqual(sent, [['debug', 'inside']]);
    assert.deepEqual(log.takeRecords(), []);
  } finally {
    (await import('../src/log.js')).setHostLog(null);
  }
});

test('the component export converts results to the WIT shapes', async () => {
  const wit = (body) => ({ method: 'POST', path: '', query: '', headers: [['x-a', '1']], body: new TextEncoder().encode(body), config: '{}', webhookName: 'w' });
  const plugin = {
    async transform(request) {
      const text = request.text();
      if (text === '') throw new Unauthorized('empty');
      if (text === 'skip') return Outcome.skip('asked to');
      if (text === 'bug') return null.x;
      if (text === 'string') return 'not an outcome';
      return Outcome.message(new Message(text.toUpperCase(), { username: 'u' }));
    },
  };
  const transform = exportTransform(plugin, () => {});
  try {
    assert.deepEqual(await transform(wit('hi')), {
      tag: 'ok',
      val: { tag: 'messages', val: [{ content: 'HI', username: 'u', avatarUrl: undefined }] },
    });
    assert.deepEqual(await transform(wit('skip')), { tag: 'ok', val: { tag: 'skip', val: 'asked to' } });
    assert.deepEqual(await transform(wit('')), { tag: 'err', val: { tag: 'unauthorized', val: 'empty' } });
    const bug = await transform(wit('bug'));
    assert.equal(bug.val.tag, 'internal');
    assert.match(bug.val.val, /^uncaught exception in the plugin: TypeError/);
    assert.deepEqual(await transform(wit('string')), {
      tag: 'err',
      val: { tag: 'internal', val: 'transform returned a string, not an Outcome' },
    });
  } finally {
    (await import('../src/log.js')).setHostLog(null);
  }
  assert.throws(() => exportTransform({}, () => {}), TypeError);
  assert.ok(new Request() instanceof Request);
});
