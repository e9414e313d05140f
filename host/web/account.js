// Account: change one's password, and the Web Push opt-in (service worker plus the push
// subscription API) for mentions while the app is closed.

import { ApiError, get, post, patch, del } from './api.js';
import { h, replace, field, showError } from './dom.js';

export function accountView(app, main) {
  const fields = {
    current_password: field('Current password', { type: 'password', autocomplete: 'current-password' }),
    new_password: field('New password', { type: 'password', autocomplete: 'new-password' }),
  };
  const general = h('p', { class: 'form-error', role: 'alert' });
  const status = h('p', { class: 'status', role: 'status' });
  const form = h('form', { class: 'stack', novalidate: true },
    Object.values(fields).map((f) => f.row), general,
    h('button', { type: 'submit', class: 'primary' }, 'Change password'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      showError(null, fields, general);
      await post('/api/me/password', {
        current_password: fields.current_password.input.value,
        new_password: fields.new_password.input.value,
      });
      form.reset();
      status.textContent = 'Password changed. Other browsers were signed out.';
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      showError(err, fields, general);
    }
  });
  const push = h('div');
  replace(main, h('section', { class: 'page account' },
    h('h1', null, 'Account'),
    h('p', null, `Signed in as ${app.me.display_name} (@${app.me.username}, ${app.me.email}).`),
    h('section', { class: 'card', 'aria-label': 'Password' }, h('h2', null, 'Password'), form, status),
    h('section', { class: 'card', 'aria-label': 'Push notifications' },
      h('h2', null, 'Push notifications'),
      h('p', null, 'Get a notification on this device when someone mentions you while wasmhook is closed.'),
      push)));
  pushControls(app, push);
}

function urlBase64ToBytes(text) {
  const base64 = (text + '='.repeat((4 - (text.length % 4)) % 4)).replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

async function pushControls(app, slot) {
  const status = h('p', { class: 'status', role: 'status' });
  if (!('serviceWorker' in navigator) || !('PushManager' in window)) {
    replace(slot, h('p', null, 'This browser does not support push notifications (they also need HTTPS).'));
    return;
  }
  const registration = await navigator.serviceWorker.register('/sw.js');
  const render = async () => {
    const subscription = await registration.pushManager.getSubscription();
    const enabled = Boolean(subscription) && app.me.push_enabled;
    replace(slot, h('button', {
      type: 'button', class: enabled ? '' : 'primary',
      onClick: () => (enabled ? disable(subscription) : enable()).then(render, (err) => {
        status.textContent = err.message;
      }),
    }, enabled ? 'Turn off push notifications' : 'Turn on push notifications'), status);
  };
  const enable = async () => {
    if ((await Notification.requestPermission()) !== 'granted') {
      throw new Error('Notifications are blocked for this site in the browser settings.');
    }
    const { public_key: key } = await get('/api/push/vapid-key');
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true, applicationServerKey: urlBase64ToBytes(key),
    });
    await post('/api/me/push-subscriptions', subscription.toJSON());
    app.me = await patch('/api/me', { push_enabled: true });
    status.textContent = 'Push notifications are on for this browser.';
  };
  const disable = async (subscription) => {
    const { subscriptions } = await get('/api/me/push-subscriptions');
    const mine = (subscriptions || []).find((s) => s.endpoint === subscription?.endpoint);
    if (mine) await del(`/api/me/push-subscriptions/${mine.id}`);
    await subscription?.unsubscribe();
    app.me = await patch('/api/me', { push_enabled: false });
    status.textContent = 'Push notifications are off.';
  };
  await render();
}
