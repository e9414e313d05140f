// People: owners and admins create users (joining the community and, in the same step, its
// channels such as `general`), add members to channels and set their roles.

import { ApiError, get, post } from './api.js';
import { h, replace, field, showError, uid } from './dom.js';

export async function peopleView(app, main) {
  const managed = app.communities.filter((c) => c.role === 'owner' || c.role === 'admin');
  if (!managed.length) {
    replace(main, h('section', { class: 'page' }, h('h1', null, 'People'),
      h('p', null, 'Only community owners and admins manage people.')));
    return;
  }
  const pickerId = uid('community');
  const picker = h('select', { id: pickerId },
    managed.map((c) => h('option', { value: c.id }, c.name)));
  const body = h('div');
  replace(main, h('section', { class: 'page people' },
    h('h1', null, 'People'),
    managed.length > 1 && h('div', { class: 'field' }, h('label', { for: pickerId }, 'Community'), picker),
    body));
  const show = () => communityPeople(app, managed.find((c) => c.id === picker.value) || managed[0], body);
  picker.addEventListener('change', show);
  await show();
}

async function communityPeople(app, community, body) {
  const channels = app.channels.get(community.id) || [];
  const status = h('p', { class: 'status', role: 'status' });
  const table = h('div', { class: 'members' });
  const roles = community.role === 'owner' ? ['member', 'admin', 'owner'] : ['member', 'admin'];

  const load = async () => {
    const { members } = await get(`/api/communities/${community.id}/members`);
    replace(table, h('table', null,
      h('caption', null, `Members of ${community.name}`),
      h('thead', null, h('tr', null, ['User', 'Email', 'Role', 'Channels'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, members.map((m) => memberRow(m)))));
  };

  const memberRow = (m) => {
    const roleId = uid('role');
    const role = h('select', { id: roleId }, roles.map((r) => h('option', { value: r, selected: r === m.role }, r)));
    if (m.role === 'owner' && community.role !== 'owner') role.disabled = true;
    const saveRole = h('button', {
      type: 'button',
      onClick: async () => {
        try {
          await post(`/api/communities/${community.id}/members`, { user_id: m.id, role: role.value });
          status.textContent = `${m.username} is now ${role.value}.`;
        } catch (err) {
          status.textContent = err.message;
        }
      },
    }, 'Save role');
    const missing = channels.filter((c) => !m.channel_ids.includes(c.id));
    const addId = uid('add');
    const addSelect = h('select', { id: addId }, missing.map((c) => h('option', { value: c.id }, `# ${c.name}`)));
    const add = missing.length && h('span', { class: 'inline' },
      h('label', { for: addId, class: 'visually-hidden' }, `Channel to add ${m.username} to`), addSelect,
      h('button', {
        type: 'button',
        onClick: async () => {
          try {
            await post(`/api/channels/${addSelect.value}/members`, { user_id: m.id });
            status.textContent = `${m.username} added to the channel.`;
            await load();
          } catch (err) {
            status.textContent = err.message;
          }
        },
      }, 'Add to channel'));
    const names = channels.filter((c) => m.channel_ids.includes(c.id)).map((c) => `# ${c.name}`).join(', ');
    return h('tr', null,
      h('th', { scope: 'row' }, m.display_name, h('br'), h('span', { class: 'muted' }, `@${m.username}`)),
      h('td', null, m.email),
      h('td', null, h('label', { for: roleId, class: 'visually-hidden' }, `Role of ${m.username}`), role, saveRole),
      h('td', null, names || '—', h('br'), add));
  };

  const fields = {
    username: field('Username', { name: 'username', autocomplete: 'off' }),
    email: field('Email', { name: 'email', type: 'email', autocomplete: 'off' }),
    display_name: field('Display name', { name: 'display_name', autocomplete: 'off' }),
    password: field('Initial password', { name: 'password', type: 'password', autocomplete: 'new-password' }),
  };
  const roleField = field('Role', { name: 'role' }, 'select');
  for (const r of ['member', 'admin']) roleField.input.append(h('option', { value: r }, r));
  const channelBoxes = channels.map((c) => {
    const id = uid('ch');
    const box = h('input', { type: 'checkbox', id, value: c.id, checked: c.name === 'general' });
    return { box, row: h('span', { class: 'check' }, box, h('label', { for: id }, `# ${c.name}`)) };
  });
  const general = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'stack', novalidate: true },
    Object.values(fields).map((f) => f.row), roleField.row,
    h('fieldset', null, h('legend', null, 'Add to channels'), channelBoxes.map((c) => c.row)),
    general,
    h('button', { type: 'submit', class: 'primary' }, 'Create user'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const values = {
      username: fields.username.input.value,
      email: fields.email.input.value,
      password: fields.password.input.value,
      community_id: community.id,
      role: roleField.input.value,
    };
    if (fields.display_name.input.value) values.display_name = fields.display_name.input.value;
    try {
      showError(null, fields, general);
      const user = await post('/api/users', values);
      for (const { box } of channelBoxes) {
        if (box.checked) await post(`/api/channels/${box.value}/members`, { user_id: user.id });
      }
      status.textContent = `User ${user.username} created.`;
      form.reset();
      await load();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      showError(err, fields, general);
    }
  });
  replace(body, status, table,
    h('section', { class: 'card', 'aria-label': 'New user' }, h('h2', null, 'Create a user'), form));
  await load();
}
