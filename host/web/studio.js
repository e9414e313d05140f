// The plugin studio's shared pieces: who may use it (owners and admins of a community), the
// "not allowed" page, the webhooks a manager can reach, and small display helpers. Every page
// of the studio talks to the JSON API only; hostile content goes in as text.

import { get } from './api.js';
import { h, replace } from './dom.js';

/** The communities the signed-in user manages (owner or admin). */
export function managedCommunities(app) {
  return app.communities.filter((c) => c.role === 'owner' || c.role === 'admin');
}

/** Whether the user manages any community (the studio's links show only then). */
export function canUseStudio(app) {
  return managedCommunities(app).length > 0;
}

/** The page a plain member gets. */
export function notAllowed(main) {
  replace(main, h('section', { class: 'page' },
    h('h1', null, 'Not allowed'),
    h('p', { role: 'alert' }, 'Only owners and admins of a community can use the plugin studio.')));
}

/** Every webhook of every channel of the communities the user manages, with its channel. */
export async function managedWebhooks(app) {
  const all = [];
  for (const community of managedCommunities(app)) {
    for (const channel of app.channels.get(community.id) || []) {
      const { webhooks } = await get(`/api/channels/${channel.id}/webhooks`);
      for (const w of webhooks) all.push({ ...w, channel, community });
    }
  }
  return all;
}

/** A page section with a heading. */
export function page(title, ...children) {
  return h('section', { class: 'page studio' }, h('h1', null, title), ...children);
}

/** Microseconds as a short duration. */
export function formatDuration(us) {
  if (us === null || us === undefined) return '—';
  if (us < 1000) return `${us} µs`;
  return `${(us / 1000).toFixed(1)} ms`;
}

/** Bytes as a short size. */
export function formatBytes(n) {
  if (n === null || n === undefined) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A JSON text pretty-printed, or the text itself when it is no JSON. */
export function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Checks a JSON object text; returns an error sentence or null. Empty means `{}`. */
export function jsonObjectError(text) {
  if (!text.trim()) return null;
  try {
    const value = JSON.parse(text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) return 'The configuration must be a JSON object ({…}).';
    return null;
  } catch (err) {
    return `JSON syntax error: ${err.message}`;
  }
}

/** Headers as "Name: value" lines from a list of [name, value] pairs or an object. */
export function headerLines(headers) {
  const pairs = Array.isArray(headers) ? headers : Object.entries(headers || {});
  return pairs.map(([k, v]) => `${k}: ${v}`).join('\n');
}

/** "Name: value" lines back to [name, value] pairs (blank lines skipped). */
export function parseHeaderLines(text) {
  const pairs = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const at = line.indexOf(':');
    if (at <= 0) throw new Error(`Header line “${line}” has no “Name: value” form.`);
    pairs.push([line.slice(0, at).trim(), line.slice(at + 1).trim()]);
  }
  return pairs;
}

/** A definition list from [term, value] rows (values as text or nodes). */
export function details(rows) {
  const dl = h('dl', { class: 'about' });
  for (const [term, value] of rows) dl.append(h('dt', null, term), h('dd', null, value));
  return dl;
}
