// `Push Hook` and `Tag Push Hook`: commits, new and deleted branches, tags.

import { code, codeLink, excerpt, firstLine, link, list, obj, plural, shortSha, str, text, title, withList } from './markup.js';

const ZERO = /^0+$/;

/** `{kind, name}` of a ref: a branch, a tag, or another ref. */
function parseRef(ref) {
  if (ref.startsWith('refs/heads/')) return { kind: 'branch', name: ref.slice('refs/heads/'.length) };
  if (ref.startsWith('refs/tags/')) return { kind: 'tag', name: ref.slice('refs/tags/'.length) };
  return { kind: 'ref', name: ref };
}

/** The pusher of a push or tag push payload. */
const pusher = (payload, context) => context.person(str(payload.user_name), str(payload.user_username));

/**
 * Renders a `Push Hook`.
 * @returns {{post: string} | {skip: string}}
 */
export function push(payload, context) {
  const { kind, name } = parseRef(str(payload.ref));
  if (kind === 'branch') {
    const reason = context.config.branchSkipReason(name);
    if (reason) return { skip: reason };
  }
  const who = pusher(payload, context);
  const project = context.project();
  const before = str(payload.before);
  const after = str(payload.after);
  if (ZERO.test(after)) return { post: `${who} deleted ${kind} ${code(name)} in ${project}` };

  const commits = list(payload.commits);
  const total = Math.max(typeof payload.total_commits_count === 'number' ? payload.total_commits_count : 0, commits.length);
  const nameLink = maybeTree(context, kind, name);
  let content;
  if (ZERO.test(before)) {
    const withCommits = total > 0 ? ` with ${plural(total, 'commit')}` : '';
    content = `${who} created ${kind} ${nameLink} in ${project}${withCommits}`;
  } else if (total === 0) {
    content = `${who} pushed to ${kind} ${nameLink} in ${project}, now at ${code(shortSha(after))}`;
  } else {
    const compareUrl = before && after ? context.projectPath(`/-/compare/${before}...${after}`) : '';
    const compare = compareUrl ? ` (${link('compare', compareUrl)})` : '';
    content = `${who} pushed ${plural(total, 'commit')} to ${nameLink} in ${project}${compare}`;
  }
  return { post: withList(content, commits.map(commitLine), 'commits', { hidden: total - commits.length }) };
}

/** A branch name linked to its tree, when the project URL is known. */
function maybeTree(context, kind, name) {
  const url = kind === 'branch' ? context.projectPath(`/-/tree/${name}`) : '';
  return url ? codeLink(name, url) : code(name);
}

/** `- [`b6568db1`](url) First line — Author`. */
function commitLine(commit) {
  const c = obj(commit);
  const sha = shortSha(c.id);
  const shaText = str(c.url) ? codeLink(sha, c.url) : code(sha);
  const line = text(title(firstLine(str(c.title) || str(c.message))));
  const author = str(obj(c.author).name);
  return author ? `- ${shaText} ${line} — ${text(author)}` : `- ${shaText} ${line}`;
}

/**
 * Renders a `Tag Push Hook`.
 * @returns {{post: string}}
 */
export function tagPush(payload, context) {
  const { name } = parseRef(str(payload.ref));
  const who = pusher(payload, context);
  const project = context.project();
  if (ZERO.test(str(payload.after))) return { post: `${who} deleted tag ${code(name)} in ${project}` };
  const tagUrl = context.projectPath(`/-/tags/${name}`);
  const tag = tagUrl ? codeLink(name, tagUrl) : code(name);
  const sha = str(payload.checkout_sha) || str(payload.after);
  const commitUrl = sha ? context.projectPath(`/-/commit/${sha}`) : '';
  const at = sha ? ` at ${commitUrl ? codeLink(shortSha(sha), commitUrl) : code(shortSha(sha))}` : '';
  const verb = ZERO.test(str(payload.before)) ? 'pushed new tag' : 'moved tag';
  return { post: `${who} ${verb} ${tag}${at} in ${project}${excerpt(payload.message)}` };
}
