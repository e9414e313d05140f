/**
 * Writing mentions the host resolves (`<@email>`, `@username`), and suppressing accidental ones
 * in untrusted text. Each function behaves exactly like its Rust SDK counterpart.
 * @module
 */

import { isSpaceOrControl } from './text.js';

/**
 * A mention of the user with this email, `<@addr>`, or `null` when `addr` does not look like an
 * email (one `@` with text on both sides, no spaces, control characters or angle brackets).
 * The host notifies the user if they are a member of the webhook's community.
 *
 * @param {string} addr
 * @returns {string | null}
 * @example
 * email('ada@example.com'); // '<@ada@example.com>'
 * email('not an email');    // null
 */
export function email(addr) {
  const at = addr.indexOf('@');
  if (at <= 0 || at === addr.length - 1 || addr.includes('@', at + 1)) return null;
  for (const c of addr) {
    if (c === '<' || c === '>' || isSpaceOrControl(c)) return null;
  }
  return `<@${addr}>`;
}

/**
 * A mention of the user with this username, `@name`, or `null` when `name` is empty or has
 * characters other than ASCII letters, digits and `_` (the host could not resolve it).
 * Usernames are case-sensitive and only members of the webhook's channel are notified.
 *
 * @param {string} name
 * @returns {string | null}
 * @example
 * username('ada_l'); // '@ada_l'
 * username('ada-l'); // null
 */
export function username(name) {
  return isValidUsername(name) ? `@${name}` : null;
}

/**
 * Whether `name` can be mentioned as `@name`: non-empty, ASCII letters, digits and `_` only.
 *
 * @param {string} name
 * @returns {boolean}
 */
export function isValidUsername(name) {
  return /^[A-Za-z0-9_]+$/.test(name);
}

/**
 * Makes every `@` in `text` inert, so quoting untrusted text (a commit message, an issue title)
 * does not notify anyone: a word joiner (U+2060) is inserted after each `@`.
 *
 * @param {string} text
 * @returns {string}
 * @example
 * suppress('thanks @ada'); // 'thanks @\u2060ada'
 */
export function suppress(text) {
  return text.includes('@') ? text.replaceAll('@', '@\u2060') : text;
}
