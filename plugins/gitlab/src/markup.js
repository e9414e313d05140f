// Building message content: escaped text, links, people, and lists bounded to the content limit.
//
// Every piece of text from the payload goes through `text`, `link` or `code`, built on the SDK's
// `inert` helpers, which escape Markdown and make `@` inert, so that a commit message saying
// `@everyone` mentions nobody. Only the mentions the configuration asks for are real.

import { inert, limits, markdown } from 'wasmhook-sdk';

const { MAX_CONTENT_CHARS } = limits;
/** Room kept for the "... and N more" line at the end of a cut list. */
const MORE_RESERVE = 40;
/** Longest title or first line quoted from the payload, in characters. */
export const TITLE_CHARS = 120;
/** Longest body excerpt (description, comment), in characters. */
const EXCERPT_CHARS = 300;
/** Most lines of a body excerpt. */
const EXCERPT_LINES = 6;

/** Untrusted inline text, escaped and with inert `@`s. */
export const text = (raw) => inert.text(str(raw));

/** A link with untrusted text; an `@` in the URL is percent-encoded so it mentions nobody. */
export const link = (label, url) => inert.link(str(label), str(url));

/** Untrusted text in a code span (branch names, tags, SHAs). */
export const code = (raw) => inert.code(str(raw));

/** A code span linked to `url` (an `@` in the URL percent-encoded, as in {@link link}). */
export const codeLink = (raw, url) => `[${code(raw)}](${inert.url(str(url))})`;

/** A link when there is a URL, else the escaped text. */
export const maybeLink = (label, url) => (url ? link(label, url) : text(label));

/** A linked code span when there is a URL, else the code span. */
export const maybeCodeLink = (raw, url) => (url ? codeLink(raw, url) : code(raw));

/** The first line of `raw` (a commit message's title), untrimmed at the start. */
export const firstLine = (raw) => str(raw).split('\n')[0].replace(/\s+$/, '');

/** `raw` trimmed and cut to {@link TITLE_CHARS} characters: for titles, escaped later. */
export const title = (raw) => markdown.truncate(str(raw).trim(), TITLE_CHARS);

/** The first eight characters of a commit SHA, as GitLab shows them. */
export const shortSha = (sha) => str(sha).slice(0, 8);

/** "1 commit", "2 commits". */
export const plural = (count, noun) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** A string, or `''` for anything else (missing or mistyped payload fields). */
export const str = (value) => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');

/** `value` when it is an array, else `[]`. */
export const list = (value) => (Array.isArray(value) ? value : []);

/** `value` when it is an object, else `{}`. */
export const obj = (value) => (value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {});

/**
 * A quoted excerpt of an untrusted body (a description, a comment), or `''` when empty. Starts
 * with a newline.
 */
export function excerpt(body) {
  let cut = markdown.truncate(str(body).trim(), EXCERPT_CHARS);
  if (cut === '') return '';
  const lines = cut.split('\n');
  if (lines.length > EXCERPT_LINES) cut = `${lines.slice(0, EXCERPT_LINES).join('\n')}\n…`;
  return cut
    .split('\n')
    .map((line) => `\n> ${text(line.replace(/\r$/, ''))}`)
    .join('');
}

/**
 * `out` followed by `items`, one per line, while they fit in `limits.MAX_CONTENT_CHARS` together with
 * `trailerChars` characters still to come, then "... and N more {noun}" (counting `hidden` more
 * items the payload left out).
 */
export function withList(out, items, noun, { trailerChars = 0, hidden = 0 } = {}) {
  const max = MAX_CONTENT_CHARS - trailerChars;
  let used = [...out].length;
  for (let index = 0; index < items.length; index++) {
    const length = 1 + [...items[index]].length;
    const reserve = index + 1 < items.length || hidden > 0 ? MORE_RESERVE : 0;
    if (used + length + reserve > max) return `${out}\n... and ${items.length - index + hidden} more ${noun}`;
    out += `\n${items[index]}`;
    used += length;
  }
  return hidden > 0 ? `${out}\n... and ${hidden} more ${noun}` : out;
}

/** The final content: cut to `limits.MAX_CONTENT_CHARS` should anything have escaped the budgets. */
export const fit = (content) => markdown.truncate(content, MAX_CONTENT_CHARS);

/** "1m 3s", "2h 5m", "42s" for a duration in seconds; `''` when unknown. */
export function duration(seconds) {
  if (typeof seconds !== 'number' || !(seconds >= 0)) return '';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/**
 * Whether `value` matches the glob `pattern`: `*` matches any run of characters (`/` included),
 * `?` exactly one character, anything else itself.
 */
export function globMatch(pattern, value) {
  const p = [...pattern];
  const t = [...value];
  let pi = 0;
  let ti = 0;
  let star = -1;
  let starT = 0;
  while (ti < t.length) {
    if (p[pi] === '*') {
      star = pi++;
      starT = ti;
    } else if (pi < p.length && (p[pi] === '?' || p[pi] === t[ti])) {
      pi++;
      ti++;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++starT;
    } else {
      return false;
    }
  }
  return p.slice(pi).every((c) => c === '*');
}
