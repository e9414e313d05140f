/**
 * The GitLab transformer plugin: turns GitLab webhook deliveries into chat messages.
 *
 * The event comes from the `X-Gitlab-Event` header (`System Hook` deliveries by their
 * `object_kind`); README.md lists what is rendered and the configuration keys.
 * @module
 */

import { InvalidPayload, Message, Outcome, Request, Unauthorized, UnsupportedEvent, log, signature } from 'wasmhook-sdk';

import { Config, DEFAULTS, EVENTS } from './config.js';
import { Context } from './context.js';
import { issue, note } from './issue.js';
import { fit } from './markup.js';
import { mergeRequest } from './merge_request.js';
import { job, pipeline } from './pipeline.js';
import { push, tagPush } from './push.js';

/** The `X-Gitlab-Event` of a system hook delivery, by `object_kind`. */
const SYSTEM_HOOK_EVENTS = { push: 'Push Hook', tag_push: 'Tag Push Hook', merge_request: 'Merge Request Hook' };

/** Every configuration key with its default: the host refuses a configuration that does not fit when it is set. */
export const configDefaults = DEFAULTS;

/**
 * Checks a configuration when it is set, with the rules a delivery applies (after
 * `configDefaults`): event and status names, mentions, sender overrides.
 *
 * @param {Record<string, unknown>} config
 * @throws {import('wasmhook-sdk').ConfigError} naming the key
 */
export function validateConfig(config) {
  new Config(new Request({ config }));
}

/**
 * Transforms one GitLab delivery.
 *
 * @param {import('wasmhook-sdk').Request} request
 * @returns {Outcome}
 */
export function transform(request) {
  const config = new Config(request);
  if (config.secretToken !== null) checkToken(request, config.secretToken);
  let header = request.header('x-gitlab-event');
  if (header === null) throw new InvalidPayload('missing X-Gitlab-Event header');
  const payload = request.json();
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new InvalidPayload('the body is not a JSON object');
  }
  if (header === 'System Hook') {
    header = SYSTEM_HOOK_EVENTS[payload.object_kind] ?? header;
  }
  const event = EVENTS[header];
  if (event === undefined) throw new UnsupportedEvent(`GitLab event ${JSON.stringify(header)} is not rendered`);
  const eventSkip = config.eventSkipReason(header, event);
  if (eventSkip) return Outcome.skip(eventSkip);

  const context = new Context(config, payload);
  const confidential = header.startsWith('Confidential ');
  const render = { push, tag_push: tagPush, merge_request: mergeRequest, pipeline, job, issue, note }[event];
  const reply = render(payload, context, confidential);
  if (reply.skip !== undefined) return Outcome.skip(reply.skip);
  log.debug(`${event}: ${[...reply.post].length} characters`);
  return Outcome.message(new Message(fit(reply.post), { username: config.username, avatarUrl: config.avatarUrl }));
}

/** Checks `X-Gitlab-Token` against the configured secret token, in constant time. */
function checkToken(request, secretToken) {
  const token = request.header('x-gitlab-token');
  if (token === null) throw new Unauthorized('missing X-Gitlab-Token header (this webhook has a secret token)');
  if (!signature.constantTimeEqual(token, secretToken)) {
    throw new Unauthorized('X-Gitlab-Token does not match the webhook\'s secret token');
  }
}

