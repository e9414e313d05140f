// Checking a webhook's plugin configuration: against the defaults a plugin declares (every key
// it accepts, with its default value), when a request reads it and when the configuration is set.

import { ConfigError } from './error.js';

/**
 * Parses a configuration given as JSON text: a JSON object (`{}` for empty text).
 *
 * @param {string} text
 * @returns {Record<string, unknown>}
 * @throws {ConfigError} with an empty path when it is not JSON or not an object
 */
export function parseConfig(text) {
  let config;
  try {
    config = JSON.parse(text.trim() === '' ? '{}' : text);
  } catch (err) {
    throw new ConfigError('', err.message);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new ConfigError('', `expected a JSON object, not ${jsonType(config)}`);
  }
  return config;
}

/**
 * Checks `config` against `defaults` (every key the plugin accepts, with its default value) and
 * returns the defaults overridden by the configuration: a key set to `null` keeps its default,
 * an unknown key is an error (so a typo cannot silently turn a filter off), and a value must have
 * the JSON type of its default (string, number, boolean, array or object) unless the default is
 * `null`.
 *
 * @template {Record<string, unknown>} T
 * @param {Record<string, unknown>} config
 * @param {T} defaults
 * @returns {T}
 * @throws {ConfigError} naming the first key at fault
 *
 * @example
 * checkConfig({ branches: ['main'] }, { branches: null, username: 'GitLab' });
 * // {branches: ['main'], username: 'GitLab'}
 */
export function checkConfig(config, defaults) {
  const known = Object.keys(defaults);
  const result = { ...defaults };
  for (const [key, value] of Object.entries(config)) {
    if (!Object.hasOwn(defaults, key)) {
      const expected = known.map((k) => `\`${k}\``).join(', ');
      throw new ConfigError(key, `unknown field \`${key}\`, expected one of ${expected}`);
    }
    if (value === null) continue;
    const want = defaults[key];
    if (want !== null && want !== undefined && jsonType(want) !== jsonType(value)) {
      throw new ConfigError(key, `\`${key}\` must be ${jsonType(want)}, not ${jsonType(value)}`);
    }
    result[key] = value;
  }
  return result;
}

/** `a string`, `an array`, ... for error messages. */
export function jsonType(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}
