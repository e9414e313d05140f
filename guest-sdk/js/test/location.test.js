import assert from 'node:assert/strict';
import { test } from 'node:test';

import { toPluginError } from '../src/error.js';
import { LINES_KEY, sourceLocation } from '../src/location.js';

test('an uncaught exception names the plugin line the bundle table maps its frame to', () => {
  const error = new TypeError('x is undefined');
  // SpiderMonkey's format, as inside a component: the SDK's frame (unmapped) comes first.
  error.stack = 'toPluginError@plugin.js:40:9\ntransform@plugin.js:461:12\n@plugin.js:470:1\n';
  assert.equal(sourceLocation(error), null, 'no table: natively, no location');
  globalThis[LINES_KEY] = { sources: ['src/index.js'], lines: { 461: [0, 14], 470: [0, 22] } };
  try {
    assert.equal(sourceLocation(error), 'src/index.js:14');
    assert.equal(
      toPluginError(error).message,
      'uncaught exception in the plugin: TypeError: x is undefined (at src/index.js:14)',
    );
    assert.equal(sourceLocation('a string'), null);
  } finally {
    delete globalThis[LINES_KEY];
  }
});
