#!/usr/bin/env node
// wasmhook-build: bundles a JavaScript plugin with the SDK and turns it into a WebAssembly
// component of the `transformer` world with componentize-js.
//
//   node guest-sdk/js/bin/build.mjs --wit WIT_DIR --entry plugin.js -o OUT.wasm
//
// Paths are relative to the current directory. See `--help`.

import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { SourceMap } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const SDK_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** StarlingMonkey features componentize-js can leave out; all are by default (a "pure" component). */
const FEATURES = ['stdio', 'random', 'clocks', 'http', 'fetch-event'];

const USAGE = `Usage: wasmhook-build --wit WIT_DIR --entry PLUGIN.js -o OUT.wasm [options]

Bundles PLUGIN.js (an ES module exporting \`transform(request)\`, and optionally
\`configDefaults\` and \`validateConfig(config)\`, which check a configuration when it is set)
with wasmhook-sdk and builds a WebAssembly component of the WIT world (default \`transformer\`)
with componentize-js.

Options:
  --wit DIR          the WIT package directory (wasmhook's wit/)
  --entry FILE       the plugin's entry module
  -o, --out FILE     where to write the component (directories are created)
  --world NAME       the world to target (default: transformer)
  --enable FEATURE   keep a StarlingMonkey feature (${FEATURES.join(', ')}); repeatable.
                     All are left out by default: the component imports only the world's
                     interfaces. \`stdio\` makes console output and engine errors reach the
                     plugin log, at the cost of WASI imports.
  --keep-bundle FILE also write the bundled JavaScript there (for debugging)
  -h, --help         this text`;

async function main() {
  const { values } = parseArgs({
    options: {
      wit: { type: 'string' },
      entry: { type: 'string' },
      out: { type: 'string', short: 'o' },
      world: { type: 'string', default: 'transformer' },
      enable: { type: 'string', multiple: true, default: [] },
      'keep-bundle': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.wit || !values.entry || !values.out) throw new UsageError('--wit, --entry and -o are required');
  for (const feature of values.enable) {
    if (!FEATURES.includes(feature)) throw new UsageError(`unknown feature ${feature}`);
  }
  const witDir = resolve(values.wit);
  const entry = resolve(values.entry);
  const out = resolve(values.out);
  const started = Date.now();

  const cwd = process.cwd();
  const work = await mkdtemp(join(tmpdir(), 'wasmhook-build-'));
  try {
    const bundle = join(work, 'plugin.js');
    await bundlePlugin(entry, await logImport(witDir), bundle);
    await appendLineTable(bundle, cwd);
    if (values['keep-bundle']) await writeFile(resolve(values['keep-bundle']), await readFile(bundle));
    const { componentize } = await import('@bytecodealliance/componentize-js');
    // componentize-js maps the source's directory into the engine relative to the current
    // directory, and gets it wrong from `/`: build from the work directory.
    process.chdir(work);
    const { component } = await componentize({
      sourcePath: bundle,
      witPath: witDir,
      worldName: values.world,
      disableFeatures: FEATURES.filter((f) => !values.enable.includes(f)),
    });
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, component);
    const mib = (component.length / (1 << 20)).toFixed(1);
    console.error(`wasmhook-build: wrote ${out} (${mib} MiB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    process.chdir(cwd);
    await rm(work, { recursive: true, force: true });
  }
}

/** The module specifier of the world's `log` import, from the WIT package's name and version. */
async function logImport(witDir) {
  for (const file of (await readdir(witDir)).filter((f) => f.endsWith('.wit')).sort()) {
    const text = await readFile(join(witDir, file), 'utf8');
    const match = /^\s*package\s+([\w-]+:[\w-]+)(@[\w.+-]+)?\s*;/m.exec(text);
    if (match) return `${match[1]}/log${match[2] ?? ''}`;
  }
  throw new UsageError(`no \`package\` declaration in ${witDir}/*.wit`);
}

/**
 * Bundles the plugin, the SDK and their dependencies into one ES module whose `transform`
 * export is the world's export. `wasmhook-sdk` always resolves to this SDK, so the plugin and the
 * glue share one copy (one log sink).
 */
async function bundlePlugin(entry, logSpecifier, outfile) {
  const { build } = await import('esbuild');
  const glue = [
    `import { log } from ${JSON.stringify(logSpecifier)};`,
    `import * as plugin from ${JSON.stringify(entry)};`,
    `import { exportTransform, exportValidateConfig } from ${JSON.stringify(join(SDK_DIR, 'src/component.js'))};`,
    'export const transform = exportTransform(plugin, log);',
    'export const validateConfig = exportValidateConfig(plugin);',
  ].join('\n');
  const sdk = {
    name: 'wasmhook-sdk',
    setup(b) {
      b.onResolve({ filter: /^wasmhook-sdk(\/.*)?$/ }, (args) => {
        if (args.path !== 'wasmhook-sdk') {
          return { errors: [{ text: `${args.path} is not available inside a component (import it only from tests)` }] };
        }
        return { path: join(SDK_DIR, 'src/index.js') };
      });
    },
  };
  await build({
    stdin: { contents: glue, resolveDir: dirname(entry), sourcefile: 'wasmhook-entry.js', loader: 'js' },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    external: ['wasmhook:*'],
    plugins: [sdk],
    logLevel: 'warning',
    sourcemap: 'external',
    sourcesContent: false,
  });
}

/**
 * Appends to the bundle the table that lets uncaught exceptions name the plugin's file and line
 * (`src/location.js`): for each bundle line of the plugin's own sources (not the SDK's, not
 * `node_modules`), its source file (relative to `cwd`) and line, from esbuild's source map.
 * Appended after the code, so no bundle line moves.
 */
async function appendLineTable(bundle, cwd) {
  const map = JSON.parse(await readFile(`${bundle}.map`, 'utf8'));
  const sourceMap = new SourceMap(map);
  const sources = [];
  const lines = {};
  const code = await readFile(bundle, 'utf8');
  const count = code.split('\n').length;
  for (let line = 0; line < count; line++) {
    const entry = sourceMap.findEntry(line, 0);
    // findEntry returns the closest mapping at or before the position: keep it only if it is
    // on this very line.
    if (!entry || entry.generatedLine !== line || !entry.originalSource) continue;
    const file = resolve(dirname(bundle), entry.originalSource.replace(/^file:\/\//, ''));
    if (file.startsWith(SDK_DIR) || file.includes('/node_modules/') || file.endsWith('wasmhook-entry.js')) continue;
    const name = relative(cwd, file);
    let index = sources.indexOf(name);
    if (index < 0) index = sources.push(name) - 1;
    lines[line + 1] = [index, entry.originalLine + 1];
  }
  const table = JSON.stringify({ sources, lines });
  await writeFile(bundle, `${code}\nglobalThis[Symbol.for('wasmhook.sourceLines')] = ${table};\n`);
}

class UsageError extends Error {}

main().catch((err) => {
  console.error(`wasmhook-build: ${err instanceof UsageError ? `${err.message}\n\n${USAGE}` : err.stack ?? err}`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
