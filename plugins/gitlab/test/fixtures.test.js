import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import { checkGolden } from 'wasmhook-sdk/testing';

import * as plugin from '../src/index.js';

const CASES = fileURLToPath(new URL('../../../tests/fixtures/gitlab', import.meta.url));

test('every case of tests/fixtures/gitlab matches its expected.json', () => checkGolden(plugin, CASES));
