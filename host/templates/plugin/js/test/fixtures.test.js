// Every case under `test/fixtures/` (request, headers, configuration) against its reviewed
// `expected.json`. Add a case by adding a directory; `UPDATE_GOLDEN=1 npm test` rewrites the
// expected files (read the diff before committing).

import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { checkGolden } from 'wasmhook-sdk/testing';

import * as plugin from '../src/index.js';

test('fixtures match their expected outcomes', () => checkGolden(plugin, fileURLToPath(new URL('fixtures', import.meta.url))));
