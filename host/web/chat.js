// The chat view of one channel: newest messages at the bottom, older pages when scrolled to
// the top (`before=`), new and edited messages live from the WebSocket.

import { ApiError, get } from './api.js';
import { h, replace, setSanitizedHtml, formatTime } from './dom.js';
import { openSettings } from './settings.js';

const PAGE = 50;

export class ChatView {
  constructor(app, main, community, channel) {
    this.app = app;
    this.community = community;
    this.channel = channel;
    this.nextBefore = null;
    this.loadingOlder = false;
    this.closed = false;
    const titleId = `channel-title-${channel.id}`;
    this.older = h('button', { type: 'button', class: 'older', hidden: true, onClick: () => this.loadOlder() },
      'Load older messages');
    this.list = h('div', { class: 'message-list' });
    this.scroller = h('div', {
      class: 'messages', role: 'log', 'aria-live': 'polite', 'aria-labelledby': titleId, tabindex: '0',
    }, this.older, this.list);
    this.scroller.addEventListener('scroll', () => {
      if (this.scroller.scrollTop < 60 && this.nextBefore) this.loadOlder();
    });
    replace(main, h('section', { class: 'channel', 'aria-labelledby': titleId },
      h('header', { class: 'channel-head' },
        h('h1', { id: titleId }, `# ${channel.name}`),
        h('span', { class: 'community' }, community.name),
        h('button', {
          type: 'button', class: 'settings-button',
          onClick: () => openSettings(app, community, channel),
        }, 'Channel settings')),
      this.scroller));
    this.load();
  }

  close() {
    this.closed = true;
  }

  async load() {
    try {
      const page = await get(`/api/channels/${this.channel.id}/messages?limit=${PAGE}`);
      if (this.closed) return;
      this.list.replaceChildren();
      for (const m of page.messages.slice().reverse()) this.list.append(this.render(m));
      this.setNextBefore(page.next_before);
      this.scrollToBottom();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      replace(this.list, h('p', { role: 'alert' }, err.message));
    }
  }

  /** After a reconnect: adds what arrived while the connection was down. */
  async resync() {
    if (this.closed) return;
    const page = await get(`/api/channels/${this.channel.id}/messages?limit=${PAGE}`);
    for (const m of page.messages.slice().reverse()) this.upsert(m, false);
  }

  setNextBefore(id) {
    this.nextBefore = id || null;
    this.older.hidden = !this.nextBefore;
  }

  async loadOlder() {
    if (this.loadingOlder || !this.nextBefore) return;
    this.loadingOlder = true;
    try {
      const page = await get(`/api/channels/${this.channel.id}/messages?limit=${PAGE}&before=${this.nextBefore}`);
      const height = this.scroller.scrollHeight;
      const nodes = page.messages.slice().reverse().map((m) => this.render(m));
      this.list.prepend(...nodes);
      this.scroller.scrollTop += this.scroller.scrollHeight - height;
      this.setNextBefore(page.next_before);
    } finally {
      this.loadingOlder = false;
    }
  }

  onEvent(event) {
    const m = event.data;
    if (!m || m.channel_id !== this.channel.id) return;
    if (event.type === 'message.created' || event.type === 'message.updated') {
      this.upsert(m, event.type === 'message.created');
    }
  }

  upsert(m, follow) {
    const existing = this.list.querySelector(`[data-message-id="${m.id}"]`);
    const node = this.render(m);
    if (existing) {
      existing.replaceWith(node);
      return;
    }
    const atBottom = this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < 80;
    this.list.append(node);
    if (follow && atBottom) this.scrollToBottom();
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  render(m) {
    const sender = m.sender || {};
    const name = sender.display_name || 'Unknown';
    const webhook = m.kind === 'webhook';
    const avatarUrl = typeof sender.avatar_url === 'string' && /^https?:\/\//i.test(sender.avatar_url)
      ? sender.avatar_url : null;
    const initial = h('span', { class: 'avatar initial', 'aria-hidden': 'true' }, name.slice(0, 1).toUpperCase());
    let avatar = initial;
    if (avatarUrl) {
      avatar = h('img', {
        class: 'avatar', src: avatarUrl, alt: '', width: 36, height: 36, referrerpolicy: 'no-referrer',
        onError: () => avatar.replaceWith(initial),
      });
    }
    const content = h('div', { class: 'content' });
    if (typeof m.content_html === 'string') setSanitizedHtml(content, m.content_html);
    else content.textContent = m.content;
    const me = this.app.me;
    for (const mention of content.querySelectorAll('.mention')) {
      if (mention.dataset.username === me.username || mention.dataset.email === me.email.toLowerCase()) {
        mention.classList.add('mention-me');
      }
    }
    return h('article', {
      class: `message${webhook ? ' from-webhook' : ''}`, dataset: { messageId: m.id },
      'aria-label': `Message from ${name}`,
    },
    avatar,
    h('div', { class: 'body' },
      h('header', null,
        h('span', { class: 'sender' }, name),
        webhook && h('span', { class: 'badge webhook-badge', title: 'Posted through a webhook; stored unencrypted' },
          'Webhook · not E2EE'),
        h('time', { datetime: m.created_at }, formatTime(m.created_at)),
        m.edited_at && h('span', { class: 'edited', title: `Edited ${formatTime(m.edited_at)}` }, '(edited)')),
      content));
  }
}
