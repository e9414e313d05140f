// The web app's entry: session, routing between the views, the shared layout and the live
// connection. Every view talks to the server only through the public JSON API.

import { ApiError, get, post, del, setCsrf } from './api.js';
import { h, append, replace, field, showError } from './dom.js';
import { connectLive } from './live.js';
import { ChatView } from './chat.js';
import { Notifications } from './notifications.js';
import { peopleView } from './people.js';
import { accountView } from './account.js';
import { canUseStudio } from './studio.js';
import { pluginsView, webhookView } from './plugins.js';
import { DeliveriesView, deliveryView } from './deliveries.js';
import { playgroundView } from './playground.js';
import { outgoingView, NoticesView } from './outgoing-page.js';

const root = document.getElementById('app');

/** What every view can reach. */
export const app = {
  me: null,
  communities: [],
  channels: new Map(), // community id -> channels
  navigate,
  chat: null,
  view: null, // the open studio page that follows live events (deliveries, notices)
  notifications: null,
  live: null,
};

function navigate(path, replaceState = false) {
  if (replaceState) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  route();
}

window.addEventListener('popstate', () => route());
document.addEventListener('click', (e) => {
  const link = e.target.closest('a[data-route]');
  if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
  e.preventDefault();
  navigate(link.getAttribute('href'));
});

async function start() {
  root.classList.remove('loading');
  if (location.pathname === '/setup') {
    setupView();
    return;
  }
  const session = await get('/api/auth/session');
  if (!session || !session.user) {
    loginView();
    return;
  }
  await signedIn(session);
}

async function signedIn(session) {
  setCsrf(session.csrf_token);
  app.me = session.user;
  const { communities } = await get('/api/communities');
  app.communities = communities;
  await Promise.all(communities.map(async (c) => {
    const { channels } = await get(`/api/communities/${c.id}/channels`);
    app.channels.set(c.id, channels);
  }));
  layout();
  app.notifications = new Notifications(app, document.getElementById('notifications-slot'));
  await app.notifications.load();
  app.live = connectLive({
    onEvent: (event) => {
      app.chat?.onEvent(event);
      app.view?.onEvent?.(event);
      app.notifications?.onEvent(event);
    },
    onOpen: () => app.chat?.resync(),
    onStatus: (status) => {
      const el = document.getElementById('live-status');
      if (el) el.textContent = status === 'live' ? 'Live' : 'Reconnecting…';
    },
  });
  if (location.pathname === '/login' || location.pathname === '/setup') history.replaceState(null, '', '/');
  route();
}

function layout() {
  const menu = h('button', {
    type: 'button', class: 'menu-toggle', 'aria-expanded': 'false', 'aria-controls': 'sidebar',
    onClick: () => {
      const open = document.body.classList.toggle('sidebar-open');
      menu.setAttribute('aria-expanded', String(open));
    },
  }, 'Channels');
  const header = h('header', { class: 'topbar' },
    menu,
    h('a', { href: '/', 'data-route': true, class: 'brand' }, 'wasmhook'),
    h('nav', { 'aria-label': 'Main', class: 'mainnav' },
      h('a', { href: '/', 'data-route': true }, 'Chat'),
      h('a', { href: '/people', 'data-route': true }, 'People'),
      canUseStudio(app) && [
        h('a', { href: '/plugins', 'data-route': true }, 'Plugins'),
        h('a', { href: '/playground', 'data-route': true }, 'Playground'),
        h('a', { href: '/outgoing', 'data-route': true }, 'Outgoing'),
        h('a', { href: '/notices', 'data-route': true }, 'Notices'),
      ],
      h('a', { href: '/account', 'data-route': true }, 'Account')),
    h('span', { id: 'live-status', class: 'live-status', role: 'status' }, 'Connecting…'),
    h('div', { id: 'notifications-slot', class: 'notifications-slot' }),
    h('span', { class: 'me' }, app.me.display_name),
    h('button', { type: 'button', onClick: signOut }, 'Sign out'));
  const sidebar = h('nav', { id: 'sidebar', class: 'sidebar', 'aria-label': 'Communities and channels' });
  for (const community of app.communities) {
    const list = h('ul');
    for (const channel of app.channels.get(community.id) || []) {
      list.append(h('li', null, h('a', {
        href: `/channels/${channel.id}`, 'data-route': true, dataset: { channel: channel.id },
      }, `# ${channel.name}`)));
    }
    append(sidebar, [h('h2', null, community.name, ' ', h('span', { class: 'role' }, community.role)), list]);
  }
  replace(root,
    h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
    header,
    h('div', { class: 'layout' }, sidebar, h('main', { id: 'main', tabindex: '-1' })));
}

function route() {
  const main = document.getElementById('main');
  if (!main || !app.me) return;
  document.body.classList.remove('sidebar-open');
  const path = location.pathname;
  for (const a of document.querySelectorAll('.sidebar a, .mainnav a')) {
    const current = a.getAttribute('href') === path;
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const match = path.match(/^\/channels\/([0-9a-f-]{36})$/);
  if (match) {
    openChannel(main, match[1]);
    return;
  }
  app.chat?.close();
  app.chat = null;
  app.view?.close?.();
  app.view = null;
  if (studioRoute(main, path)) return;
  if (path === '/people') {
    peopleView(app, main);
  } else if (path === '/account') {
    accountView(app, main);
  } else {
    const first = app.communities.flatMap((c) => app.channels.get(c.id) || [])[0];
    if (first) navigate(`/channels/${first.id}`, true);
    else replace(main, h('p', null, 'You are not in any channel yet.'));
  }
}

/** The plugin studio's pages; false when `path` is none of them. */
function studioRoute(main, path) {
  const id = '([0-9a-f-]{36})';
  const show = (promise) => promise.catch((err) => {
    replace(main, h('p', { role: 'alert', class: 'form-error' }, err.message));
  });
  let m;
  if (path === '/plugins') show(pluginsView(app, main));
  else if (path === '/playground') show(playgroundView(app, main));
  else if (path === '/outgoing') show(outgoingView(app, main).then((v) => { app.view = v; }));
  else if (path === '/notices') app.view = new NoticesView(app, main);
  else if ((m = path.match(new RegExp(`^/webhooks/${id}/deliveries$`)))) app.view = new DeliveriesView(app, main, m[1]);
  else if ((m = path.match(new RegExp(`^/webhooks/${id}$`)))) show(webhookView(app, main, m[1]));
  else if ((m = path.match(new RegExp(`^/deliveries/${id}$`)))) show(deliveryView(app, main, m[1]));
  else return false;
  return true;
}

function openChannel(main, channelId) {
  let community = null;
  let channel = null;
  for (const c of app.communities) {
    const found = (app.channels.get(c.id) || []).find((ch) => ch.id === channelId);
    if (found) {
      community = c;
      channel = found;
    }
  }
  if (!channel) {
    replace(main, h('p', { role: 'alert' }, 'This channel does not exist or is not visible to you.'));
    return;
  }
  for (const a of document.querySelectorAll('.sidebar a')) {
    if (a.dataset.channel === channelId) a.setAttribute('aria-current', 'page');
  }
  if (app.chat?.channel.id === channelId) return;
  app.chat?.close();
  app.chat = new ChatView(app, main, community, channel);
}

async function signOut() {
  try {
    await del('/api/auth/session');
  } finally {
    location.assign('/login');
  }
}

function authCard(title, ...children) {
  replace(root, h('main', { id: 'main', class: 'auth' },
    h('div', { class: 'card' }, h('h1', null, title), ...children)));
}

function loginView() {
  if (location.pathname !== '/login') history.replaceState(null, '', '/login');
  const login = field('Username or email', { name: 'login', autocomplete: 'username' });
  const password = field('Password', { name: 'password', type: 'password', autocomplete: 'current-password' });
  const general = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'stack' }, login.row, password.row, general,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const session = await post('/api/auth/session', {
        login: login.input.value, password: password.input.value,
      });
      await signedIn(session);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      showError(err, { login, password }, general);
    }
  });
  authCard('Sign in to wasmhook', form);
  login.input.focus();
}

function setupView() {
  const token = location.hash.slice(1);
  const password = field('New password', { name: 'password', type: 'password', autocomplete: 'new-password' });
  const confirm = field('Repeat the password', { name: 'confirm', type: 'password', autocomplete: 'new-password' });
  const general = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'stack' },
    h('p', null, 'Choose the administrator password. This link works once.'),
    password.row, confirm.row, general,
    h('button', { type: 'submit', class: 'primary' }, 'Save password and sign in'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (password.input.value !== confirm.input.value) {
      showError({ field: 'confirm', message: 'The two passwords differ.' }, { password, confirm }, general);
      return;
    }
    try {
      const session = await post('/api/auth/setup', { token, password: password.input.value });
      history.replaceState(null, '', '/');
      await signedIn(session);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      showError(err, { password, confirm }, general);
    }
  });
  authCard('Welcome to wasmhook', form);
  password.input.focus();
}

start().catch((err) => {
  replace(root, h('p', { role: 'alert', class: 'form-error' }, `The app could not start: ${err.message}`));
});
