/**
 * The request a plugin transforms.
 * @module
 */

import { checkConfig, parseConfig } from './config.js';
import { InvalidPayload } from './error.js';
import * as form from './form.js';
import { decodeUtf8, toBytes, trim } from './text.js';

const EMPTY = new Uint8Array(0);

/**
 * The HTTP request a third-party service sent to the webhook, as the plugin sees it.
 *
 * In tests, make one with `new Request({...})` or {@link Request.fromFixture}.
 *
 * @example
 * const request = new Request({
 *   headers: { 'X-Gitlab-Event': 'Push Hook' },
 *   body: '{"ref":"refs/heads/main"}',
 * });
 * request.method;                 // 'POST'
 * request.header('x-gitlab-event'); // 'Push Hook'
 * request.json().ref;             // 'refs/heads/main'
 */
export class Request {
  #method;
  #path;
  #query;
  #headers;
  #body;
  #config;
  #webhookName;

  /**
   * A request; every field is optional: by default a `POST` with no path, query, headers or
   * body, the configuration `{}` and the webhook name `test`.
   *
   * @param {import('../index.js').RequestInit} [init]
   */
  constructor(init = {}) {
    const { method = 'POST', path = '', query = '', headers = [], body, json, config = '{}', webhookName = 'test' } = init;
    this.#method = String(method).toUpperCase();
    this.#path = path;
    this.#query = query;
    this.#headers = normalizeHeaders(headers);
    if (json !== undefined) {
      this.#body = toBytes(JSON.stringify(json));
      if (!this.#headers.some(([name]) => name === 'content-type')) {
        this.#headers.push(['content-type', 'application/json']);
      }
    } else {
      this.#body = body === undefined ? EMPTY : toBytes(body);
    }
    this.#config = typeof config === 'string' ? config : JSON.stringify(config);
    this.#webhookName = webhookName;
  }

  /**
   * Loads a request from a fixture directory (Node.js only, for tests):
   * the body from the file named `request` with any extension (`request.json`, `request.txt`,
   * ...), required; headers from `headers.txt`, one `Name: value` per line (blank lines and
   * lines starting with `#` are ignored), optional; the configuration from `config.json`,
   * optional (`{}` otherwise).
   *
   * @param {string} dir the case directory
   * @returns {Request}
   * @throws {Error} an I/O error, with code `ENOENT` when there is no `request.*` file
   */
  static fromFixture(dir) {
    const fs = globalThis.process?.getBuiltinModule?.('node:fs');
    if (!fs) throw new Error('Request.fromFixture needs Node.js 20.16 or later');
    const stem = (name) => (name.lastIndexOf('.') > 0 ? name.slice(0, name.lastIndexOf('.')) : name);
    const bodyFile = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && stem(entry.name) === 'request')
      .map((entry) => entry.name)
      .sort()[0];
    if (bodyFile === undefined) {
      const err = new Error(`no request.* file in ${dir}`);
      err.code = 'ENOENT';
      throw err;
    }
    const optional = (name) => {
      try {
        return fs.readFileSync(`${dir}/${name}`, 'utf8');
      } catch (err) {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      }
    };
    return new Request({
      body: new Uint8Array(fs.readFileSync(`${dir}/${bodyFile}`)),
      headers: optional('headers.txt') ?? [],
      config: optional('config.json') ?? '{}',
    });
  }

  /** The HTTP method, upper-case (`POST` in practice). @type {string} */
  get method() {
    return this.#method;
  }

  /**
   * What follows the token in the URL, with its leading slash (`/gitlab` for
   * `/api/webhooks/execute/{token}/gitlab`); empty when nothing follows.
   * @type {string}
   */
  get path() {
    return this.#path;
  }

  /** The raw query string without the `?`; empty when there is none. @type {string} */
  get query() {
    return this.#query;
  }

  /**
   * All headers in the order received, as `[name, value]` pairs with lower-case names.
   * @type {ReadonlyArray<readonly [string, string]>}
   */
  get headers() {
    return this.#headers;
  }

  /** The raw request body, exactly as received. @type {Uint8Array} */
  get body() {
    return this.#body;
  }

  /** The name of the webhook the request was sent to. @type {string} */
  get webhookName() {
    return this.#webhookName;
  }

  /** The webhook's plugin configuration as JSON text (`{}` when none was set). @type {string} */
  get configJson() {
    return trim(this.#config) === '' ? '{}' : this.#config;
  }

  /**
   * The first value of the header `name`, compared case-insensitively, or `null`.
   *
   * @param {string} name
   * @returns {string | null}
   */
  header(name) {
    const lower = asciiLower(name);
    const found = this.#headers.find(([key]) => key === lower);
    return found ? found[1] : null;
  }

  /**
   * Every value of the header `name` (compared case-insensitively), in the order received.
   *
   * @param {string} name
   * @returns {string[]}
   */
  headerValues(name) {
    const lower = asciiLower(name);
    return this.#headers.filter(([key]) => key === lower).map(([, value]) => value);
  }

  /**
   * The media type of the `Content-Type` header, lower-cased, without parameters; `null`
   * without the header.
   *
   * @returns {string | null}
   */
  contentType() {
    const value = this.header('content-type');
    return value === null ? null : asciiLower(trim(value.split(';')[0]));
  }

  /**
   * The body as UTF-8 text.
   *
   * @returns {string}
   * @throws {InvalidPayload} when the body is not UTF-8
   */
  text() {
    try {
      return decodeUtf8(this.#body);
    } catch {
      throw new InvalidPayload('body is not UTF-8');
    }
  }

  /**
   * The body parsed as JSON.
   *
   * @returns {any}
   * @throws {InvalidPayload} when the body is not UTF-8 or not JSON
   */
  json() {
    const text = this.text();
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new InvalidPayload(`invalid JSON body: ${err.message}`);
    }
  }

  /**
   * The decoded value of the form field `name` of an `application/x-www-form-urlencoded` body,
   * or `null` when absent. GitHub, for one, can send its JSON as `payload=<urlencoded JSON>`.
   *
   * @param {string} name
   * @returns {string | null}
   * @throws {InvalidPayload} when the decoded text is not UTF-8
   */
  formField(name) {
    return form.find(this.#body, name);
  }

  /**
   * The decoded value of the first query parameter called `name`, or `null`.
   *
   * @param {string} name
   * @returns {string | null}
   * @throws {InvalidPayload} when the decoded text is not UTF-8
   */
  queryParam(name) {
    return form.find(toBytes(this.#query), name);
  }

  /**
   * The webhook's plugin configuration, parsed.
   *
   * Without `defaults`, the configuration object as is. With `defaults`, an object listing every
   * key the plugin accepts with its default value: the result is the defaults overridden by the
   * configuration, a key set to `null` keeps its default, an unknown key is an error (so a typo
   * cannot silently turn a filter off), and a value must have the JSON type of its default
   * (string, number, boolean, array or object) unless the default is `null`.
   *
   * @template {Record<string, unknown>} T
   * @param {T} [defaults]
   * @returns {T}
   * @throws {ConfigError} (an {@link Internal} error) naming the key when the configuration is not
   *   a JSON object or does not fit `defaults`: the webhook is misconfigured, and the request can
   *   be replayed once it is fixed
   *
   * @example
   * const config = request.config({ branches: null, username: 'GitLab' });
   */
  config(defaults) {
    const config = parseConfig(this.configJson);
    return defaults === undefined ? config : checkConfig(config, defaults);
  }
}

/** Headers as `[lower-case name, value]` pairs, from pairs, an object or `Name: value` lines. */
function normalizeHeaders(headers) {
  if (typeof headers === 'string') return parseHeadersText(headers);
  const pairs = typeof headers[Symbol.iterator] === 'function' ? Array.from(headers) : Object.entries(headers);
  return pairs.map(([name, value]) => [asciiLower(String(name)), String(value)]);
}

/** `text` with ASCII letters lower-cased, as header names are compared. */
const asciiLower = (text) => text.replace(/[A-Z]+/g, (run) => run.toLowerCase());

/**
 * Headers written as `Name: value` lines, as in a fixture's `headers.txt`. Blank lines, lines
 * starting with `#` and lines without a colon are ignored.
 *
 * @param {string} text
 * @returns {[string, string][]}
 */
export function parseHeadersText(text) {
  const headers = [];
  for (const raw of text.split('\n')) {
    const line = trim(raw);
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    headers.push([asciiLower(trim(line.slice(0, colon))), trim(line.slice(colon + 1))]);
  }
  return headers;
}
