// Mention notifications: the bell with the unread count, a list that updates live, and
// mark-as-read.

import { get, post } from './api.js';
import { h, replace, formatTime } from './dom.js';

export class Notifications {
  constructor(app, slot) {
    this.app = app;
    this.items = [];
    this.count = h('span', { class: 'count', 'aria-hidden': 'true' });
    this.button = h('button', {
      type: 'button', class: 'bell', 'aria-expanded': 'false', 'aria-controls': 'notifications-panel',
      onClick: () => this.toggle(),
    }, 'Notifications ', this.count);
    this.list = h('ul', { class: 'notification-list' });
    this.panel = h('section', {
      id: 'notifications-panel', class: 'notifications-panel', 'aria-label': 'Notifications', hidden: true,
    }, h('h2', null, 'Notifications'), this.list);
    this.panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        this.toggle(false);
        this.button.focus();
      }
    });
    replace(slot, this.button, this.panel);
  }

  async load() {
    const { notifications } = await get('/api/notifications?limit=50');
    this.items = notifications;
    this.render();
  }

  onEvent(event) {
    if (event.type !== 'notification.created') return;
    if (this.items.some((n) => n.id === event.data.id)) return;
    this.items.unshift(event.data);
    this.render();
  }

  toggle(open = this.panel.hidden) {
    this.panel.hidden = !open;
    this.button.setAttribute('aria-expanded', String(open));
  }

  render() {
    const unread = this.items.filter((n) => !n.read).length;
    this.count.textContent = unread ? String(unread) : '';
    this.button.setAttribute('aria-label', `Notifications, ${unread} unread`);
    if (!this.items.length) {
      replace(this.list, h('li', { class: 'empty' }, 'No notifications yet.'));
      return;
    }
    replace(this.list, this.items.map((n) => h('li', { class: n.read ? 'read' : 'unread' },
      h('a', {
        href: `/channels/${n.message.channel_id}`, 'data-route': true,
        onClick: () => {
          this.toggle(false);
          if (!n.read) this.markRead(n);
        },
      },
      h('strong', null, `${n.message.sender_display_name} mentioned you`),
      h('span', { class: 'excerpt' }, n.message.content.slice(0, 200)),
      h('time', { datetime: n.created_at }, formatTime(n.created_at))),
      !n.read && h('button', { type: 'button', onClick: () => this.markRead(n) }, 'Mark as read'))));
  }

  async markRead(n) {
    await post(`/api/notifications/${n.id}/read`);
    n.read = true;
    this.render();
  }
}
