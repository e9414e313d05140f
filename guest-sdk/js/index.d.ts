/**
 * The guest SDK for wasmhook transformer plugins written in JavaScript.
 *
 * A plugin is an ES module exporting `transform(request)`, which returns (or resolves to) an
 * {@link Outcome}, or throws a {@link PluginError}. `wasmhook-build` turns it into a WebAssembly
 * component of the `transformer` world; `node --test` runs it natively.
 */

/** What {@link Request}'s constructor accepts; every field is optional. */
export interface RequestInit {
  /** The HTTP method (upper-cased); default `POST`. */
  method?: string;
  /** What follows the token in the URL, such as `/gitlab`; default empty. */
  path?: string;
  /** The raw query string without the `?`; default empty. */
  query?: string;
  /**
   * Headers: `[name, value]` pairs, an object, or `Name: value` lines as in a fixture's
   * `headers.txt`. Names are lower-cased.
   */
  headers?: Iterable<readonly [string, string]> | Record<string, string> | string;
  /** The raw body; a string is UTF-8 encoded. Default empty. */
  body?: Uint8Array | ArrayBuffer | ArrayBufferView | string;
  /** Sets the body to this value as JSON, and `content-type: application/json` unless set. */
  json?: unknown;
  /** The plugin configuration, as JSON text or a value to serialize; default `{}`. */
  config?: string | Record<string, unknown>;
  /** The webhook's name; default `test`. */
  webhookName?: string;
}

/** The HTTP request a third-party service sent to the webhook, as the plugin sees it. */
export class Request {
  /** A request; by default an empty `POST` with configuration `{}` to the webhook `test`. */
  constructor(init?: RequestInit);
  /**
   * Loads a request from a fixture directory (Node.js only, for tests): the body from
   * `request.*`, headers from `headers.txt`, the configuration from `config.json`.
   * @throws an I/O error, with `code: 'ENOENT'` when there is no `request.*` file
   */
  static fromFixture(dir: string): Request;
  /** The HTTP method, upper-case (`POST` in practice). */
  readonly method: string;
  /** What follows the token in the URL, with its leading slash; empty when nothing follows. */
  readonly path: string;
  /** The raw query string without the `?`; empty when there is none. */
  readonly query: string;
  /** All headers in the order received, as `[name, value]` with lower-case names. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The raw request body, exactly as received. */
  readonly body: Uint8Array;
  /** The name of the webhook the request was sent to. */
  readonly webhookName: string;
  /** The webhook's plugin configuration as JSON text (`{}` when none was set). */
  readonly configJson: string;
  /** The first value of the header `name` (case-insensitive), or `null`. */
  header(name: string): string | null;
  /** Every value of the header `name` (case-insensitive), in the order received. */
  headerValues(name: string): string[];
  /** The lower-cased media type of `Content-Type`, without parameters, or `null`. */
  contentType(): string | null;
  /** The body as UTF-8 text. @throws {InvalidPayload} when it is not UTF-8 */
  text(): string;
  /** The body parsed as JSON. @throws {InvalidPayload} when it is not UTF-8 JSON */
  json<T = any>(): T;
  /**
   * The decoded value of a field of an `application/x-www-form-urlencoded` body, or `null`.
   * @throws {InvalidPayload} when the decoded text is not UTF-8
   */
  formField(name: string): string | null;
  /** The decoded value of the first query parameter `name`, or `null`. @throws {InvalidPayload} */
  queryParam(name: string): string | null;
  /**
   * The plugin configuration. Without `defaults`, the object as set. With `defaults` (every
   * accepted key with its default value): the defaults overridden by the configuration; a key
   * set to `null` keeps its default; an unknown key, or a value whose JSON type differs from a
   * non-null default, is an error.
   * @throws {ConfigError} (an {@link Internal} error) naming the key when the configuration is
   *   not an object or does not fit `defaults`
   */
  config(): Record<string, any>;
  config<T extends Record<string, unknown>>(defaults: T): { [K in keyof T]: T[K] extends null ? any : T[K] };
}

/** Options of a {@link Message}. */
export interface MessageOptions {
  /** Overrides the webhook's display name (1 to 64 characters). */
  username?: string | null;
  /** Overrides the webhook's avatar (an http or https URL). */
  avatarUrl?: string | null;
}

/**
 * One chat message to post: Markdown content of 1 to 4000 characters; mentions use
 * `@username`, `@email` or `<@email>`.
 */
export class Message {
  /** A message with this content and optional sender overrides. */
  constructor(content: string, options?: MessageOptions);
  /** A message from a message or a string (the content). */
  static from(value: Message | string): Message;
  /** The message text (Markdown). */
  content: string;
  /** Overrides the webhook's display name for this message. */
  username: string | null;
  /** Overrides the webhook's avatar for this message. */
  avatarUrl: string | null;
}

/** What a successful transform produced: messages to post, or a skip with its reason. */
export class Outcome {
  private constructor(messages: Message[] | null, skipReason: string | null);
  /** Post one message. */
  static message(message: Message | string): Outcome;
  /** Post these messages, in order (the host caps the count; an empty list is taken as a skip). */
  static messages(messages: Iterable<Message | string>): Outcome;
  /** Post nothing, on purpose, and tell the sender why. */
  static skip(reason: string): Outcome;
  /** The messages to post, in order; empty for a skip. */
  readonly messages: Message[];
  /** The reason of a skip; `null` when there are messages. */
  readonly skipReason: string | null;
}

/** The WIT `plugin-error` case names. */
export type PluginErrorKind = 'invalid-payload' | 'unauthorized' | 'unsupported-event' | 'internal';

/**
 * Why a transform failed; the host maps each kind to an HTTP status. Any other exception a
 * transform throws is reported as {@link Internal}.
 */
export class PluginError extends Error {
  constructor(kind: PluginErrorKind, message: string);
  /** The WIT case name. */
  readonly kind: PluginErrorKind;
  /** The kind and the message: `unauthorized: bad signature`. */
  toString(): string;
}
/** The body is not what the plugin expects (HTTP 422). */
export class InvalidPayload extends PluginError {
  constructor(message: string);
  readonly kind: 'invalid-payload';
}
/** The request failed authentication, for example a bad signature (HTTP 401). */
export class Unauthorized extends PluginError {
  constructor(message: string);
  readonly kind: 'unauthorized';
}
/** A well-formed event the plugin does not handle (HTTP 200, reported as ignored). */
export class UnsupportedEvent extends PluginError {
  constructor(message: string);
  readonly kind: 'unsupported-event';
}
/** Any other failure (HTTP 500); the delivery can be replayed. */
export class Internal extends PluginError {
  constructor(message: string);
  readonly kind: 'internal';
}

/**
 * A configuration the plugin refuses, naming the key at fault: during a transform an
 * {@link Internal} error (`invalid plugin configuration: <reason>`); thrown by a plugin's
 * `validateConfig` when the configuration is set, the host answers 422 naming
 * `plugin_config.<path>`.
 */
export class ConfigError extends Internal {
  /** @param path the key at fault (`colour`, `mentions.alice`); empty for the whole */
  constructor(path: string, reason: string);
  /** The key at fault; empty for the configuration as a whole. */
  readonly path: string;
  /** The rule it breaks. */
  readonly reason: string;
}

/**
 * Checks `config` against `defaults` (every accepted key with its default value), as
 * `request.config(defaults)` does, and returns the defaults overridden by the configuration.
 * @throws {ConfigError} naming the first key at fault
 */
export function checkConfig<T extends Record<string, unknown>>(
  config: Record<string, unknown>,
  defaults: T,
): { [K in keyof T]: T[K] extends null ? any : T[K] };

/**
 * Checks a configuration's `username` and `avatar_url` overrides against the host's rules
 * (1 to 64 characters; an http(s) URL).
 * @throws {Internal} naming the key
 */
export function checkSenderOverrides(username?: string | null, avatarUrl?: string | null): void;

/** A plugin module: what `wasmhook-build` and `testing.checkGolden` take. */
export interface Plugin {
  /** Transforms one request into an outcome, or throws a {@link PluginError}. */
  transform(request: Request): Outcome | Promise<Outcome>;
  /**
   * Every configuration key the plugin accepts, with its default (as given to
   * `request.config`): the host refuses a configuration that does not fit it when it is set.
   */
  configDefaults?: Record<string, unknown>;
  /**
   * Checks a configuration (a parsed object) when it is set, after `configDefaults`; throw a
   * {@link ConfigError} naming the key to have the host answer 422.
   */
  validateConfig?(config: Record<string, unknown>): void | Promise<void>;
}

/** Logging into the webhook's plugin log (natively: stderr, and kept for `takeRecords`). */
export namespace log {
  /** Severity of a log record, as the WIT `level` enum. */
  type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** The levels, least severe first. */
  const LEVELS: readonly Level[];
  /** Appends one record to the plugin log of the current request. */
  function log(level: Level, message: string): void;
  /** Logs at `trace` level. */
  function trace(message: string): void;
  /** Logs at `debug` level. */
  function debug(message: string): void;
  /** Logs at `info` level. */
  function info(message: string): void;
  /** Logs at `warn` level. */
  function warn(message: string): void;
  /** Logs at `error` level. */
  function error(message: string): void;
  /** The records logged natively since the last call, oldest first; empty inside the host. */
  function takeRecords(): [Level, string][];
  /** Used by the component glue; plugins never call it. */
  function setHostLog(sink: ((level: Level, message: string) => void) | null): void;
}

/** Building Markdown content safely from untrusted text (exactly as the Rust SDK). */
export namespace markdown {
  /** Escapes inline formatting everywhere and block markers at line starts. */
  function escape(text: string): string;
  /** `[text](url)` with `text` escaped and link-ending characters of `url` encoded. */
  function link(text: string, url: string): string;
  /** An inline code span showing `text` literally; empty for empty text. */
  function code(text: string): string;
  /** A fenced code block showing `text` literally, with an optional language. */
  function codeBlock(text: string, language?: string): string;
  /** At most `maxChars` characters (code points), ending with `…` when cut. */
  function truncate(text: string, maxChars: number): string;
}

/** Writing mentions the host resolves, and suppressing accidental ones. */
export namespace mention {
  /** `<@addr>`, or `null` when `addr` does not look like an email. */
  function email(addr: string): string | null;
  /** `@name`, or `null` unless `name` is ASCII letters, digits and `_`. */
  function username(name: string): string | null;
  /** Whether `name` can be mentioned as `@name`. */
  function isValidUsername(name: string): boolean;
  /** `text` with a word joiner after every `@`, so it mentions nobody. */
  function suppress(text: string): string;
}

/**
 * Untrusted text made inert in one call: Markdown escaped and every `@` defused (exactly as the
 * Rust SDK's `inert`), so a payload's text neither formats the message nor mentions anyone.
 */
export namespace inert {
  /** `markdown.escape`, then `mention.suppress`: untrusted inline text. */
  function text(raw: string): string;
  /** An inline code span of the suppressed text. */
  function code(raw: string): string;
  /** A fenced code block of the suppressed text, with an optional language. */
  function codeBlock(raw: string, language?: string): string;
  /** `[label](url)` with the label escaped and suppressed, `@` of the URL as `%40`. */
  function link(label: string, url: string): string;
  /** The destination {@link link} writes for `url`, for a link around other content. */
  function url(url: string): string;
}

/** The host's limits on every message a plugin returns. */
export namespace limits {
  /** The most characters (code points) of a message's content: 4000. */
  const MAX_CONTENT_CHARS: 4000;
  /** The most characters of a message's display name: 64. */
  const MAX_USERNAME_CHARS: 64;
}

/** HMAC-SHA256 signatures and shared tokens, compared in constant time. */
export namespace signature {
  /** Bytes, or a string taken as its UTF-8 bytes. */
  type Bytes = string | Uint8Array;
  /**
   * Whether `signature` (hex, optionally `sha256=`-prefixed, surrounding whitespace ignored) is
   * the HMAC-SHA256 of `body` keyed with `secret`; anything malformed is `false`.
   */
  function verifyHmacSha256(secret: Bytes, body: Bytes, signature: string | null | undefined): boolean;
  /** The HMAC-SHA256 of `body` keyed with `secret` (32 bytes). */
  function hmacSha256(secret: Bytes, body: Bytes): Uint8Array;
  /** The lower-case hex HMAC-SHA256, without prefix. */
  function hmacSha256Hex(secret: Bytes, body: Bytes): string;
  /** `sha256=` and the lower-case hex HMAC-SHA256: GitHub's `X-Hub-Signature-256`. */
  function signHmacSha256(secret: Bytes, body: Bytes): string;
  /** Whether `a` equals `b`, in time that depends only on their lengths. */
  function constantTimeEqual(a: Bytes, b: Bytes): boolean;
}
