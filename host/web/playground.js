// The plugin studio's playground: a webhook (its plugin and configuration) or another plugin
// and a configuration, a payload and headers (typed, or loaded from a delivery), the dry-run
// API, and its answer shown the way the chat shows messages (server-sanitised HTML only).

import { ApiError, get, post } from './api.js';
import { h, replace, field, showError } from './dom.js';
import { ChatView } from './chat.js';
import {
  managedCommunities, managedWebhooks, notAllowed, page, formatDuration, formatBytes, pretty,
  headerLines, parseHeaderLines, jsonObjectError, details,
} from './studio.js';

/** `/playground?webhook=ID` or `?delivery=ID`. */
export async function playgroundView(app, main) {
  if (!managedCommunities(app).length) {
    notAllowed(main);
    return;
  }
  const params = new URLSearchParams(location.search);
  const webhooks = (await managedWebhooks(app)).filter((w) => w.plugin_id || params.get('webhook') === w.id);
  const webhook = field('Webhook', { name: 'webhook' }, 'select');
  for (const w of webhooks) webhook.input.append(h('option', { value: w.id }, `${w.name} (# ${w.channel.name})`));
  const plugin = field('Plugin', { name: 'plugin_id' }, 'select');
  const config = field('Configuration (JSON)', { name: 'config', rows: 5, class: 'code', spellcheck: 'false' }, 'textarea');
  const path = field('Path suffix', { name: 'path', placeholder: '/github' });
  const headers = field('Headers (one “Name: value” per line)', { name: 'headers', rows: 4, class: 'code', spellcheck: 'false' }, 'textarea');
  const body = field('Payload', { name: 'body', rows: 8, class: 'code', spellcheck: 'false' }, 'textarea');
  const example = field('Example the plugin ships', { name: 'example' }, 'select');
  let examples = [];
  const loadExamples = async () => {
    const w = webhooks.find((x) => x.id === webhook.input.value);
    const pluginId = plugin.input.value || w?.plugin_id;
    examples = pluginId ? (await get(`/api/plugins/${pluginId}/examples`)).examples : [];
    replace(example.input, examples.length
      ? examples.map((e, i) => h('option', { value: String(i) }, e.title))
      : h('option', { value: '' }, 'This plugin ships no examples'));
    example.input.disabled = !examples.length;
  };
  const useExample = () => {
    const e = examples[Number(example.input.value)];
    if (!e) return;
    headers.input.value = headerLines(e.headers);
    body.input.value = pretty(e.body);
    path.input.value = e.path;
  };
  plugin.input.addEventListener('change', () => loadExamples());
  const general = h('p', { class: 'form-error', role: 'alert' });
  const output = h('section', { class: 'playground-output', 'aria-label': 'Result', 'aria-live': 'polite' });
  const fields = { webhook, plugin_id: plugin, config, path, headers, body };

  const choose = async (preferConfig) => {
    const w = webhooks.find((x) => x.id === webhook.input.value);
    if (!w) return;
    const { plugins } = await get(`/api/communities/${w.community_id}/plugins`);
    replace(plugin.input, h('option', { value: '' }, 'The webhook’s plugin'),
      plugins.map((p) => h('option', { value: p.id }, `${p.name} ${p.version}`)));
    if (!preferConfig) config.input.value = w.plugin_config ? JSON.stringify(w.plugin_config, null, 2) : '';
    await loadExamples();
  };
  webhook.input.addEventListener('change', () => choose(false));

  const request = () => {
    const error = jsonObjectError(config.input.value);
    if (error) throw Object.assign(new Error(error), { field: 'config' });
    let pairs;
    try {
      pairs = parseHeaderLines(headers.input.value);
    } catch (err) {
      throw Object.assign(err, { field: 'headers' });
    }
    const text = config.input.value.trim();
    const req = { headers: pairs, body: body.input.value, path: path.input.value };
    if (text) req.config = JSON.parse(text);
    if (plugin.input.value) req.plugin_id = plugin.input.value;
    return req;
  };

  const run = async () => {
    showError(null, fields, general);
    let req;
    try {
      req = request();
    } catch (err) {
      showError({ field: err.field, message: err.message }, fields, general);
      return;
    }
    try {
      const result = await post(`/api/webhooks/${webhook.input.value}/dry-run`, req);
      showResult(app, output, result);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      showError(err, fields, general);
    }
  };

  // Posts the payload through the webhook itself (its attached plugin and saved configuration,
  // not the ones tried above), as its sender would, and shows what the sender would get.
  const sendForReal = async () => {
    showError(null, fields, general);
    let req;
    try {
      req = request();
    } catch (err) {
      showError({ field: err.field, message: err.message }, fields, general);
      return;
    }
    const w = webhooks.find((x) => x.id === webhook.input.value);
    try {
      const sent = await post(`/api/webhooks/${webhook.input.value}/send`,
        { headers: req.headers, body: req.body, path: req.path });
      const link = sent.delivery_id
        ? h('a', { href: `/deliveries/${sent.delivery_id}`, 'data-route': true }, 'Open the delivery') : null;
      const channel = w ? h('a', { href: `/channels/${w.channel.id}`, 'data-route': true }, `Open # ${w.channel.name}`) : null;
      replace(output, h('h2', null, 'Sent for real'),
        h('p', { role: 'status' }, `The webhook answered ${sent.status}${sent.retry_after ? ` (retry after ${sent.retry_after} s)` : ''}.`),
        h('nav', { class: 'inline', 'aria-label': 'Sent for real' }, link, channel),
        h('pre', { class: 'code' }, typeof sent.body === 'string' ? sent.body : JSON.stringify(sent.body, null, 2)));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      showError(err, fields, general);
    }
  };

  replace(main, page('Playground',
    h('p', { class: 'muted' }, 'Runs a plugin on a sample request without posting anything (dry run).'),
    h('div', { class: 'playground' }, h('form', { class: 'stack create', 'aria-label': 'Playground' },
      webhook.row, plugin.row, config.row, example.row,
      h('div', { class: 'actions' }, h('button', { type: 'button', onClick: useExample }, 'Load example')),
      path.row, headers.row, body.row, general,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', onClick: run }, 'Run dry run')),
      h('p', { class: 'muted' }, '“Send for real” posts the payload, headers and path through the webhook with its own plugin and saved configuration, as its sender would.'),
      h('div', { class: 'actions' },
        h('button', { type: 'button', onClick: sendForReal }, 'Send for real'))),
    output)));

  const fromDelivery = params.get('delivery');
  if (fromDelivery) {
    const d = await get(`/api/deliveries/${fromDelivery}`);
    webhook.input.value = d.webhook_id;
    await choose(false);
    headers.input.value = headerLines(d.request.headers);
    body.input.value = d.request.body ?? '';
    path.input.value = d.request.path || '';
  } else {
    if (params.get('webhook')) webhook.input.value = params.get('webhook');
    await choose(false);
  }
}

function showResult(app, output, result) {
  const rows = [
    ['Outcome', result.outcome],
    ['Duration', formatDuration(result.duration_us)],
    ['Peak memory', formatBytes(result.peak_memory_bytes)],
  ];
  if (result.reason) rows.push(['Reason', result.reason]);
  if (result.error) rows.push(['Error', `${result.error.status} ${result.error.code}: ${result.error.message}`]);
  const renderer = { app };
  const messages = (result.messages || []).map((m) => ChatView.prototype.render.call(renderer, {
    id: '', kind: 'webhook', content: m.content, content_html: m.content_html,
    sender: { display_name: m.display_name, avatar_url: m.avatar_url },
    created_at: new Date().toISOString(),
  }));
  const mentions = (result.messages || []).flatMap((m) => m.mentions || []);
  replace(output,
    h('h2', null, 'Result'),
    details(rows),
    h('h3', null, 'Messages as the chat shows them'),
    messages.length ? h('div', { class: 'messages preview' }, messages) : h('p', null, 'No messages.'),
    h('h3', null, 'Mentions'),
    mentions.length
      ? h('ul', null, mentions.map((m) => h('li', null, `@${m.username || m.display_name || m.user_id || JSON.stringify(m)}`)))
      : h('p', null, 'none'),
    h('h3', null, 'Log'),
    h('pre', { class: 'code log' }, result.log || '(empty)'));
}
