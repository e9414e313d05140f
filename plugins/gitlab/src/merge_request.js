// `Merge Request Hook`: opened, merged, closed, reopened, approvals, new commits.

import { UnsupportedEvent } from 'wasmhook-sdk';

import { code, excerpt, link, obj, str, text, title } from './markup.js';

/** The action of old payloads, which have only a `state`. */
const ACTION_OF_STATE = { opened: 'open', closed: 'close', merged: 'merge', reopened: 'reopen' };

/** The rendered actions and their wording. */
const VERBS = {
  open: 'opened',
  reopen: 'reopened',
  close: 'closed',
  merge: 'merged',
  approval: 'approved',
  approved: 'approved',
  unapproval: 'revoked their approval of',
  unapproved: 'revoked their approval of',
  update: 'pushed to',
};

/**
 * Renders a `Merge Request Hook`.
 * @returns {{post: string} | {skip: string}}
 */
export function mergeRequest(payload, context) {
  const mr = obj(payload.object_attributes);
  const action = str(mr.action) || ACTION_OF_STATE[str(mr.state)] || '';
  // `update` is sent for every edit (title, labels, assignees...): only new commits are posted.
  if (!(action in VERBS) || (action === 'update' && !str(mr.oldrev))) {
    const what = action === 'update' ? '"update" without new commits' : JSON.stringify(action);
    throw new UnsupportedEvent(`GitLab merge request action ${what} is not rendered`);
  }
  const target = str(mr.target_branch);
  const reason = target ? context.config.branchSkipReason(target) : null;
  if (reason) return { skip: reason };

  const iid = str(mr.iid);
  const url = str(mr.url) || (iid ? context.projectPath(`/-/merge_requests/${iid}`) : '');
  const label = `!${iid} ${title(mr.title)}`;
  const mrLink = url ? link(label, url) : text(label);
  const who = context.user(payload.user);
  let content = `${who} ${VERBS[action]} merge request ${mrLink}`;
  if (action === 'merge') content += ` into ${code(target)}`;
  content += ` in ${context.project()}`;
  if (action === 'open' || action === 'reopen') {
    const source = str(mr.source_branch);
    if (source && target) content += `: ${code(source)} → ${code(target)}`;
    if (mr.draft === true || mr.work_in_progress === true) content += ' (draft)';
    content += context.people('Reviewers', payload.reviewers) + context.people('Assignees', payload.assignees);
    if (action === 'open') content += excerpt(mr.description);
  }
  if (action === 'update') {
    const commit = obj(mr.last_commit);
    const sha = str(commit.id).slice(0, 8);
    if (sha) content += `, now at ${code(sha)}: ${text(title(str(commit.title) || str(commit.message).split('\n')[0]))}`;
  }
  return { post: content };
}
