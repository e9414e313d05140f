// Running a plugin's transform: shared by the component glue and by `testing`, so a native test
// sees exactly what the host will.

import { checkConfig, parseConfig } from './config.js';
import { ConfigError, Internal, PluginError, toPluginError } from './error.js';
import { Outcome } from './message.js';

/**
 * Runs `plugin.transform(request)` and settles its result: an {@link Outcome}, or the
 * {@link PluginError} it threw (any other exception, or a result that is not an `Outcome`,
 * becomes an `Internal` error).
 *
 * @param {{ transform: (request: import('./request.js').Request) => unknown }} plugin
 * @param {import('./request.js').Request} request
 * @returns {Promise<{ ok: Outcome } | { err: import('./error.js').PluginError }>}
 */
export async function runTransform(plugin, request) {
  try {
    const outcome = await plugin.transform(request);
    if (!(outcome instanceof Outcome)) {
      throw new Internal(`transform returned ${describe(outcome)}, not an Outcome`);
    }
    return { ok: outcome };
  } catch (thrown) {
    return { err: toPluginError(thrown) };
  }
}

const PREFIX = 'invalid plugin configuration: ';

/**
 * Checks a configuration (JSON text) as the host asks when it is set: it must be a JSON object,
 * fit the plugin's `configDefaults` export when it has one (see `Request.config`), and pass its
 * `validateConfig(config)` export when it has one. A plugin with neither accepts every object.
 *
 * @param {{ configDefaults?: Record<string, unknown>, validateConfig?: (config: object) => unknown }} plugin
 * @param {string} configJson
 * @returns {Promise<{ ok: true } | { err: { path: string, message: string } }>} the key at fault
 *   (a path; empty for the whole) and why
 */
export async function runValidateConfig(plugin, configJson) {
  try {
    const config = parseConfig(configJson);
    if (plugin.configDefaults) checkConfig(config, plugin.configDefaults);
    if (typeof plugin.validateConfig === 'function') await plugin.validateConfig(config);
    return { ok: true };
  } catch (thrown) {
    if (thrown instanceof ConfigError) return { err: { path: thrown.path, message: thrown.reason } };
    if (thrown instanceof PluginError) {
      const message = thrown.message.startsWith(PREFIX) ? thrown.message.slice(PREFIX.length) : thrown.message;
      return { err: { path: '', message } };
    }
    const text = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
    return { err: { path: '', message: `uncaught exception while checking: ${text}` } };
  }
}

function describe(value) {
  if (value === null || value === undefined) return String(value);
  return typeof value === 'object' ? `an object (${value.constructor?.name ?? 'Object'})` : `a ${typeof value}`;
}

/**
 * The plugin module's transform: its `transform` export, or its default export's.
 *
 * @param {object} plugin a plugin module namespace, or an object with `transform`
 */
export function pluginOf(plugin) {
  if (typeof plugin === 'function') return { transform: plugin };
  if (typeof plugin?.transform === 'function') return plugin;
  if (typeof plugin?.default?.transform === 'function') return plugin.default;
  throw new TypeError('a plugin module must export `function transform(request)`');
}
