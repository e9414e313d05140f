// The webhook's configuration for the GitLab plugin; README.md describes every key.

import { ConfigError, checkSenderOverrides, mention } from 'wasmhook-sdk';

import { globMatch } from './markup.js';

/** Event names of the `events` key, by `X-Gitlab-Event` header. */
export const EVENTS = {
  'Push Hook': 'push',
  'Tag Push Hook': 'tag_push',
  'Merge Request Hook': 'merge_request',
  'Pipeline Hook': 'pipeline',
  'Job Hook': 'job',
  'Issue Hook': 'issue',
  'Confidential Issue Hook': 'issue',
  'Note Hook': 'note',
  'Confidential Note Hook': 'note',
};

/** Pipeline and job statuses GitLab sends. */
const STATUSES = [
  'created', 'waiting_for_resource', 'preparing', 'waiting_for_callback', 'pending', 'running',
  'success', 'failed', 'canceling', 'canceled', 'skipped', 'manual', 'scheduled',
];

/** Every configuration key, with its default. */
export const DEFAULTS = {
  secret_token: null,
  events: null,
  branches: null,
  mentions: {},
  mention_on_failure: [],
  pipeline_statuses: ['success', 'failed', 'canceled'],
  job_statuses: ['failed'],
  username: 'GitLab',
  avatar_url: null,
};

/** A configuration error at `path`. */
const invalid = (path, message) => new ConfigError(path, message);

/** `<@email>` when `target` contains `@`, `@username` otherwise; `null` when invalid. */
const mentionFor = (target) => (target.includes('@') ? mention.email(target) : mention.username(target));

/** Checks that `config[key]` is a list of strings, each accepted by `check` when given. */
function strings(config, key, check) {
  const value = config[key];
  if (value === null) return null;
  if (!Array.isArray(value)) throw invalid(key, `\`${key}\` must be an array`);
  for (const item of value) {
    if (typeof item !== 'string') throw invalid(key, `\`${key}\` must be a list of strings`);
    const problem = check?.(item);
    if (problem) throw invalid(key, `${key}: ${JSON.stringify(item)} ${problem}`);
  }
  return value;
}

const notOneOf = (known) => (item) => (known.includes(item) ? null : `is not one of ${known.join(', ')}`);
const notMentionable = (item) =>
  mentionFor(item) ? null : 'is neither a username (letters, digits, _) nor an email';

/** The GitLab plugin's configuration, read from the request and checked. */
export class Config {
  /**
   * @param {import('wasmhook-sdk').Request} request
   * @throws {ConfigError} naming the key: an unknown key, a wrong type or value
   */
  constructor(request) {
    const config = request.config(DEFAULTS);
    if (config.secret_token !== null && typeof config.secret_token !== 'string') {
      throw invalid('secret_token', '`secret_token` must be a string');
    }
    this.secretToken = config.secret_token;
    this.events = strings(config, 'events', notOneOf([...new Set(Object.values(EVENTS))]));
    this.branches = strings(config, 'branches');
    this.pipelineStatuses = strings(config, 'pipeline_statuses', notOneOf(STATUSES));
    this.jobStatuses = strings(config, 'job_statuses', notOneOf(STATUSES));
    this.mentionOnFailure = strings(config, 'mention_on_failure', notMentionable).map(mentionFor);
    this.mentions = new Map();
    for (const [login, target] of Object.entries(config.mentions)) {
      if (typeof target !== 'string' || !mentionFor(target)) {
        throw invalid(`mentions.${login}`, `mentions.${login} = ${JSON.stringify(target)} is neither a username (letters, digits, _) nor an email`);
      }
      this.mentions.set(login.toLowerCase(), mentionFor(target));
    }
    checkSenderOverrides(config.username, config.avatar_url);
    this.username = config.username;
    this.avatarUrl = config.avatar_url;
  }

  /** `null` when deliveries of `event` (a key of `events`) are posted, else the skip reason. */
  eventSkipReason(header, event) {
    if (this.events === null || this.events.includes(event)) return null;
    return `event ${JSON.stringify(header)} (${event}) is not in this webhook's \`events\` (${this.events.join(', ')})`;
  }

  /** `null` when `branch` is posted, else the skip reason. */
  branchSkipReason(branch) {
    if (this.branches === null || this.branches.some((pattern) => globMatch(pattern, branch))) return null;
    return `branch ${JSON.stringify(branch)} does not match this webhook's \`branches\` (${this.branches.join(', ')})`;
  }

  /** `null` when a pipeline (`key` = `pipeline_statuses`) or job status is posted, else the skip reason. */
  statusSkipReason(key, status) {
    const statuses = key === 'pipeline_statuses' ? this.pipelineStatuses : this.jobStatuses;
    if (statuses.includes(status)) return null;
    return `status ${JSON.stringify(status)} is not in this webhook's \`${key}\` (${statuses.join(', ') || 'none'})`;
  }

  /** The mention for a GitLab username (case-insensitive) when `mentions` maps it, else `null`. */
  mention(username) {
    return (username && this.mentions.get(username.toLowerCase())) || null;
  }
}
