/**
 * Golden-file testing for plugins, natively with `node --test` (Node.js only; never bundled into
 * a component). The counterpart of the Rust SDK's `testing` module, with the same case layout and
 * the same `expected.json` format.
 * @module
 */

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import { toPluginError } from './error.js';
import { MAX_CONTENT_CHARS } from './limits.js';
import { Outcome } from './message.js';
import { Request } from './request.js';
import { pluginOf, runTransform } from './run.js';
import { charCount } from './text.js';

/** The host's limit on message content, in characters (an alias of `limits.MAX_CONTENT_CHARS`). */
export const MAX_CHARS = MAX_CONTENT_CHARS;

/**
 * What the sender sees for a transform's result, in the format of `expected.json`:
 * `{status: 201, messages: [...]}`, `{status: 200, outcome: 'skipped' | 'ignored', reason}`,
 * `{status: 401 | 422, code}` or `{status: 500, code: 'plugin_error', reason}`.
 *
 * @param {Outcome | unknown} result an {@link Outcome}, or what the transform threw
 * @returns {object}
 * @example
 * expectedJson(Outcome.skip('ping')); // {status: 200, outcome: 'skipped', reason: 'ping'}
 */
export function expectedJson(result) {
  if (result instanceof Outcome) {
    if (result.skipReason !== null) return { status: 200, outcome: 'skipped', reason: result.skipReason };
    return {
      status: 201,
      messages: result.messages.map((m) => ({ content: m.content, username: m.username, avatar_url: m.avatarUrl })),
    };
  }
  const error = toPluginError(result);
  switch (error.kind) {
    case 'unsupported-event':
      return { status: 200, outcome: 'ignored', reason: error.message };
    case 'invalid-payload':
      return { status: 422, code: 'invalid_payload' };
    case 'unauthorized':
      return { status: 401, code: 'unauthorized' };
    default:
      return { status: 500, code: 'plugin_error', reason: error.message };
  }
}

/**
 * Runs `plugin` on one request, as the host would, and gives {@link expectedJson} of the result.
 *
 * @param {object} plugin a plugin module (with a `transform` export) or an object with `transform`
 * @param {Request} request
 * @returns {Promise<object>}
 */
export async function run(plugin, request) {
  const result = await runTransform(pluginOf(plugin), request);
  return expectedJson(result.err ?? result.ok);
}

/**
 * Runs `plugin` natively on every case directory under `casesDir` (see
 * {@link Request.fromFixture}) and compares each result with the case's `expected.json`; with
 * `UPDATE_GOLDEN=1` in the environment it rewrites them instead (review the diff before
 * committing). Rejects listing every case that differs, and when a message is not 1 to 4000
 * characters long.
 *
 * @param {object} plugin a plugin module (with a `transform` export) or an object with `transform`
 * @param {string} casesDir
 * @returns {Promise<void>}
 * @example
 * test('fixtures', () => checkGolden(plugin, new URL('../fixtures', import.meta.url).pathname));
 */
export async function checkGolden(plugin, casesDir) {
  const update = process.env.UPDATE_GOLDEN === '1';
  const cases = readdirSync(casesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(casesDir, entry.name))
    .sort();
  if (cases.length === 0) throw new Error(`no cases under ${casesDir}`);
  const failures = [];
  for (const dir of cases) {
    const actual = await run(plugin, Request.fromFixture(dir));
    for (const message of actual.messages ?? []) {
      const chars = charCount(message.content);
      if (chars < 1 || chars > MAX_CONTENT_CHARS) throw new Error(`${dir}: content has ${chars} characters`);
    }
    const path = join(dir, 'expected.json');
    if (update) {
      writeFileSync(path, `${JSON.stringify(sortKeys(actual), null, 2)}\n`);
      continue;
    }
    let expected;
    try {
      expected = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`reading ${path}: ${err.message}`);
    }
    if (!isDeepStrictEqual(expected, actual)) {
      failures.push(`${dir}:\nexpected ${JSON.stringify(sortKeys(expected))}\n  actual ${JSON.stringify(sortKeys(actual))}`);
    }
  }
  if (failures.length > 0) {
    throw new Error(
      `${failures.length} of ${cases.length} cases differ (UPDATE_GOLDEN=1 rewrites them):\n${failures.join('\n')}`,
    );
  }
}

/** `value` with object keys sorted, as the Rust SDK writes `expected.json`. */
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}
