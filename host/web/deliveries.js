// The plugin studio's delivery log: a webhook's deliveries (live, filterable by status,
// failures highlighted) and one delivery (request with redacted headers, raw body, plugin log,
// error, produced messages, Replay, Open in playground). Request contents go in as text only.

import { ApiError, get, post } from './api.js';
import { h, replace, field, formatTime } from './dom.js';
import {
  managedCommunities, notAllowed, page, formatDuration, formatBytes, pretty, details,
} from './studio.js';

const STATUSES = ['failed', 'replayed', 'succeeded', 'skipped', 'ignored'];

/** `/webhooks/{id}/deliveries`: the list, reloaded on every `delivery.recorded` event of it. */
export class DeliveriesView {
  constructor(app, main, webhookId) {
    this.webhookId = webhookId;
    this.closed = false;
    if (!managedCommunities(app).length) {
      notAllowed(main);
      this.closed = true;
      return;
    }
    this.filter = field('Status', { name: 'status' }, 'select');
    this.filter.input.append(h('option', { value: '' }, 'All'));
    for (const s of STATUSES) this.filter.input.append(h('option', { value: s }, s));
    this.filter.input.addEventListener('change', () => this.load());
    this.body = h('tbody');
    this.title = h('h1', null, 'Deliveries');
    replace(main, h('section', { class: 'page studio' }, this.title,
      h('nav', { class: 'inline', 'aria-label': 'Webhook pages' },
        h('a', { href: `/webhooks/${webhookId}`, 'data-route': true }, 'Webhook settings'),
        h('a', { href: `/playground?webhook=${webhookId}`, 'data-route': true }, 'Playground')),
      this.filter.row,
      h('div', { class: 'members' }, h('table', { class: 'deliveries' },
        h('caption', null, 'Deliveries, newest first'),
        h('thead', null, h('tr', null, ['Time', 'Status', 'Error', 'Duration', ''].map((t) => h('th', null, t)))),
        this.body))));
    get(`/api/webhooks/${webhookId}`).then((w) => { this.title.textContent = `Deliveries of ${w.name}`; }, () => {});
    this.load();
  }

  close() {
    this.closed = true;
  }

  onEvent(event) {
    if (this.closed || event.type !== 'delivery.recorded') return;
    if (event.data?.webhook_id === this.webhookId) this.load();
  }

  async load() {
    const status = this.filter.input.value;
    const q = status ? `?status=${status}` : '';
    try {
      const { deliveries } = await get(`/api/webhooks/${this.webhookId}/deliveries${q}`);
      if (this.closed) return;
      if (!deliveries.length) {
        replace(this.body, h('tr', null, h('td', { colspan: 5 }, 'No deliveries yet.')));
        return;
      }
      replace(this.body, deliveries.map((d) => h('tr', {
        class: d.status === 'failed' ? 'failed' : null, dataset: { delivery: d.id, status: d.status },
      },
      h('td', null, h('a', { href: `/deliveries/${d.id}`, 'data-route': true }, formatTime(d.created_at))),
      h('td', null, h('span', { class: `badge status-${d.status}` }, d.status), d.replayed_at ? ' (replayed)' : ''),
      h('td', null, d.error_code ? `${d.error_code}: ${d.error_message || ''}` : (d.reason || '')),
      h('td', null, formatDuration(d.duration_us)),
      h('td', null, h('a', { href: `/deliveries/${d.id}`, 'data-route': true, 'aria-label': `Open delivery ${d.id}` }, 'Open')))));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      replace(this.body, h('tr', null, h('td', { colspan: 5, role: 'alert' }, err.message)));
    }
  }
}

/** `/deliveries/{id}`: one delivery. */
export async function deliveryView(app, main, id) {
  if (!managedCommunities(app).length) {
    notAllowed(main);
    return;
  }
  let d;
  try {
    d = await get(`/api/deliveries/${id}`);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    replace(main, page('Delivery', h('p', { role: 'alert' }, err.message)));
    return;
  }
  const webhook = await get(`/api/webhooks/${d.webhook_id}`);
  const status = h('p', { class: 'status', role: 'status' });
  const result = h('p', { class: 'form-error', role: 'alert' });
  const body = d.request.body ?? null;
  const shownBody = body === null ? `(binary, base64) ${d.request.body_base64 || ''}` : pretty(body);
  const download = h('button', {
    type: 'button',
    onClick: () => {
      const bytes = body !== null ? new TextEncoder().encode(body)
        : Uint8Array.from(atob(d.request.body_base64 || ''), (c) => c.charCodeAt(0));
      const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
      const a = h('a', { href: url, download: `delivery-${d.id}.body` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    },
  }, 'Download body');
  const replay = h('button', {
    type: 'button', class: 'primary', hidden: d.status !== 'failed' || Boolean(d.replayed_at),
    onClick: async () => {
      replay.disabled = true;
      result.textContent = '';
      try {
        const answer = await post(`/api/deliveries/${d.id}/replay`);
        status.textContent = answer && answer.messages
          ? `Replay succeeded: ${answer.messages.length} message(s) posted.`
          : `Replay: ${answer?.status}${answer?.reason ? ` (${answer.reason})` : ''}.`;
        await deliveryView(app, main, id);
        main.querySelector('[role=status]').textContent = status.textContent;
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        result.textContent = `Replay failed: ${err.code}: ${err.message}`;
        replay.disabled = false;
      }
    },
  }, 'Replay');
  const headers = h('table', { class: 'headers' },
    h('caption', null, 'Request headers (secret-bearing ones redacted)'),
    h('tbody', null, (d.request.headers || []).map(([k, v]) => h('tr', null, h('th', null, k), h('td', null, v)))));
  const messages = (d.message_ids || []).map((mid) => h('li', null,
    h('a', { href: `/channels/${webhook.channel_id}#message-${mid}`, 'data-route': true }, `Message ${mid}`)));
  replace(main, page(`Delivery of ${webhook.name}`,
    status,
    h('nav', { class: 'inline', 'aria-label': 'Delivery pages' },
      h('a', { href: `/webhooks/${d.webhook_id}/deliveries`, 'data-route': true }, 'All deliveries'),
      h('a', { href: `/webhooks/${d.webhook_id}`, 'data-route': true }, 'Webhook settings'),
      h('a', { href: `/playground?delivery=${d.id}`, 'data-route': true }, 'Open in playground')),
    details([
      ['Time', formatTime(d.created_at)],
      ['Status', h('span', { class: `badge status-${d.status}` }, d.status)],
      ['Duration', formatDuration(d.duration_us)],
      ['Peak memory', d.peak_memory_bytes === null || d.peak_memory_bytes === undefined
        ? 'not recorded (no plugin ran)' : formatBytes(d.peak_memory_bytes)],
      ['Request', `${d.request.method} ${d.request.path || '/'}${d.request.query ? `?${d.request.query}` : ''}`],
      ['Error', d.error_code ? `${d.error_code}: ${d.error_message || ''}` : 'none'],
      ['Reason', d.reason || '—'],
      ['Replayed', d.replayed_at ? formatTime(d.replayed_at) : 'no'],
    ]),
    h('div', { class: 'actions' }, replay), result,
    h('h2', null, 'Request headers'), h('div', { class: 'members' }, headers),
    h('h2', null, 'Body'), download, h('pre', { class: 'code body' }, shownBody),
    h('h2', null, 'Plugin log'), h('pre', { class: 'code log' }, d.plugin_log || '(empty)'),
    h('h2', null, 'Messages produced'),
    messages.length ? h('ul', null, messages) : h('p', null, 'none')));
}
