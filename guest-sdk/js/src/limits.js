/**
 * The limits the host applies to every message a plugin returns, as the Rust SDK's
 * `wasmhook_sdk::limits` states them. A message over a limit fails the whole delivery, so budget
 * content against these rather than against a copy of the numbers.
 * @module
 */

/**
 * The most characters (Unicode code points) a message's content may have; content must also
 * have at least one.
 *
 * @example
 * markdown.truncate(text, limits.MAX_CONTENT_CHARS);
 */
export const MAX_CONTENT_CHARS = 4000;

/**
 * The most characters a message's display name (`username`) may have; a display name must also
 * have a character other than whitespace.
 */
export const MAX_USERNAME_CHARS = 64;
