// The plugin studio's plugins page (built-in and uploaded plugins, upload, delete) and a
// webhook's page (attach or detach a plugin, its JSON configuration, its URLs).

import { ApiError, get, patch, del, postBytes } from './api.js';
import { h, replace, field, showError, confirmDialog, formatTime } from './dom.js';
import {
  managedCommunities, managedWebhooks, notAllowed, page, formatBytes, jsonObjectError, details,
} from './studio.js';

/** `/plugins`: every managed community's plugins, with upload and delete. */
export async function pluginsView(app, main) {
  const communities = managedCommunities(app);
  if (!communities.length) {
    notAllowed(main);
    return;
  }
  const status = h('p', { class: 'status', role: 'status' });
  const sections = h('div');
  replace(main, page('Plugins', status, sections));
  const webhooks = await managedWebhooks(app);
  for (const community of communities) {
    const section = h('section', { 'aria-label': `Plugins of ${community.name}` });
    sections.append(section);
    await communityPlugins(section, community, webhooks, status);
  }
}

async function communityPlugins(section, community, webhooks, status) {
  const { plugins } = await get(`/api/communities/${community.id}/plugins`);
  const rows = plugins.map((p) => {
    const users = webhooks.filter((w) => w.plugin_id === p.id);
    return h('tr', { dataset: { plugin: p.id } },
      h('td', null, p.name),
      h('td', null, p.version),
      h('td', null, p.builtin ? 'built-in' : 'uploaded'),
      h('td', null, p.language || 'unknown'),
      h('td', null, formatBytes(p.size)),
      h('td', null, h('code', { class: 'sha' }, p.sha256)),
      h('td', null, users.length
        ? users.map((w, i) => [i ? ', ' : '', h('a', { href: `/webhooks/${w.id}`, 'data-route': true }, w.name)])
        : 'none'),
      h('td', null, p.builtin ? '' : h('button', {
        type: 'button', class: 'danger', 'aria-label': `Delete ${p.name} ${p.version}`,
        onClick: async () => {
          const ok = await confirmDialog('Delete plugin?', `${p.name} ${p.version} will be removed.`, 'Delete');
          if (!ok) return;
          try {
            await del(`/api/plugins/${p.id}`);
            status.textContent = `Plugin ${p.name} ${p.version} deleted.`;
            section.replaceChildren();
            await communityPlugins(section, community, webhooks, status);
          } catch (err) {
            if (!(err instanceof ApiError)) throw err;
            const names = users.map((w) => w.name).join(', ');
            status.textContent = names ? `${err.message} (used by: ${names})` : err.message;
          }
        },
      }, 'Delete')));
  });
  replace(section,
    h('h2', null, community.name),
    h('div', { class: 'members' }, h('table', null,
      h('caption', null, `Plugins of ${community.name}`),
      h('thead', null, h('tr', null, ['Name', 'Version', 'Kind', 'Language', 'Size', 'SHA-256', 'Used by', ''].map((t) => h('th', null, t)))),
      h('tbody', null, rows))),
    uploadForm(community, async () => {
      await communityPlugins(section, community, webhooks, status);
    }, status));
}

function uploadForm(community, reload, status) {
  const name = field('Plugin name', { name: 'name', placeholder: 'my-plugin' });
  const version = field('Version', { name: 'version', value: '0.1.0' });
  const file = field('Component (.wasm)', { name: 'body', type: 'file', accept: '.wasm,application/wasm' });
  const general = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'stack create', 'aria-label': `Upload a plugin to ${community.name}` },
    h('h3', null, 'Upload a plugin'), name.row, version.row, file.row, general,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Upload plugin')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fields = { name, version, body: file };
    showError(null, fields, general);
    const chosen = file.input.files[0];
    if (!chosen) {
      showError({ field: 'body', message: 'Choose a .wasm file.' }, fields, general);
      return;
    }
    const query = new URLSearchParams({ name: name.input.value, version: version.input.value });
    try {
      const plugin = await postBytes(`/api/communities/${community.id}/plugins?${query}`,
        await chosen.arrayBuffer(), 'application/wasm');
      status.textContent = `Plugin ${plugin.name} ${plugin.version} uploaded.`;
      await reload();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      // The API's refusal, verbatim.
      showError(err, fields, general);
    }
  });
  return form;
}

/** `/webhooks/{id}`: attach or detach a plugin, edit its configuration, see the URLs. */
export async function webhookView(app, main, id) {
  if (!managedCommunities(app).length) {
    notAllowed(main);
    return;
  }
  let webhook;
  try {
    webhook = await get(`/api/webhooks/${id}`);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    replace(main, page('Webhook', h('p', { role: 'alert' }, err.message)));
    return;
  }
  const { plugins } = await get(`/api/communities/${webhook.community_id}/plugins`);
  const status = h('p', { class: 'status', role: 'status' });
  const select = field('Plugin', { name: 'plugin_id' }, 'select');
  select.input.append(h('option', { value: '' }, 'No plugin (native JSON messages)'));
  for (const p of plugins) {
    select.input.append(h('option', { value: p.id, selected: p.id === webhook.plugin_id },
      `${p.name} ${p.version}${p.builtin ? ' (built-in)' : ''}`));
  }
  const config = field('Configuration (JSON)', {
    name: 'plugin_config', class: 'code', rows: 8, spellcheck: 'false',
    value: webhook.plugin_config ? JSON.stringify(webhook.plugin_config, null, 2) : '',
  }, 'textarea');
  const general = h('p', { class: 'form-error', role: 'alert' });
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save plugin settings');
  const check = () => {
    const error = jsonObjectError(config.input.value);
    config.error.textContent = error || '';
    if (error) config.input.setAttribute('aria-invalid', 'true');
    else config.input.removeAttribute('aria-invalid');
    save.disabled = Boolean(error);
    return !error;
  };
  config.input.addEventListener('input', check);
  const form = h('form', { class: 'stack create', 'aria-label': 'Plugin settings' },
    h('h2', null, 'Plugin'), select.row, config.row, general,
    h('div', { class: 'actions' },
      h('button', { type: 'button', onClick: () => detach() }, 'Detach plugin'), save));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!check()) return;
    const text = config.input.value.trim();
    const body = { plugin_id: select.input.value || null, plugin_config: text ? JSON.parse(text) : null };
    try {
      showError(null, { plugin_id: select, plugin_config: config }, general);
      webhook = await patch(`/api/webhooks/${id}`, body);
      status.textContent = webhook.plugin_id ? 'Plugin settings saved.' : 'Plugin detached.';
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      showError(err, { plugin_id: select, plugin_config: config }, general);
    }
  });
  const detach = async () => {
    try {
      webhook = await patch(`/api/webhooks/${id}`, { plugin_id: null });
      select.input.value = '';
      status.textContent = 'Plugin detached.';
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      general.textContent = err.message;
    }
  };
  const base = location.origin;
  const urls = [
    ['Native (chatalot)', `${base}/api/webhooks/execute/<token>`],
    ['With a plugin, optional path suffix', `${base}/api/webhooks/execute/<token>/<suffix>`],
    ['BitoLink', `${base}/api/v1/hooks/<token>`],
    ['Slack-compatible', `${base}/api/slack/<token>`],
    ['Mattermost-compatible', `${base}/hooks/<token>`],
    ['Discord-compatible', `${base}/api/webhooks/${webhook.id}/<token>`],
  ];
  replace(main, page(`Webhook ${webhook.name}`,
    status,
    h('nav', { class: 'inline', 'aria-label': 'Webhook pages' },
      h('a', { href: `/webhooks/${id}/deliveries`, 'data-route': true }, 'Deliveries'),
      h('a', { href: `/playground?webhook=${id}`, 'data-route': true }, 'Open in playground'),
      h('a', { href: `/channels/${webhook.channel_id}`, 'data-route': true }, 'Channel')),
    details([
      ['Posts as', webhook.username],
      ['Messages posted', String(webhook.messages_posted)],
      ['Failures', String(webhook.failures)],
      ['Last used', webhook.last_used_at ? formatTime(webhook.last_used_at) : 'never'],
    ]),
    form,
    h('section', { 'aria-label': 'URLs' },
      h('h2', null, 'URLs'),
      h('p', { class: 'muted' },
        'The token is shown only when the webhook is created or its token regenerated. A plugin ',
        'receives any path after the token as its path suffix (e.g. /github).'),
      h('ul', { class: 'url-list' }, urls.map(([label, url]) => h('li', null,
        h('strong', null, `${label}: `), h('code', null, url)))))));
  check();
}
