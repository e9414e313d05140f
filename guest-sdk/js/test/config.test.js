import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ConfigError, Internal, Request, checkConfig } from 'wasmhook-sdk';

import { exportValidateConfig } from '../src/component.js';

const DEFAULTS = { branches: null, username: 'GitLab', events: ['push'] };

test('checkConfig names the key at fault and fills in the defaults', () => {
  assert.deepEqual(checkConfig({ branches: ['main'], username: null }, DEFAULTS), {
    branches: ['main'],
    username: 'GitLab',
    events: ['push'],
  });
  assert.throws(() => checkConfig({ colour: 'red' }, DEFAULTS), (err) => {
    assert.ok(err instanceof ConfigError && err instanceof Internal);
    assert.equal(err.path, 'colour');
    assert.equal(err.reason, 'unknown field `colour`, expected one of `branches`, `username`, `events`');
    assert.equal(err.message, `invalid plugin configuration: ${err.reason}`);
    return true;
  });
  assert.throws(() => checkConfig({ events: 'push' }, DEFAULTS), { path: 'events', reason: '`events` must be an array, not a string' });
});

test('request.config keeps its messages, now as a ConfigError', () => {
  assert.throws(() => new Request({ config: '{"colour":1}' }).config(DEFAULTS), {
    name: 'ConfigError',
    path: 'colour',
  });
  assert.throws(() => new Request({ config: '[1]' }).config(), {
    path: '',
    message: 'invalid plugin configuration: expected a JSON object, not an array',
  });
});

/** A plugin module declaring its configuration, with a rule beyond the types. */
const plugin = {
  transform() {
    throw new Error('unused');
  },
  configDefaults: DEFAULTS,
  validateConfig(config) {
    if (config.username === '') throw new ConfigError('username', '`username` must not be empty');
    if (config.username === 'internal') throw new Internal('invalid plugin configuration: reserved name');
    if (config.username === 'bug') throw new TypeError('oops');
  },
};

test('the validate-config export derives the check from configDefaults and validateConfig', async () => {
  const validateConfig = exportValidateConfig(plugin);
  assert.deepEqual(await validateConfig('{"branches":["main"]}'), { tag: 'ok', val: undefined });
  assert.deepEqual(await validateConfig(''), { tag: 'ok', val: undefined });
  const refused = async (config) => {
    const result = await validateConfig(config);
    assert.equal(result.tag, 'err');
    return [result.val.path, result.val.message];
  };
  assert.deepEqual(await refused('{"colour":"red"}'), [
    'colour',
    'unknown field `colour`, expected one of `branches`, `username`, `events`',
  ]);
  assert.deepEqual(await refused('{"username":""}'), ['username', '`username` must not be empty']);
  assert.deepEqual(await refused('{"username":"internal"}'), ['', 'reserved name']);
  assert.deepEqual(await refused('{"username":"bug"}'), ['', 'uncaught exception while checking: TypeError: oops']);
  assert.deepEqual(await refused('[]'), ['', 'expected a JSON object, not an array']);
  assert.equal((await refused('{'))[0], '');
  // A plugin that declares nothing accepts every object.
  const bare = exportValidateConfig({ transform() {} });
  assert.deepEqual(await bare('{"anything":[1]}'), { tag: 'ok', val: undefined });
});
