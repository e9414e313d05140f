// The plugin studio's outgoing side: outgoing webhooks per community (list, create and edit per
// target, event and channel filters, test, delivery log with retry, the disabled state with its
// notice), the IM integration for direct messages, and the notices page (live).

import { ApiError, get, post, patch, api } from './api.js';
import { h, replace, field, showError, formatTime } from './dom.js';
import { managedCommunities, notAllowed, page } from './studio.js';

/** Each target's own fields: what its URL is called and whether it takes a signing secret. */
const TARGETS = {
  slack: { label: 'Slack', url: 'Slack incoming webhook URL', secret: null },
  discord: { label: 'Discord', url: 'Discord webhook URL', secret: null },
  teams: { label: 'Microsoft Teams', url: 'Teams Workflows webhook URL', secret: null },
  dingtalk: { label: 'DingTalk', url: 'DingTalk robot webhook URL', secret: 'DingTalk signing secret (SEC…)' },
  feishu: { label: 'Feishu / Lark', url: 'Feishu bot webhook URL', secret: 'Feishu signature secret' },
  wecom: { label: 'WeCom', url: 'WeCom group robot webhook URL', secret: null },
  generic: { label: 'Generic (signed JSON)', url: 'Receiver URL', secret: 'Signing secret (whsec_…, optional)' },
};

/** IM providers and their credential fields. */
const PROVIDERS = {
  slack: ['bot_token'],
  feishu: ['app_id', 'app_secret'],
  dingtalk: ['client_id', 'client_secret', 'robot_code'],
  wecom: ['corp_id', 'agent_id', 'secret'],
};

/** `/outgoing`. */
export async function outgoingView(app, main) {
  const communities = managedCommunities(app);
  if (!communities.length) {
    notAllowed(main);
    return null;
  }
  const { events } = await get('/api/outgoing-webhooks/events');
  const view = { timers: [], close() { this.timers.forEach(clearInterval); } };
  const sections = communities.map((community) => {
    const section = h('section', { 'aria-label': `Outgoing webhooks of ${community.name}` });
    new CommunityOutgoing(app, section, community, events, view).load();
    return section;
  });
  replace(main, page('Outgoing webhooks', sections));
  return view;
}

class CommunityOutgoing {
  constructor(app, section, community, events, view) {
    Object.assign(this, { app, section, community, events, view });
    this.base = `/api/communities/${community.id}/outgoing-webhooks`;
    this.status = h('p', { class: 'status', role: 'status' });
    this.list = h('ul', { class: 'webhook-list', 'aria-label': `Outgoing webhooks of ${community.name}` });
    this.formSlot = h('div');
    this.im = h('div');
    replace(section,
      h('div', { class: 'tab-head' }, h('h2', null, community.name),
        h('button', { type: 'button', class: 'primary', onClick: () => this.edit(null) }, 'New outgoing webhook')),
      this.formSlot, this.status, this.list, this.im);
  }

  async load() {
    const { outgoing_webhooks: hooks } = await get(this.base);
    replace(this.list, hooks.length ? hooks.map((hook) => this.card(hook)) : h('li', { class: 'empty' }, 'No outgoing webhooks yet.'));
    this.imSection();
  }

  card(hook) {
    const log = h('div', { class: 'log-slot' });
    const channel = (this.app.channels.get(this.community.id) || []).find((c) => c.id === hook.channel_id);
    return h('li', { class: `webhook${hook.enabled ? '' : ' disabled'}`, 'aria-label': `Outgoing webhook ${hook.name}` },
      h('div', { class: 'webhook-head' }, h('h3', null, hook.name),
        h('span', { class: 'badge' }, TARGETS[hook.target]?.label || hook.target)),
      !hook.enabled && h('p', { class: 'notice', role: 'note' },
        `Disabled${hook.disabled_reason ? `: ${hook.disabled_reason}` : '.'}`),
      h('dl', { class: 'stats' },
        h('dt', null, 'URL'), h('dd', null, hook.url),
        h('dt', null, 'Events'), h('dd', null, hook.events.join(', ')),
        h('dt', null, 'Channel'), h('dd', null, channel ? `# ${channel.name}` : 'all channels'),
        h('dt', null, 'Failures in a row'), h('dd', null, String(hook.consecutive_failures))),
      h('div', { class: 'actions' },
        h('button', { type: 'button', onClick: () => this.edit(hook) }, `Edit ${hook.name}`),
        h('button', { type: 'button', onClick: () => this.test(hook) }, `Send test to ${hook.name}`),
        h('button', { type: 'button', onClick: () => this.showLog(hook, log) }, `Delivery log of ${hook.name}`)),
      log);
  }

  async test(hook) {
    try {
      const r = await post(`${this.base}/${hook.id}/test`);
      this.status.textContent = r.delivered
        ? `Test delivered to ${hook.name}: HTTP ${r.status} in ${r.latency_ms} ms.`
        : `Test to ${hook.name} failed: ${r.error || `HTTP ${r.status}`}.`;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      this.status.textContent = err.message;
    }
  }

  async showLog(hook, slot) {
    const body = h('tbody');
    const load = async () => {
      const { deliveries } = await get(`${this.base}/${hook.id}/deliveries`);
      replace(body, deliveries.length ? deliveries.map((d) => h('tr', { class: d.status === 'failed' ? 'failed' : null },
        h('td', null, formatTime(d.created_at)),
        h('td', null, d.event_type),
        h('td', null, h('span', { class: `badge status-${d.status}` }, d.status)),
        h('td', null, d.response_status === null ? '—' : String(d.response_status)),
        h('td', null, String(d.attempts)),
        h('td', null, d.last_error || ''),
        h('td', null, d.status !== 'pending' && h('button', {
          type: 'button',
          onClick: async () => {
            try {
              await post(`${this.base}/${hook.id}/deliveries/${d.id}/retry`);
              this.status.textContent = 'Delivery queued again.';
              await load();
            } catch (err) {
              if (!(err instanceof ApiError)) throw err;
              this.status.textContent = err.message;
            }
          },
        }, 'Retry')))) : h('tr', null, h('td', { colspan: 7 }, 'No deliveries yet.')));
    };
    replace(slot, h('div', { class: 'members' }, h('table', null,
      h('caption', null, `Delivery log of ${hook.name}`),
      h('thead', null, h('tr', null, ['Time', 'Event', 'Status', 'Response', 'Attempts', 'Error', ''].map((t) => h('th', null, t)))),
      body)));
    await load();
    // The log follows the sender while it is open.
    this.view.timers.push(setInterval(() => { if (slot.isConnected) load(); }, 2000));
  }

  edit(hook) {
    const initial = hook || { target: 'generic', events: ['message.created'], enabled: true };
    const target = field('Target', { name: 'target', disabled: Boolean(hook) }, 'select');
    for (const [value, t] of Object.entries(TARGETS)) {
      target.input.append(h('option', { value, selected: value === initial.target }, t.label));
    }
    const name = field('Outgoing webhook name', { name: 'name', value: initial.name || '' });
    const url = field('URL', { name: 'url', type: 'url', value: initial.url || '' });
    const secret = field('Secret', { name: 'secret', type: 'password', autocomplete: 'off', placeholder: hook?.has_secret ? 'unchanged' : '' });
    const urlLabel = url.row.querySelector('label');
    const secretLabel = secret.row.querySelector('label');
    const adapt = () => {
      const t = TARGETS[target.input.value];
      urlLabel.textContent = t.url;
      secret.row.hidden = !t.secret;
      secretLabel.textContent = t.secret || 'Secret';
    };
    target.input.addEventListener('change', adapt);
    const eventsBox = h('fieldset', null, h('legend', null, 'Events'),
      this.events.map((e) => h('label', { class: 'check', title: e.description },
        h('input', { type: 'checkbox', name: 'events', value: e.name, checked: initial.events.includes(e.name) }), e.name)));
    const channel = field('Channel filter', { name: 'channel_id' }, 'select');
    channel.input.append(h('option', { value: '' }, 'All channels'));
    for (const c of this.app.channels.get(this.community.id) || []) {
      channel.input.append(h('option', { value: c.id, selected: c.id === initial.channel_id }, `# ${c.name}`));
    }
    const check = (key, label) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name: key, checked: Boolean(initial[key]) }), label);
    const flags = h('fieldset', null, h('legend', null, 'Filters and state'),
      check('only_webhook_messages', 'Only messages posted by webhooks'),
      check('only_mentions', 'Only messages with mentions'),
      check('direct_messages', 'Direct messages to mentioned users (IM integration)'),
      check('enabled', 'Enabled'));
    const general = h('p', { class: 'form-error', role: 'alert' });
    const fields = { name, url, secret, target, channel_id: channel };
    const form = h('form', { class: 'stack create', 'aria-label': hook ? `Edit ${hook.name}` : 'New outgoing webhook' },
      h('h3', null, hook ? `Edit ${hook.name}` : 'New outgoing webhook'),
      target.row, name.row, url.row, secret.row, eventsBox, channel.row, flags, general,
      h('div', { class: 'actions' },
        h('button', { type: 'button', onClick: () => this.formSlot.replaceChildren() }, 'Cancel'),
        h('button', { type: 'submit', class: 'primary' }, hook ? 'Save outgoing webhook' : 'Create outgoing webhook')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const flag = (key) => form.querySelector(`input[name=${key}]`).checked;
      const body = {
        name: name.input.value,
        url: url.input.value,
        events: [...eventsBox.querySelectorAll('input:checked')].map((i) => i.value),
        channel_id: channel.input.value || null,
        only_webhook_messages: flag('only_webhook_messages'),
        only_mentions: flag('only_mentions'),
        direct_messages: flag('direct_messages'),
        enabled: flag('enabled'),
      };
      if (!secret.row.hidden && secret.input.value) body.secret = secret.input.value;
      try {
        showError(null, fields, general);
        if (hook) {
          await patch(`${this.base}/${hook.id}`, body);
        } else {
          await post(this.base, { ...body, target: target.input.value });
        }
        this.formSlot.replaceChildren();
        this.status.textContent = `Outgoing webhook “${body.name}” saved.`;
        await this.load();
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        showError(err, fields, general);
      }
    });
    replace(this.formSlot, form);
    adapt();
    name.input.focus();
  }

  async imSection() {
    let current = null;
    try {
      current = await get(`/api/communities/${this.community.id}/im-integration`);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 404) throw err;
    }
    const provider = field('IM provider', { name: 'provider' }, 'select');
    for (const p of Object.keys(PROVIDERS)) provider.input.append(h('option', { value: p, selected: current?.provider === p }, p));
    const baseUrl = field('API base URL (optional)', { name: 'base_url', type: 'url', value: current?.base_url || '' });
    const creds = h('div', { class: 'stack' });
    const credFields = {};
    const adapt = () => {
      creds.replaceChildren();
      for (const key of PROVIDERS[provider.input.value]) {
        const shown = current?.provider === provider.input.value ? current.credentials?.[key] : '';
        credFields[key] = field(key, { name: key, value: typeof shown === 'string' && !shown.startsWith('***') ? shown : '' });
        creds.append(credFields[key].row);
      }
    };
    provider.input.addEventListener('change', adapt);
    adapt();
    const general = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { class: 'stack create', 'aria-label': `IM integration of ${this.community.name}` },
      h('h3', null, 'IM integration (direct messages)'),
      h('p', { class: 'muted' }, current ? `Configured: ${current.provider}.` : 'Not configured.'),
      provider.row, baseUrl.row, creds, general,
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save IM integration')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const credentials = {};
      for (const [key, f] of Object.entries(credFields)) {
        credentials[key] = key === 'agent_id' ? Number(f.input.value) : f.input.value;
      }
      try {
        general.textContent = '';
        await api('PUT', `/api/communities/${this.community.id}/im-integration`,
          { provider: provider.input.value, base_url: baseUrl.input.value || null, credentials });
        this.status.textContent = 'IM integration saved.';
        await this.imSection();
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        general.textContent = err.message;
      }
    });
    replace(this.im, form);
  }
}

/** `/notices`: the caller's notices; new ones arrive live (`notice.created`). */
export class NoticesView {
  constructor(app, main) {
    this.closed = false;
    if (!managedCommunities(app).length) {
      notAllowed(main);
      this.closed = true;
      return;
    }
    this.list = h('ul', { class: 'notice-list', 'aria-label': 'Notices' });
    replace(main, page('Notices', this.list));
    this.load();
  }

  close() {
    this.closed = true;
  }

  onEvent(event) {
    if (!this.closed && event.type === 'notice.created') this.load();
  }

  async load() {
    const { notices } = await get('/api/notices');
    if (this.closed) return;
    replace(this.list, notices.length
      ? notices.map((n) => h('li', { class: 'notice' }, h('time', { datetime: n.created_at }, formatTime(n.created_at)), ' ', n.text))
      : h('li', { class: 'empty' }, 'No notices.'));
  }
}
