/**
 * What a successful transform returns: chat messages, or a deliberate skip.
 * @module
 */

import { Internal } from './error.js';
import { MAX_USERNAME_CHARS } from './limits.js';
import { charCount, trim } from './text.js';

/**
 * One chat message to post. The host validates it like a native webhook post: content of
 * 1 to 4000 characters, a username of at most 64 characters, an `http(s)` avatar URL (see
 * `limits`).
 *
 * Content is Markdown; mentions use `@username`, `@email` or `<@email>` (see `mention`).
 *
 * @example
 * const message = new Message('Deployed **v1.2**', { username: 'CI', avatarUrl: 'https://example.com/ci.png' });
 */
export class Message {
  /**
   * @param {string} content the message text (Markdown)
   * @param {{ username?: string | null, avatarUrl?: string | null }} [options]
   *   overrides of the webhook's display name and avatar (an http or https URL)
   */
  constructor(content, { username = null, avatarUrl = null } = {}) {
    /** The message text (Markdown). @type {string} */
    this.content = String(content);
    /** Overrides the webhook's display name for this message. @type {string | null} */
    this.username = username ?? null;
    /** Overrides the webhook's avatar for this message. @type {string | null} */
    this.avatarUrl = avatarUrl ?? null;
  }

  /**
   * A {@link Message} from a message or a string (the content).
   *
   * @param {Message | string} value
   * @returns {Message}
   */
  static from(value) {
    return value instanceof Message ? value : new Message(value);
  }
}

/**
 * What a successful transform produced: messages to post, or a skip with its reason.
 *
 * @example
 * Outcome.message('build passed').messages.length; // 1
 * Outcome.skip('ping').skipReason;                 // 'ping'
 */
export class Outcome {
  /** @param {Message[] | null} messages @param {string | null} skipReason */
  constructor(messages, skipReason) {
    /** The messages to post, in order; empty for a skip. @type {Message[]} */
    this.messages = messages ?? [];
    /** The reason of a skip; `null` when there are messages. @type {string | null} */
    this.skipReason = skipReason;
    Object.freeze(this);
  }

  /**
   * Post one message.
   *
   * @param {Message | string} message
   * @returns {Outcome}
   */
  static message(message) {
    return new Outcome([Message.from(message)], null);
  }

  /**
   * Post these messages, in order. The host caps the count and takes an empty list as a
   * skip; prefer {@link Outcome.skip} when there is nothing to say.
   *
   * @param {Iterable<Message | string>} messages
   * @returns {Outcome}
   */
  static messages(messages) {
    return new Outcome(Array.from(messages, Message.from), null);
  }

  /**
   * Post nothing, on purpose, and tell the sender why (for example a ping, or an event the
   * webhook's configuration filters out).
   *
   * @param {string} reason
   * @returns {Outcome}
   */
  static skip(reason) {
    return new Outcome(null, String(reason));
  }
}

/**
 * Checks a configuration's `username` and `avatar_url` overrides against the rules the host
 * applies to every message (a display name of 1 to 64 characters, an http(s) avatar URL), so a
 * bad configuration fails as {@link Internal} naming the key, before any message.
 *
 * @param {string | null | undefined} username
 * @param {string | null | undefined} avatarUrl
 * @throws {Internal}
 */
export function checkSenderOverrides(username, avatarUrl) {
  if (avatarUrl != null && !(avatarUrl.startsWith('https://') || avatarUrl.startsWith('http://'))) {
    throw new Internal('invalid plugin configuration: avatar_url must be an http(s) URL');
  }
  if (username != null && (trim(username) === '' || charCount(username) > MAX_USERNAME_CHARS)) {
    throw new Internal('invalid plugin configuration: username must have 1 to 64 characters');
  }
}
