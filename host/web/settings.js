// Channel settings: a dialog with an About tab and, for owners and admins only, the
// Webhooks tab (list with statistics, create, edit, active toggle, regenerate, test, delete).

import { ApiError, get, post, patch, del } from './api.js';
import { h, append, replace, field, showError, confirmDialog, formatTime, uid } from './dom.js';

export function openSettings(app, community, channel) {
  const titleId = uid('settings');
  const dialog = h('dialog', { class: 'settings', 'aria-labelledby': titleId });
  const close = () => {
    dialog.close();
    dialog.remove();
  };
  dialog.addEventListener('close', () => dialog.remove());
  const tabs = [{ name: 'About', render: (panel) => aboutTab(panel, community, channel) }];
  if (community.role === 'owner' || community.role === 'admin') {
    tabs.push({ name: 'Webhooks', render: (panel) => new WebhooksTab(panel, channel) });
  }
  const tablist = h('div', { role: 'tablist', 'aria-label': 'Channel settings sections' });
  const panel = h('div', { role: 'tabpanel', class: 'tabpanel', tabindex: '0' });
  const buttons = tabs.map((tab, i) => {
    const id = uid('tab');
    return h('button', {
      type: 'button', role: 'tab', id, 'aria-selected': String(i === 0), tabindex: i === 0 ? '0' : '-1',
      onClick: () => select(i),
      onKeydown: (e) => {
        if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
          const next = (i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length;
          select(next);
          buttons[next].focus();
        }
      },
    }, tab.name);
  });
  function select(index) {
    buttons.forEach((b, i) => {
      b.setAttribute('aria-selected', String(i === index));
      b.tabIndex = i === index ? 0 : -1;
    });
    panel.setAttribute('aria-labelledby', buttons[index].id);
    panel.replaceChildren();
    tabs[index].render(panel);
  }
  append(tablist, buttons);
  append(dialog, [
    h('header', { class: 'dialog-head' },
      h('h2', { id: titleId }, `Settings · # ${channel.name}`),
      h('button', { type: 'button', class: 'close', onClick: close }, 'Close')),
    tablist,
    panel,
  ]);
  document.body.append(dialog);
  select(0);
  dialog.showModal();
}

function aboutTab(panel, community, channel) {
  replace(panel,
    h('dl', { class: 'about' },
      h('dt', null, 'Channel'), h('dd', null, `# ${channel.name}`),
      h('dt', null, 'Community'), h('dd', null, community.name),
      h('dt', null, 'Your role'), h('dd', null, community.role),
      h('dt', null, 'Created'), h('dd', null, formatTime(channel.created_at))));
}

const FIELDS = [
  ['name', 'Name'],
  ['description', 'Description'],
  ['username', 'Default username'],
  ['avatar_url', 'Avatar URL'],
];

/** A webhook settings form; `onSubmit(values)` may throw ApiError, shown beside its field. */
function webhookForm(initial, submitLabel, onSubmit, onCancel) {
  const fields = {};
  for (const [key, label] of FIELDS) {
    const kind = key === 'description' ? 'textarea' : 'input';
    fields[key] = field(label, {
      name: key, value: initial[key] ?? '', type: key === 'avatar_url' ? 'url' : null,
      placeholder: key === 'username' ? 'Webhook' : null,
    }, kind);
  }
  const general = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'stack webhook-form', novalidate: true },
    Object.values(fields).map((f) => f.row), general,
    h('div', { class: 'actions' },
      onCancel && h('button', { type: 'button', onClick: onCancel }, 'Cancel'),
      h('button', { type: 'submit', class: 'primary' }, submitLabel)));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const values = {};
    for (const [key] of FIELDS) values[key] = fields[key].input.value;
    try {
      showError(null, fields, general);
      await onSubmit(values);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      showError(err, fields, general);
    }
  });
  return { form, fields };
}

/** `urls` of a create/regenerate answer as (label, url) rows, whatever its shape. */
function urlRows(urls, prefix = '') {
  const rows = [];
  for (const [key, value] of Object.entries(urls || {})) {
    const label = prefix ? `${prefix} ${key}` : key;
    if (typeof value === 'string') rows.push([label, value]);
    else if (value && typeof value === 'object') rows.push(...urlRows(value, label));
  }
  return rows;
}

async function copy(input, button) {
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.select();
    document.execCommand('copy');
  }
  button.textContent = 'Copied';
  setTimeout(() => { button.textContent = 'Copy'; }, 2000);
}

class WebhooksTab {
  constructor(panel, channel) {
    this.panel = panel;
    this.channel = channel;
    this.status = h('p', { class: 'status', role: 'status' });
    this.secret = h('div', { class: 'secret-slot' });
    this.list = h('ul', { class: 'webhook-list', 'aria-label': 'Webhooks' });
    this.createSlot = h('div');
    this.createButton = h('button', { type: 'button', class: 'primary', onClick: () => this.showCreate() },
      'Create webhook');
    replace(panel,
      h('div', { class: 'tab-head' }, h('h3', null, 'Webhooks'), this.createButton),
      this.createSlot, this.secret, this.status, this.list);
    this.load();
  }

  async load() {
    const { webhooks } = await get(`/api/channels/${this.channel.id}/webhooks`);
    if (!webhooks.length) {
      replace(this.list, h('li', { class: 'empty' }, 'No webhooks yet.'));
      return;
    }
    replace(this.list, webhooks.map((w) => this.card(w)));
  }

  say(text) {
    this.status.textContent = text;
  }

  showCreate() {
    this.createButton.hidden = true;
    const done = () => {
      this.createSlot.replaceChildren();
      this.createButton.hidden = false;
    };
    const { form, fields } = webhookForm({}, 'Create', async (values) => {
      const body = { name: values.name };
      if (values.description) body.description = values.description;
      if (values.username) body.username = values.username;
      if (values.avatar_url) body.avatar_url = values.avatar_url;
      const created = await post(`/api/channels/${this.channel.id}/webhooks`, body);
      done();
      this.showSecret(created, 'created');
      await this.load();
    }, done);
    replace(this.createSlot, h('section', { class: 'create', 'aria-label': 'New webhook' },
      h('h4', null, 'New webhook'), form));
    fields.name.input.focus();
  }

  /** The URLs of a fresh token: shown this once. */
  showSecret(webhook, what) {
    const titleId = uid('secret');
    const rows = urlRows(webhook.urls || { url: webhook.url });
    replace(this.secret, h('section', { class: 'secret', 'aria-labelledby': titleId },
      h('h4', { id: titleId }, `Webhook “${webhook.name}” ${what}: its URLs`),
      h('p', { class: 'warning' },
        'Copy these URLs now: they contain the secret token and will not be shown again.'),
      rows.map(([label, url]) => {
        const id = uid('url');
        const input = h('input', { id, type: 'text', readOnly: true, value: url, class: 'url' });
        const button = h('button', { type: 'button', onClick: () => copy(input, button), 'aria-label': `Copy ${label} URL` }, 'Copy');
        return h('div', { class: 'url-row' }, h('label', { for: id }, `${label} URL`), input, button);
      }),
      h('button', { type: 'button', onClick: () => this.secret.replaceChildren() }, 'Done')));
    this.secret.querySelector('input')?.focus();
  }

  card(w) {
    const item = h('li', { class: 'webhook', 'aria-label': `Webhook ${w.name}` });
    const toggleId = uid('active');
    const toggle = h('input', {
      type: 'checkbox', role: 'switch', id: toggleId, checked: w.active,
      onChange: async () => {
        toggle.disabled = true;
        try {
          const updated = await patch(`/api/webhooks/${w.id}`, { active: toggle.checked });
          w.active = updated.active;
          this.say(`Webhook “${w.name}” ${w.active ? 'enabled' : 'disabled'}.`);
        } catch (err) {
          toggle.checked = w.active;
          this.say(err.message);
        } finally {
          toggle.disabled = false;
        }
      },
    });
    const view = () => replace(item,
      h('div', { class: 'webhook-head' },
        h('h4', null, w.name),
        h('span', { class: 'toggle' }, toggle, h('label', { for: toggleId }, `Active`))),
      w.description && h('p', { class: 'description' }, w.description),
      h('dl', { class: 'stats' },
        h('dt', null, 'Posts as'), h('dd', null, w.username),
        h('dt', null, 'Messages posted'), h('dd', null, String(w.messages_posted)),
        h('dt', null, 'Last used'), h('dd', null, w.last_used_at ? formatTime(w.last_used_at) : 'never'),
        h('dt', null, 'Failures'), h('dd', null, String(w.failures)),
        h('dt', null, 'Created'), h('dd', null, formatTime(w.created_at))),
      h('div', { class: 'actions' },
        h('a', {
          href: `/webhooks/${w.id}`, 'data-route': true, class: 'button-link',
          onClick: (e) => e.target.closest('dialog')?.close(),
        }, `Plugin and deliveries of ${w.name}`),
        h('button', { type: 'button', onClick: edit }, 'Edit'),
        h('button', { type: 'button', onClick: () => this.test(w) }, 'Send test message'),
        h('button', { type: 'button', onClick: () => this.regenerate(w) }, 'Regenerate token'),
        h('button', { type: 'button', class: 'danger', onClick: () => this.remove(w) }, 'Delete')));
    const edit = () => {
      const { form, fields } = webhookForm(w, 'Save', async (values) => {
        const updated = await patch(`/api/webhooks/${w.id}`, {
          name: values.name,
          description: values.description || null,
          username: values.username || 'Webhook',
          avatar_url: values.avatar_url || null,
        });
        Object.assign(w, updated);
        this.say(`Webhook “${w.name}” saved.`);
        view();
      }, view);
      replace(item, h('h4', null, `Edit ${w.name}`), form);
      fields.name.input.focus();
    };
    view();
    return item;
  }

  async test(w) {
    try {
      await post(`/api/webhooks/${w.id}/test`);
      this.say(`Test message sent through “${w.name}”.`);
    } catch (err) {
      this.say(err.message);
    }
  }

  async regenerate(w) {
    const ok = await confirmDialog('Regenerate token?',
      `The current URLs of “${w.name}” stop working at once. Services using them must be given the new URLs.`,
      'Regenerate');
    if (!ok) return;
    const fresh = await post(`/api/webhooks/${w.id}/regenerate`);
    this.showSecret(fresh, 'regenerated');
    await this.load();
  }

  async remove(w) {
    const ok = await confirmDialog('Delete webhook?',
      `“${w.name}” and its URLs stop working at once. Its messages stay in the channel.`, 'Delete');
    if (!ok) return;
    await del(`/api/webhooks/${w.id}`);
    this.say(`Webhook “${w.name}” deleted.`);
    await this.load();
  }
}
