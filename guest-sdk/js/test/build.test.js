import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BUILD = fileURLToPath(new URL('../bin/build.mjs', import.meta.url));
const build = (...args) => spawnSync(process.execPath, [BUILD, ...args], { encoding: 'utf8' });

test('wasmhook-build prints its usage', () => {
  const run = build('--help');
  assert.equal(run.status, 0);
  assert.match(run.stdout, /^Usage: wasmhook-build --wit WIT_DIR --entry PLUGIN\.js -o OUT\.wasm/);
});

test('wasmhook-build rejects missing arguments and unknown features', () => {
  const missing = build('--wit', 'wit');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--wit, --entry and -o are required/);
  const feature = build('--wit', 'wit', '--entry', 'p.js', '-o', 'p.wasm', '--enable', 'sockets');
  assert.equal(feature.status, 2);
  assert.match(feature.stderr, /unknown feature sockets/);
});
