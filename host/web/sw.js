// The service worker: shows Web Push messages (mentions while the app is closed) and opens
// the channel when one is clicked. The payload is the server's `notification.created` event
// with a `title` and `body`.

self.addEventListener('push', (event) => {
  let payload = {};
  try {
    payload = event.data ? event.data.json() : {};
  } catch {
    payload = { body: event.data ? event.data.text() : '' };
  }
  const notification = payload.data || {};
  const channel = notification.message && notification.message.channel_id;
  event.waitUntil(self.registration.showNotification(payload.title || 'wasmhook', {
    body: payload.body || '',
    tag: notification.id,
    data: { url: channel ? `/channels/${channel}` : '/' },
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || '/';
  event.waitUntil(self.clients.matchAll({ type: 'window' }).then((windows) => {
    for (const client of windows) {
      if ('focus' in client) {
        client.navigate(url);
        return client.focus();
      }
    }
    return self.clients.openWindow(url);
  }));
});
