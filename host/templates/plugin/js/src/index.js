/**
 * {{name}}: a wasmhook transformer plugin.
 *
 * It posts one Markdown message for a JSON alert such as
 * `{"title": "Disk almost full", "text": "/var is at 95%", "url": "https://status.example.com/1"}`.
 * Every field is optional; `url` (http or https) links the title. An empty body, or an alert
 * with neither title nor text (a "ping"), posts nothing. Text from the payload is escaped and its
 * `@` made inert, so it can neither format nor mention anyone.
 *
 * Configuration (optional): `{"username": "Monitor"}` overrides the webhook's display name; any
 * other key is refused when the configuration is set (HTTP 422 naming it).
 * @module
 */

import { Internal, InvalidPayload, Message, Outcome, checkSenderOverrides, inert, limits, log, markdown } from 'wasmhook-sdk';

/** Why an empty body, or an alert without title and text, posts nothing. */
export const NOTHING_TO_POST = 'nothing to post: no title or text (a ping?)';

/**
 * Every accepted configuration key with its default. The host checks a configuration against it
 * when it is set (an unknown key or a mistyped value is refused with HTTP 422 naming it), so a
 * typo cannot go unnoticed.
 */
export const configDefaults = { username: null };

/**
 * The plugin: one message per alert.
 *
 * @param {import('wasmhook-sdk').Request} request
 * @returns {Outcome}
 */
export function transform(request) {
  const { username } = request.config(configDefaults);
  if (username !== null && typeof username !== 'string') {
    throw new Internal('invalid plugin configuration: `username` must be a string');
  }
  checkSenderOverrides(username, null);
  if (request.text().trim() === '') return Outcome.skip(NOTHING_TO_POST);
  // Bad JSON throws InvalidPayload: HTTP 422 for the sender, nothing kept.
  const alert = request.json();
  if (alert === null || typeof alert !== 'object' || Array.isArray(alert)) {
    throw new InvalidPayload('expected a JSON object');
  }
  const content = render(alert);
  if (content === null) return Outcome.skip(NOTHING_TO_POST);
  log.info(`posting an alert of ${[...content].length} characters`);
  return Outcome.message(new Message(content, { username }));
}

/** The string field `name`, trimmed; `''` when absent. */
function field(alert, name) {
  const value = alert[name] ?? '';
  if (typeof value !== 'string') throw new InvalidPayload(`\`${name}\` must be a string`);
  return value.trim();
}

/** The title in bold (a link when there is a URL), then the text; `null` when both are empty. */
function render(alert) {
  const url = alert.url ?? null;
  if (url !== null && !(typeof url === 'string' && /^https?:\/\//.test(url))) {
    throw new InvalidPayload('url must be an http(s) URL');
  }
  // Payload text goes through `inert`: Markdown escaped and `@` made inert, in one call.
  const lines = [];
  const title = field(alert, 'title');
  if (title) lines.push(`**${url ? inert.link(title, url) : inert.text(title)}**`);
  const text = field(alert, 'text');
  if (text) lines.push(inert.text(text));
  return lines.length > 0 ? markdown.truncate(lines.join('\n'), limits.MAX_CONTENT_CHARS) : null;
}
