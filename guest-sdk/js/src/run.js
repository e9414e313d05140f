// Running a plugin's transform: shared by the component glue and by `testing`, so a native test
// sees exactly what the host will.

import { Internal, toPluginError } from './error.js';
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
