// Writes the GitLab plugin's fixture cases, tests/fixtures/gitlab/<case>/, from the real
// payloads in ../shared/fixtures (see its MANIFEST.tsv) and synthetic variants of them. Run from
// the workspace root:
//
//   node plugins/gitlab/scripts/make-cases.mjs
//   UPDATE_GOLDEN=1 npm --prefix plugins/gitlab test   # then review every expected.json
//
// Existing expected.json files are kept; everything else in a case directory is rewritten.

import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';


const SRC = '../shared/fixtures';
const OUT = 'tests/fixtures/gitlab';
const COLS = ['source_repo', 'source_path', 'source_commit_or_version', 'license', 'notes'];
const JSON_TYPE = ['Content-Type', 'application/json'];
const ZERO = '0000000000000000000000000000000000000000';

/** MANIFEST.tsv rows by local_path (fields may be double-quoted, with "" for a quote). */
function manifest() {
  const [head, ...rows] = readFileSync(`${SRC}/MANIFEST.tsv`, 'utf8').trimEnd().split('\n').map((line) =>
    line.split('\t').map((f) => (f.startsWith('"') && f.endsWith('"') ? f.slice(1, -1).replaceAll('""', '"') : f)),
  );
  return new Map(rows.map((r) => [r[0], Object.fromEntries(head.map((h, i) => [h, r[i]]))]));
}
const rows = manifest();

function sourceTxt(local, derived) {
  const row = rows.get(local);
  const lines = [`local_path: ${local}`, ...COLS.map((c) => `${c}: ${row[c]}`)];
  if (derived) lines.push(`derived: ${derived}`);
  return `${lines.join('\n')}\n`;
}

/** The HTTP body of a payload file: gitter-services files wrap it as {"headers", "body"}. */
function raw(local) {
  const data = readFileSync(`${SRC}/${local}`);
  return local.startsWith('gitter-services/') ? `${JSON.stringify(JSON.parse(data).body, null, 2)}\n` : data;
}
const load = (local) => JSON.parse(raw(local));
const body = (value) => `${JSON.stringify(value, null, 2)}\n`;
const event = (name, ...more) => [['X-Gitlab-Event', name], JSON_TYPE, ...more];

function writeCase(name, { body: bytes, headers, config, source }) {
  const dir = join(OUT, name);
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(dir)) if (file !== 'expected.json') rmSync(join(dir, file));
  writeFileSync(join(dir, 'request.json'), bytes);
  writeFileSync(join(dir, 'headers.txt'), headers.map(([k, v]) => `${k}: ${v}\n`).join(''));
  if (config !== undefined) writeFileSync(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(join(dir, 'source.txt'), source);
}

const PUSH = 'gitter-services/gitlab/push.json';
const MR = 'gitter-services/gitlab/merge_request_opened.json';
const ISSUE = 'gitter-services/gitlab/issue_opened.json';
const MR_OLD = 'idobata-hooks/gitlab/merge_request.json';
const PIPELINE = 'idobata-hooks/gitlab/pipeline.json';

// ---- Every real payload, with the header its sender sends.
for (const [name, local] of [
  ['push-old-format', PUSH],
  ['merge-request-opened', MR],
  ['issue-opened', ISSUE],
  ['merge-request-opened-old-format', MR_OLD],
  ['pipeline-failed', PIPELINE],
]) {
  const header = rows.get(local).event_header.replace(/^X-Gitlab-Event: /, '');
  writeCase(name, { body: raw(local), headers: event(header), source: sourceTxt(local) });
}

/** A synthetic case derived from `local` by `change(payload)`. */
function derived(name, local, why, change, { headers, config } = {}) {
  const payload = load(local);
  const changed = change(payload) ?? payload;
  const header = rows.get(local).event_header.replace(/^X-Gitlab-Event: /, '');
  writeCase(name, {
    body: typeof changed === 'string' ? changed : body(changed),
    headers: headers ?? event(header),
    config,
    source: sourceTxt(local, `synthetic: ${why}`),
  });
}

// The push payload in the current format: GitLab adds object_kind, user_username and project.
const PROJECT = {
  id: 15,
  name: 'Diaspora',
  description: '',
  web_url: 'http://localhost/mike/diaspora',
  avatar_url: null,
  git_ssh_url: 'git@localhost:mike/diaspora.git',
  git_http_url: 'http://localhost/mike/diaspora.git',
  namespace: 'Mike',
  visibility_level: 0,
  path_with_namespace: 'mike/diaspora',
  default_branch: 'master',
};
const currentPush = (p) => ({ object_kind: 'push', event_name: 'push', ...p, user_username: 'jsmith', project: PROJECT });

// ---- Push
derived('push', PUSH, 'current push format: object_kind, user_username and project added', currentPush);
derived('push-branch-created', PUSH, 'current format; before is all zeros (new branch feature/x with 2 commits)', (p) => ({
  ...currentPush(p), ref: 'refs/heads/feature/x', before: ZERO, total_commits_count: 2,
}));
derived('push-branch-deleted', PUSH, 'current format; after is all zeros, no commits (branch deleted)', (p) => ({
  ...currentPush(p), after: ZERO, checkout_sha: null, commits: [], total_commits_count: 0,
}));
derived('push-mention-injection', PUSH, 'current format; commit message with @everyone, a <@email> mention and Markdown', (p) => {
  const push = currentPush(p);
  push.commits[0].message = 'Fix @everyone and <@admin@example.com> *bold* [link](http://x)\n\nbody';
  return push;
});
derived('push-oversized', PUSH, 'current format; 20 commits (GitLab lists at most 20) with long titles, total_commits_count 300', (p) => {
  const push = currentPush(p);
  push.commits = Array.from({ length: 20 }, (_, i) => ({
    id: (i + 1).toString(16).repeat(40).slice(0, 40),
    message: `Commit number ${i} ${'with a very long first line that goes on and on '.repeat(5)}\n\nbody`,
    title: `Commit number ${i} ${'with a very long first line that goes on and on '.repeat(5)}`.trim(),
    timestamp: '2012-01-03T23:36:29+02:00',
    url: `http://localhost/mike/diaspora/-/commit/${(i + 1).toString(16).repeat(40).slice(0, 40)}`,
    author: { name: 'A Rather Long Author Name', email: 'author@example.com' },
  }));
  push.total_commits_count = 300;
  return push;
});
derived('branches-filter-skipped', PUSH, 'current format; config branches not matching master', currentPush, {
  config: { branches: ['main', 'release/*'] },
});
derived('branches-filter-matched', PUSH, 'current format; config branches matching master', currentPush, {
  config: { branches: ['mast?r', 'release/*'] },
});
derived('system-hook-push', PUSH, 'current format, sent by a system hook (X-Gitlab-Event: System Hook)', currentPush, {
  headers: event('System Hook'),
});

// ---- Tag push (GitLab's tag push payload is the push payload with object_kind tag_push).
const tagPush = (p) => ({
  ...currentPush(p), object_kind: 'tag_push', event_name: 'tag_push', ref: 'refs/tags/v1.0.0', before: ZERO,
  checkout_sha: p.after, message: 'Release 1.0\n\nFirst *stable* release', commits: [], total_commits_count: 0,
});
derived('tag-push', PUSH, 'tag push: object_kind tag_push, ref refs/tags/v1.0.0, before all zeros, annotated tag message', tagPush, {
  headers: event('Tag Push Hook'),
});
derived('tag-push-deleted', PUSH, 'tag push: ref refs/tags/v1.0.0, after all zeros (tag deleted)', (p) => ({
  ...tagPush(p), before: p.after, after: ZERO, checkout_sha: null, message: null,
}), { headers: event('Tag Push Hook') });

// ---- Merge requests
const mrAction = (action, state, extra = {}) => (p) => {
  Object.assign(p.object_attributes, { action, state, ...extra });
};
derived('merge-request-merged', MR, 'action merge, state merged', mrAction('merge', 'merged'));
derived('merge-request-closed', MR, 'action close, state closed', mrAction('close', 'closed'));
derived('merge-request-approved', MR, 'action approved', mrAction('approved', 'opened'));
derived('merge-request-update-commits', MR, 'action update with oldrev (new commits pushed)', mrAction('update', 'opened', {
  oldrev: '95790bf891e76fee5e1747ab589903a6a1f80f22',
}));
derived('merge-request-update-ignored', MR, 'action update without oldrev (an edit)', mrAction('update', 'opened'));
derived('merge-request-reviewers-mentioned', MR, 'reviewers added; config mentions maps the author and a reviewer', (p) => {
  p.reviewers = [
    { id: 2, name: 'Ada Lovelace', username: 'ada', avatar_url: null },
    { id: 3, name: 'Grace Hopper', username: 'grace', avatar_url: null },
  ];
}, { config: { mentions: { ScriptNull: 'vishnu', ada: 'ada@example.com' } } });

// ---- Issues and notes
derived('issue-closed', ISSUE, 'action close, state closed', (p) => {
  Object.assign(p.object_attributes, { action: 'close', state: 'closed' });
});
derived('issue-confidential', ISSUE, 'sent as Confidential Issue Hook with confidential true: no description', (p) => {
  p.object_attributes.confidential = true;
}, { headers: event('Confidential Issue Hook') });
derived('issue-update-ignored', ISSUE, 'action update', (p) => {
  p.object_attributes.action = 'update';
});
derived('note-on-merge-request', MR, 'a Note Hook: a comment on this merge request', (p) => ({
  object_kind: 'note',
  event_type: 'note',
  user: p.user,
  project_id: 1568499,
  project: p.project,
  object_attributes: {
    id: 1244,
    note: 'Looks good, but see @everyone:\n- `a`\n- *b*',
    noteable_type: 'MergeRequest',
    author_id: 187606,
    created_at: '2016-09-03 18:30:00 UTC',
    updated_at: '2016-09-03 18:30:00 UTC',
    project_id: 1568499,
    noteable_id: 814760,
    system: false,
    url: 'https://gitlab.com/scriptnull/gitlab-for-gitter/merge_requests/2#note_1244',
  },
  repository: p.repository,
  merge_request: p.object_attributes,
}), { headers: event('Note Hook') });

// ---- Pipelines and jobs
derived('pipeline-success', PIPELINE, 'status success, every job success', (p) => {
  p.object_attributes.status = 'success';
  for (const build of p.builds) build.status = 'success';
});
derived('pipeline-running-skipped', PIPELINE, 'status running (not in the default pipeline_statuses)', (p) => {
  p.object_attributes.status = 'running';
});
derived('pipeline-failed-mention-on-failure', PIPELINE, 'current format (url, allow_failure, failure_reason, merge_request); config mention_on_failure', (p) => {
  p.object_attributes.url = 'http://192.168.64.1:3005/gitlab-org/gitlab-test/-/pipelines/31';
  p.merge_request = { id: 1, iid: 1, title: 'Test', source_branch: 'test', target_branch: 'master', state: 'opened', merge_status: 'can_be_merged', url: 'http://192.168.64.1:3005/gitlab-org/gitlab-test/-/merge_requests/1' };
  for (const build of p.builds) build.allow_failure = false;
  p.builds[3].failure_reason = 'script_failure';
  p.builds[1].status = 'failed';
  p.builds[1].allow_failure = true;
}, { config: { mention_on_failure: ['oncall', 'sre-lead@example.com'] } });
derived('job-failed', PIPELINE, 'a Job Hook for the failed job "staging" of this pipeline, in GitLab\'s job payload format', (p) => ({
  object_kind: 'build',
  ref: p.object_attributes.ref,
  tag: false,
  before_sha: p.object_attributes.before_sha,
  sha: p.object_attributes.sha,
  build_id: 379,
  build_name: 'staging',
  build_stage: 'deploy',
  build_status: 'failed',
  build_created_at: '2016-08-12 15:23:28 UTC',
  build_started_at: '2016-08-12 15:25:28 UTC',
  build_finished_at: '2016-08-12 15:26:29 UTC',
  build_duration: 61.2,
  build_allow_failure: false,
  build_failure_reason: 'script_failure',
  pipeline_id: p.object_attributes.id,
  project_id: p.project.id,
  project_name: 'Gitlab Org / Gitlab Test',
  user: p.user,
  commit: {
    id: p.object_attributes.id,
    sha: p.commit.id,
    message: p.commit.message,
    author_name: p.commit.author.name,
    author_email: p.commit.author.email,
    status: 'failed',
  },
  repository: { name: 'Gitlab Test', homepage: p.project.web_url, git_http_url: p.project.git_http_url },
  project: p.project,
}), { headers: event('Job Hook') });

// ---- Authentication, errors, configuration
const TOKEN = 'wasmhook-test-token';
derived('token-valid', PUSH, 'current format; config secret_token, matching X-Gitlab-Token', currentPush, {
  headers: event('Push Hook', ['X-Gitlab-Token', TOKEN]),
  config: { secret_token: TOKEN },
});
derived('token-invalid', PUSH, 'current format; config secret_token, another X-Gitlab-Token', currentPush, {
  headers: event('Push Hook', ['X-Gitlab-Token', 'not-the-token']),
  config: { secret_token: TOKEN },
});
derived('token-missing', PUSH, 'current format; config secret_token, no X-Gitlab-Token', currentPush, {
  config: { secret_token: TOKEN },
});
derived('invalid-json', PUSH, 'body cut after 200 bytes', (p) => body(p).slice(0, 200));
derived('missing-event-header', PUSH, 'no X-Gitlab-Event header', currentPush, { headers: [JSON_TYPE] });
derived('config-unknown-key', PUSH, 'config with a typo (branch instead of branches)', currentPush, {
  config: { branch: ['main'] },
});
derived('config-bad-mention', PUSH, 'config mention_on_failure with an entry that is neither a username nor an email', currentPush, {
  config: { mention_on_failure: ['on call'] },
});
derived('events-filter-skipped', PUSH, 'current format; config events without push', currentPush, {
  config: { events: ['merge_request', 'pipeline'] },
});
derived('unsupported-event-ignored', PUSH, 'sent with X-Gitlab-Event: Wiki Page Hook, an event the plugin does not render', currentPush, {
  headers: event('Wiki Page Hook'),
});

