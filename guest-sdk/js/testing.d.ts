/** Golden-file testing for plugins, natively with `node --test` (Node.js only). */

import type { Outcome, Plugin } from './index.js';

/** The host's limit on message content, in characters. */
export const MAX_CHARS: 4000;

/** One `expected.json` value. */
export type Expected =
  | { status: 201; messages: { content: string; username: string | null; avatar_url: string | null }[] }
  | { status: 200; outcome: 'skipped' | 'ignored'; reason: string }
  | { status: 401; code: 'unauthorized' }
  | { status: 422; code: 'invalid_payload' }
  | { status: 500; code: 'plugin_error'; reason: string };

/** What the sender sees for an outcome, or for what a transform threw. */
export function expectedJson(result: Outcome | unknown): Expected;

/** Runs a plugin on one request as the host would, giving {@link expectedJson} of the result. */
export function run(plugin: Plugin | { default: Plugin }, request: import('./index.js').Request): Promise<Expected>;

/**
 * Runs `plugin` on every case directory under `casesDir` and compares with each case's
 * `expected.json` (rewritten instead with `UPDATE_GOLDEN=1`). Rejects naming every case that
 * differs, or a message outside 1 to 4000 characters.
 */
export function checkGolden(plugin: Plugin | { default: Plugin }, casesDir: string): Promise<void>;
