// `Issue Hook` and `Note Hook` (and their confidential variants): issues and comments.

import { UnsupportedEvent } from 'wasmhook-sdk';

import { excerpt, firstLine, maybeCodeLink, maybeLink, obj, shortSha, str, text, title } from './markup.js';

const ACTION_OF_STATE = { opened: 'open', closed: 'close', reopened: 'reopen' };
const VERBS = { open: 'opened', close: 'closed', reopen: 'reopened' };

/**
 * Renders an `Issue Hook` (`confidential`: a `Confidential Issue Hook`, whose text stays out).
 * @returns {{post: string}}
 */
export function issue(payload, context, confidential) {
  const attrs = obj(payload.object_attributes);
  const action = str(attrs.action) || ACTION_OF_STATE[str(attrs.state)] || '';
  if (!(action in VERBS)) {
    throw new UnsupportedEvent(`GitLab issue action ${JSON.stringify(action)} is not rendered`);
  }
  const secret = confidential || attrs.confidential === true;
  const iid = str(attrs.iid);
  const url = str(attrs.url) || (iid ? context.projectPath(`/-/issues/${iid}`) : '');
  const kind = str(attrs.type) === 'Incident' || str(attrs.issue_type) === 'incident' ? 'incident' : 'issue';
  let content = `${secret ? '🔒 ' : ''}${context.user(payload.user)} ${VERBS[action]} ${secret ? 'confidential ' : ''}${kind} ${maybeLink(`#${iid} ${title(attrs.title)}`, url)} in ${context.project()}`;
  if (action === 'open') {
    content += context.people('Assignees', payload.assignees);
    if (!secret) content += excerpt(attrs.description);
  }
  return { post: content };
}

/**
 * Renders a `Note Hook` (`confidential`: a `Confidential Note Hook`, an internal note whose text
 * stays out).
 * @returns {{post: string}}
 */
export function note(payload, context, confidential) {
  const attrs = obj(payload.object_attributes);
  const action = str(attrs.action);
  if (action && action !== 'create') {
    throw new UnsupportedEvent(`GitLab note action ${JSON.stringify(action)} is not rendered`);
  }
  const url = str(attrs.url);
  const type = str(attrs.noteable_type);
  let on;
  if (type === 'MergeRequest') {
    const mr = obj(payload.merge_request);
    on = `merge request ${maybeLink(`!${str(mr.iid)} ${title(mr.title)}`, url)}`;
  } else if (type === 'Issue') {
    const i = obj(payload.issue);
    on = `issue ${maybeLink(`#${str(i.iid)} ${title(i.title)}`, url)}`;
  } else if (type === 'Commit') {
    const c = obj(payload.commit);
    const sha = str(c.id) || str(attrs.commit_id);
    on = `commit ${maybeCodeLink(shortSha(sha), url)} ${text(title(firstLine(str(c.title) || str(c.message))))}`.trimEnd();
  } else if (type === 'Snippet') {
    const s = obj(payload.snippet);
    on = `snippet ${maybeLink(`$${str(s.id)} ${title(s.title)}`, url)}`;
  } else {
    throw new UnsupportedEvent(`GitLab note on ${JSON.stringify(type)} is not rendered`);
  }
  const internal = confidential || attrs.internal === true || attrs.confidential === true;
  const who = context.user(payload.user);
  if (internal) return { post: `🔒 ${who} added an internal note on ${on} in ${context.project()}` };
  return { post: `${who} commented on ${on} in ${context.project()}${excerpt(attrs.note)}` };
}
