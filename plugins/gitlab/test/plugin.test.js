import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Internal, InvalidPayload, Request, Unauthorized, UnsupportedEvent, limits } from 'wasmhook-sdk';

import { configDefaults, transform, validateConfig } from '../src/index.js';
import { duration, globMatch, withList } from '../src/markup.js';

const PROJECT = { name: 'r', web_url: 'https://gitlab.example.com/g/r', path_with_namespace: 'g/r' };
const PUSH = {
  object_kind: 'push',
  ref: 'refs/heads/main',
  before: '1'.repeat(40),
  after: '2'.repeat(40),
  user_name: 'Alice',
  user_username: 'alice',
  project: PROJECT,
  commits: [{ id: '2'.repeat(40), message: 'Fix @everyone *bold*\n\nbody', url: 'https://x/c', author: { name: 'Alice' } }],
  total_commits_count: 1,
};

const request = (event, json, config = {}, headers = {}) =>
  new Request({ headers: { 'X-Gitlab-Event': event, ...headers }, json, config });
const content = (outcome) => outcome.messages[0].content;

test('pushes name the pusher, the branch and each commit, with payload text made inert', () => {
  const text = content(transform(request('Push Hook', PUSH)));
  assert.ok(text.startsWith('[Alice](https://gitlab.example.com/alice) pushed 1 commit to [`main`](https://gitlab.example.com/g/r/-/tree/main)'), text);
  assert.ok(text.includes('Fix @\u2060everyone \\*bold\\*'), text);
  assert.ok(!text.includes('@everyone'), text);
});

test('instances under a path keep it in profile links', () => {
  const project = { ...PROJECT, web_url: 'https://example.com/gitlab/g/r' };
  const text = content(transform(request('Push Hook', { ...PUSH, project })));
  assert.ok(text.startsWith('[Alice](https://example.com/gitlab/alice)'), text);
});

test('mapped usernames become mentions, case-insensitively', () => {
  assert.ok(content(transform(request('Push Hook', PUSH, { mentions: { Alice: 'ada' } }))).startsWith('@ada pushed'));
  assert.ok(content(transform(request('Push Hook', PUSH, { mentions: { alice: 'ada@example.com' } }))).startsWith('<@ada@example.com> pushed'));
});

test('the secret token is compared with X-Gitlab-Token', () => {
  const config = { secret_token: 's3cret' };
  assert.equal(transform(request('Push Hook', PUSH, config, { 'X-Gitlab-Token': 's3cret' })).messages.length, 1);
  assert.throws(() => transform(request('Push Hook', PUSH, config, { 'X-Gitlab-Token': 's3cret ' })), Unauthorized);
  assert.throws(() => transform(request('Push Hook', PUSH, config)), Unauthorized);
  // The token is checked before the body is read.
  assert.throws(() => transform(new Request({ headers: { 'X-Gitlab-Event': 'Push Hook' }, body: '{', config })), Unauthorized);
});

test('bad requests are invalid payloads; unknown events are ignored', () => {
  assert.throws(() => transform(new Request({ json: PUSH })), InvalidPayload);
  assert.throws(() => transform(request('Push Hook', [1])), InvalidPayload);
  assert.throws(() => transform(new Request({ headers: { 'X-Gitlab-Event': 'Push Hook' }, body: '{' })), InvalidPayload);
  assert.throws(() => transform(request('Deployment Hook', {})), UnsupportedEvent);
  assert.throws(() => transform(request('System Hook', { object_kind: 'repository_update' })), UnsupportedEvent);
});

test('configuration mistakes are internal errors naming the key', () => {
  const cases = [
    [{ pipeline_statuses: ['faild'] }, /pipeline_statuses: "faild" is not one of/],
    [{ events: ['pushes'] }, /events: "pushes" is not one of/],
    [{ branches: 'main' }, /`branches` must be an array/],
    [{ branches: [1] }, /`branches` must be a list of strings/],
    [{ secret_token: 42 }, /`secret_token` must be a string/],
    [{ mentions: { a: 'not valid' } }, /mentions\.a/],
    [{ username: '' }, /username/],
    [{ avatar_url: 'ftp://x' }, /avatar_url/],
  ];
  for (const [config, message] of cases) {
    assert.throws(() => transform(request('Push Hook', PUSH, config)), (err) => err instanceof Internal && message.test(err.message), JSON.stringify(config));
  }
});

test('sender overrides apply to every message', () => {
  const outcome = transform(request('Push Hook', PUSH, { username: 'Code', avatar_url: 'https://x/a.png' }));
  assert.equal(outcome.messages[0].username, 'Code');
  assert.equal(outcome.messages[0].avatarUrl, 'https://x/a.png');
  assert.equal(transform(request('Push Hook', PUSH)).messages[0].username, 'GitLab');
});

test('job statuses default to failures only', () => {
  const job = { object_kind: 'build', ref: 'main', tag: false, build_id: 7, build_name: 'test', build_stage: 'test', project: PROJECT };
  assert.match(transform(request('Job Hook', { ...job, build_status: 'success' })).skipReason, /job_statuses/);
  assert.ok(content(transform(request('Job Hook', { ...job, build_status: 'failed' }))).startsWith('❌ Job [test](https://gitlab.example.com/g/r/-/jobs/7) (test) failed'));
  const allowed = content(transform(request('Job Hook', { ...job, build_status: 'failed', build_allow_failure: true }, { mention_on_failure: ['oncall'] })));
  assert.ok(allowed.startsWith('⚠️ Job') && !allowed.includes('@oncall'), allowed);
  assert.ok(content(transform(request('Job Hook', { ...job, build_status: 'success' }, { job_statuses: ['success'] }))).startsWith('✅'));
});

test('tag pipelines pass the branch filter', () => {
  const pipeline = { object_kind: 'pipeline', object_attributes: { id: 5, ref: 'v1.0', tag: true, status: 'success' }, project: PROJECT };
  const text = content(transform(request('Pipeline Hook', pipeline, { branches: ['main'] })));
  assert.ok(text.includes('for tag [`v1.0`](https://gitlab.example.com/g/r/-/tags/v1.0)'), text);
});

test('notes on commits, issues and snippets say what was commented on', () => {
  const note = (type, extra) => ({ object_kind: 'note', user: { name: 'Bob', username: 'bob' }, project: PROJECT, object_attributes: { note: 'hi', noteable_type: type, url: 'https://x/n' }, ...extra });
  assert.match(content(transform(request('Note Hook', note('Commit', { commit: { id: 'abcdef0123', message: 'Fix\n\nmore' } })))), /commented on commit \[`abcdef01`\]\(https:\/\/x\/n\) Fix in/);
  assert.match(content(transform(request('Note Hook', note('Issue', { issue: { iid: 3, title: 'Bug' } })))), /commented on issue \[#3 Bug\]/);
  assert.match(content(transform(request('Note Hook', note('Snippet', { snippet: { id: 9, title: 'S' } })))), /commented on snippet \[\$9 S\]/);
  const internal = content(transform(request('Confidential Note Hook', note('Issue', { issue: { iid: 3, title: 'Bug' } }))));
  assert.ok(internal.startsWith('🔒') && !internal.includes('> hi'), internal);
});

test('lists stop within the limit and count what they left out', () => {
  const items = Array.from({ length: 1000 }, (_, i) => `- item ${i} ${'x'.repeat(50)}`);
  const out = withList('header', items, 'items', { trailerChars: 10 });
  assert.ok([...out].length <= limits.MAX_CONTENT_CHARS - 10);
  assert.match(out, /\n\.\.\. and \d+ more items$/);
  assert.equal(withList('h', ['- a', '- b'], 'x'), 'h\n- a\n- b');
  assert.equal(withList('h', ['- a'], 'x', { hidden: 3 }), 'h\n- a\n... and 3 more x');
});

test('glob patterns and durations', () => {
  assert.ok(globMatch('main', 'main') && !globMatch('main', 'main2'));
  assert.ok(globMatch('release/*', 'release/1.0') && !globMatch('release/*', 'release'));
  assert.ok(globMatch('v?.?', 'v1.2') && !globMatch('v?.?', 'v1.22'));
  assert.ok(globMatch('a*b*c', 'aXbYbZc') && !globMatch('a*b*c', 'aXbYbZ'));
  assert.ok(globMatch('é*', 'été') && globMatch('', '') && !globMatch('', 'x'));
  assert.equal(duration(63), '1m 3s');
  assert.equal(duration(42.4), '42s');
  assert.equal(duration(7300), '2h 1m');
  assert.equal(duration(null), '');
});

test('validateConfig refuses, naming the key, what a delivery would fail on', () => {
  validateConfig({ events: ['push'], mentions: { octo: 'octocat' } });
  for (const [config, path] of [
    [{ colour: 'red' }, 'colour'],
    [{ events: ['pushes'] }, 'events'],
    [{ mentions: { octo: 'not a name' } }, 'mentions.octo'],
    [{ pipeline_statuses: 'failed' }, 'pipeline_statuses'],
  ]) {
    assert.throws(() => validateConfig(config), { name: 'ConfigError', path }, JSON.stringify(config));
  }
  assert.ok(Object.hasOwn(configDefaults, 'branches'));
});
