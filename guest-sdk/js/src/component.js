// The adapter between the SDK and the component's WIT bindings (componentize-js). Imported only
// by the entry module that `wasmhook-build` generates; not a public API.

import { setHostLog } from './log.js';
import { Request } from './request.js';
import { pluginOf, runTransform, runValidateConfig } from './run.js';

/**
 * The world's `transform` export for `plugin`, logging through the host's `log` import.
 * componentize-js passes the WIT `request` record as an object with camel-case fields and
 * expects `result<outcome, plugin-error>` as `{tag: 'ok' | 'err', val}`, with variants as
 * `{tag: '<case-name>', val}`.
 *
 * @param {object} plugin the plugin module
 * @param {(level: string, message: string) => void} hostLog the `wasmhook:plugin/log` import
 */
export function exportTransform(plugin, hostLog) {
  const checked = pluginOf(plugin);
  setHostLog(hostLog);
  withoutNetwork();
  return async function transform(request) {
    const result = await runTransform(checked, new Request(request));
    if (result.err) return { tag: 'err', val: { tag: result.err.kind, val: result.err.message } };
    const outcome = result.ok;
    if (outcome.skipReason !== null) return { tag: 'ok', val: { tag: 'skip', val: outcome.skipReason } };
    const messages = outcome.messages.map((m) => ({
      content: m.content,
      username: m.username ?? undefined,
      avatarUrl: m.avatarUrl ?? undefined,
    }));
    return { tag: 'ok', val: { tag: 'messages', val: messages } };
  };
}

/** What `fetch()` throws inside a component: the sandbox has no network. */
export const NO_NETWORK = 'plugins have no network access: fetch() is not available';

/**
 * Replaces the engine's `fetch`, which would trap the whole instance (`unreachable`) since the
 * component has no HTTP imports, with one that throws an error saying so: the delivery's error
 * then names the missing capability and the plugin's line.
 */
function withoutNetwork() {
  globalThis.fetch = function fetch() {
    throw new Error(NO_NETWORK);
  };
}

/**
 * The world's `validate-config` export for `plugin` (its `configDefaults` and `validateConfig`
 * exports, see `runValidateConfig`), as `result<_, config-error>`: `{tag: 'ok'}` or
 * `{tag: 'err', val: {path, message}}`.
 *
 * @param {object} plugin the plugin module
 */
export function exportValidateConfig(plugin) {
  const checked = pluginOf(plugin);
  return async function validateConfig(config) {
    const result = await runValidateConfig(checked, config);
    return result.err ? { tag: 'err', val: result.err } : { tag: 'ok', val: undefined };
  };
}
