/**
 * Test plugin: what a plugin author's mistakes look like. The body's `case` picks one:
 * `fetch` calls `fetch()` (plugins have no network), `throw` reads a property of `undefined`
 * (an uncaught TypeError, reported with this file's name and line).
 * @module
 */

import { Message, Outcome } from 'wasmhook-sdk';

/**
 * @param {import('wasmhook-sdk').Request} request
 * @returns {Promise<Outcome>}
 */
export async function transform(request) {
  const { case: which } = request.json();
  if (which === 'fetch') {
    const reply = await fetch('https://example.com/');
    return Outcome.messages([new Message(await reply.text())]);
  }
  if (which === 'throw') {
    const missing = undefined;
    return Outcome.messages([new Message(missing.text)]);
  }
  return Outcome.skip(`no case ${which}`);
}
