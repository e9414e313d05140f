/**
 * Building Markdown message content safely from untrusted text. Each function gives exactly the
 * output of its Rust SDK counterpart (`wasmhook_sdk::markdown`).
 * @module
 */

import { linkDestination, trim } from './text.js';

// `(`, `)` and `!` need no escape: they only form links and images after a `[`.
const INLINE_SPECIAL = new Set(['\\', '`', '*', '_', '~', '[', ']', '<', '>', '|']);

/**
 * Escapes `text` so it renders literally: inline formatting characters are always
 * backslash-escaped, and block markers (`#`, `-`, `+`, `=`, `1.`, `1)`) only at the start of a
 * line, where they matter. Mentions are not touched (see `mention.suppress`).
 *
 * @param {string} text
 * @returns {string}
 * @example
 * escape('fix *all* the_things'); // 'fix \\*all\\* the\\_things'
 * escape('# not a heading');      // '\\# not a heading'
 */
export function escape(text) {
  return text.split('\n').map(escapeLine).join('\n');
}

function escapeLine(line) {
  let indent = 0;
  while (line[indent] === ' ' || line[indent] === '\t') indent++;
  const rest = line.slice(indent);
  let digits = 0;
  while (rest[digits] >= '0' && rest[digits] <= '9') digits++;
  let markerEnd = -1;
  if ('#-+='.includes(rest[0] ?? 'x')) markerEnd = 0;
  else if (digits > 0 && (rest[digits] === '.' || rest[digits] === ')')) markerEnd = digits;
  let out = line.slice(0, indent);
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (i === markerEnd || INLINE_SPECIAL.has(c)) out += '\\';
    out += c;
  }
  return out;
}

/**
 * A link `[text](url)`: `text` is escaped, and the characters of `url` that would end the link
 * early (spaces, parentheses, angle brackets) are percent-encoded; line breaks and tabs dropped.
 *
 * @param {string} text
 * @param {string} url
 * @returns {string}
 * @example
 * link('PR #1 [draft]', 'https://example.com/a b'); // '[PR #1 \\[draft\\]](https://example.com/a%20b)'
 */
export function link(text, url) {
  let out = '[';
  for (const c of text) out += INLINE_SPECIAL.has(c) ? `\\${c}` : c;
  return `${out}](${linkDestination(url)})`;
}

/**
 * An inline code span showing `text` literally, whatever backticks it contains. Empty text gives
 * an empty string (an empty code span does not exist in Markdown).
 *
 * @param {string} text
 * @returns {string}
 * @example
 * code('main'); // '`main`'
 * code('a`b');  // '``a`b``'
 */
export function code(text) {
  if (text === '') return '';
  const fence = '`'.repeat(longestBacktickRun(text) + 1);
  // CommonMark strips one space on each side when both are present; pad so that the text's own
  // edge backticks or spaces survive.
  const pad =
    text.startsWith('`') || text.endsWith('`') || (text.startsWith(' ') && text.endsWith(' ') && trim(text) !== '');
  const space = pad ? ' ' : '';
  return `${fence}${space}${text}${space}${fence}`;
}

/**
 * A fenced code block showing `text` literally, with an optional language for highlighting
 * (`''` for none). The fence is longer than any backtick run in `text`.
 *
 * @param {string} text
 * @param {string} [language]
 * @returns {string}
 * @example
 * codeBlock('{}', 'json'); // '```json\n{}\n```'
 */
export function codeBlock(text, language = '') {
  const fence = '`'.repeat(Math.max(longestBacktickRun(text) + 1, 3));
  const newline = text.endsWith('\n') ? '' : '\n';
  return `${fence}${language}\n${text}${newline}${fence}`;
}

function longestBacktickRun(text) {
  let longest = 0;
  let current = 0;
  for (let i = 0; i < text.length; i++) {
    current = text[i] === '`' ? current + 1 : 0;
    if (current > longest) longest = current;
  }
  return longest;
}

/**
 * Shortens `text` to at most `maxChars` characters (Unicode code points, as the host counts),
 * ending with `…` when something was cut.
 *
 * @param {string} text
 * @param {number} maxChars
 * @returns {string}
 * @example
 * truncate('hello world', 8); // 'hello w…'
 */
export function truncate(text, maxChars) {
  // Cheap exit: a string of at most `maxChars` UTF-16 units has at most that many code points.
  if (text.length <= maxChars) return text;
  let count = 0;
  let cut = -1;
  for (let i = 0; i < text.length; ) {
    if (count === maxChars - 1) cut = i;
    if (count === maxChars) return maxChars === 0 ? '' : `${text.slice(0, cut)}…`;
    i += text.codePointAt(i) > 0xffff ? 2 : 1;
    count++;
  }
  return text;
}
