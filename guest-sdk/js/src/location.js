// Where in the plugin's own source an exception was thrown, for the messages of uncaught
// exceptions. Not a public API.
//
// Inside a component the engine's stack names lines of the bundle `wasmhook-build` made;
// `wasmhook-build` appends a table (from esbuild's source map) that maps each bundle line of the
// plugin's own files (not the SDK's, not `node_modules`) to its file and line, under
// `LINES_KEY`. Natively (tests under Node.js) there is no table and no location is added, so
// native messages stay the same as before.

/** The global property `wasmhook-build` sets to the line table. */
export const LINES_KEY = Symbol.for('wasmhook.sourceLines');

/**
 * The plugin source location (`src/index.js:12`) of the innermost stack frame of `thrown` that
 * is in the plugin's own code, or `null`.
 *
 * @param {unknown} thrown
 * @returns {string | null}
 */
export function sourceLocation(thrown) {
  const table = globalThis[LINES_KEY];
  const stack = thrown instanceof Error && typeof thrown.stack === 'string' ? thrown.stack : '';
  if (!table || !stack) return null;
  for (const frame of stack.split('\n')) {
    // SpiderMonkey: `name@file:line:column`; V8: `at name (file:line:column)`.
    const match = /:(\d+):\d+\)?\s*$/.exec(frame);
    if (!match) continue;
    const mapped = table.lines[match[1]];
    if (mapped) return `${table.sources[mapped[0]]}:${mapped[1]}`;
  }
  return null;
}
