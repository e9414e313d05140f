/**
 * Logging into the webhook's plugin log, or to stderr when running natively (in tests).
 * @module
 */

/** Records kept natively at most, so a chatty loop in a test cannot eat all memory. */
const MAX_RECORDS = 10_000;

/** The level names of the WIT `level` enum, least severe first. */
export const LEVELS = Object.freeze(['trace', 'debug', 'info', 'warn', 'error']);

let hostLog = null;
let records = [];

/**
 * Appends one record to the plugin log of the current request. Inside the host the record goes
 * to the webhook's plugin log (the host bounds its size); natively it is printed to stderr and
 * kept for {@link takeRecords}.
 *
 * @param {'trace' | 'debug' | 'info' | 'warn' | 'error'} level
 * @param {string} message
 */
export function log(level, message) {
  if (!LEVELS.includes(level)) throw new TypeError(`unknown log level ${JSON.stringify(level)}`);
  const text = String(message);
  if (hostLog) {
    hostLog(level, text);
    return;
  }
  globalThis.console?.error(`[${level.toUpperCase()}] ${text}`);
  if (records.length < MAX_RECORDS) records.push([level, text]);
}

/** Logs at `trace` level. @param {string} message */
export const trace = (message) => log('trace', message);
/** Logs at `debug` level. @param {string} message */
export const debug = (message) => log('debug', message);
/** Logs at `info` level. @param {string} message */
export const info = (message) => log('info', message);
/** Logs at `warn` level. @param {string} message */
export const warn = (message) => log('warn', message);
/** Logs at `error` level. @param {string} message */
export const error = (message) => log('error', message);

/**
 * The records logged natively since the last call, oldest first, as `[level, message]`, so
 * tests can check what a plugin logs. Always empty inside the host, where records go to the host.
 *
 * @returns {[string, string][]}
 */
export function takeRecords() {
  const taken = records;
  records = [];
  return taken;
}

/**
 * Sends records to the host's `log` import from now on (called by the component glue that
 * `wasmhook-build` generates; plugins never call it).
 *
 * @param {(level: string, message: string) => void} sink
 */
export function setHostLog(sink) {
  hostLog = sink;
}
