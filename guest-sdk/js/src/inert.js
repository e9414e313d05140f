/**
 * Untrusted text made inert in one call: Markdown escaped and every `@` defused, so that a
 * payload's text (a commit message, an issue title, a branch name) neither formats the message
 * nor mentions anyone. Only the mentions a plugin writes itself with `mention.email` or
 * `mention.username` notify.
 *
 * Each helper is the matching `markdown` helper applied to `mention.suppress`-ed text, with `@`
 * in URLs percent-encoded (`%40`); each gives exactly the output of the Rust SDK's
 * `wasmhook_sdk::inert`.
 * @module
 */

import * as markdown from './markdown.js';
import { suppress } from './mention.js';
import { linkDestination } from './text.js';

/**
 * Untrusted inline text: `markdown.escape`, then `mention.suppress`.
 *
 * @param {string} raw
 * @returns {string}
 * @example
 * text('hi @all *x*'); // 'hi @\u2060all \\*x\\*'
 */
export function text(raw) {
  return suppress(markdown.escape(raw));
}

/**
 * Untrusted text as an inline code span (branch names, tags, SHAs).
 *
 * @param {string} raw
 * @returns {string}
 * @example
 * code('a@b'); // '`a@\u2060b`'
 */
export function code(raw) {
  return markdown.code(suppress(raw));
}

/**
 * Untrusted text as a fenced code block (a log tail, a stack trace), with an optional language.
 *
 * @param {string} raw
 * @param {string} [language]
 * @returns {string}
 * @example
 * codeBlock('@ci failed'); // '```\n@\u2060ci failed\n```'
 */
export function codeBlock(raw, language = '') {
  return markdown.codeBlock(suppress(raw), language);
}

/**
 * A link with an untrusted label and URL: the label escaped with inert `@`s, every `@` of the
 * URL percent-encoded.
 *
 * @param {string} label
 * @param {string} url
 * @returns {string}
 * @example
 * link('@ada [bot]', 'https://x.io/@ada'); // '[@\u2060ada \\[bot\\]](https://x.io/%40ada)'
 */
export function link(label, url) {
  return markdown.link(suppress(label), withoutAt(url));
}

/**
 * The destination {@link link} writes for `url`: `@` percent-encoded, and the characters that
 * would end a Markdown link early encoded as `markdown.link` does. For a link around other
 * content, such as a code span.
 *
 * @param {string} target
 * @returns {string}
 * @example
 * `[${code('v1')}](${url('https://x.io/@o/(v1)')})`; // '[`v1`](https://x.io/%40o/%28v1%29)'
 */
export function url(target) {
  return linkDestination(withoutAt(target));
}

const withoutAt = (url) => url.replaceAll('@', '%40');
