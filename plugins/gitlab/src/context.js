// What rendering needs besides the event's own fields: the project, people and the configuration.

import { link, list, obj, str, text } from './markup.js';

/** `url` without a trailing `.git`, for the project URLs of old payloads. */
const withoutGit = (url) => str(url).replace(/\.git$/, '');

/** The project of a payload, and how to show people of its GitLab instance. */
export class Context {
  /**
   * @param {import('./config.js').Config} config
   * @param {object} payload the event
   */
  constructor(config, payload) {
    this.config = config;
    // Current payloads have `project`; old push payloads only `repository`, old merge request
    // payloads only `object_attributes.target`; job payloads `project_name` and `repository`.
    const project = obj(payload.project);
    const repository = obj(payload.repository);
    const target = obj(obj(payload.object_attributes).target);
    /** The project's web URL, or `''`. */
    this.projectUrl =
      str(project.web_url) || str(project.homepage) || str(repository.homepage) || str(target.web_url) ||
      withoutGit(project.http_url || target.http_url || repository.git_http_url);
    const path = str(project.path_with_namespace) || str(target.path_with_namespace);
    /** The project's name: its path with namespace when known. */
    this.projectName =
      path || str(project.name) || str(payload.project_name) || str(repository.name) || str(target.name) || 'a project';
    // Profiles are at `{instance}/{username}`; the instance may live under a path.
    const url = this.projectUrl;
    this.instanceUrl = path && url.endsWith(`/${path}`) ? url.slice(0, -path.length - 1) : (/^https?:\/\/[^/]+/.exec(url)?.[0] ?? '');
  }

  /** The project as a link (or its name when the payload has no URL). */
  project() {
    return this.projectUrl ? link(this.projectName, this.projectUrl) : text(this.projectName);
  }

  /** A URL inside the project (`/-/pipelines/31`), or `''` when the project URL is unknown. */
  projectPath(suffix) {
    return this.projectUrl ? `${this.projectUrl}${suffix}` : '';
  }

  /**
   * A GitLab user: their mention when the configuration maps the username, otherwise their
   * name linked to their profile (never `@username`, which could mention an unrelated wasmhook
   * user).
   *
   * @param {string} name the display name
   * @param {string} username the GitLab username, `''` when unknown
   */
  person(name, username) {
    const mapped = this.config.mention(username);
    if (mapped) return mapped;
    const label = name || username;
    if (!label) return 'someone';
    return username && this.instanceUrl ? link(label, `${this.instanceUrl}/${username}`) : text(label);
  }

  /** {@link Context.person} for a payload's user object (`{name, username}`). */
  user(user) {
    const u = obj(user);
    return this.person(str(u.name), str(u.username));
  }

  /** "\nReviewers: a, b" for a payload's list of users (at most 10 named), `''` when empty. */
  people(heading, users) {
    const all = list(users);
    const names = all.slice(0, 10).map((user) => this.user(user));
    const more = all.length > names.length ? ` and ${all.length - names.length} more` : '';
    return names.length > 0 ? `\n${heading}: ${names.join(', ')}${more}` : '';
  }

  /** "\ncc @a <@b@c>" for a failure when `mention_on_failure` is set, else `''`. */
  failureMentions() {
    const targets = this.config.mentionOnFailure;
    return targets.length > 0 ? `\ncc ${targets.join(' ')}` : '';
  }
}
