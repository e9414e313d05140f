/**
 * The errors a transform throws: one class per WIT `plugin-error` case.
 * @module
 */

import { sourceLocation } from './location.js';

/**
 * Why a transform failed. The host maps each kind to an HTTP status for the sender. Throw one of
 * the subclasses ({@link InvalidPayload}, {@link Unauthorized}, {@link UnsupportedEvent},
 * {@link Internal}); any other exception a transform throws is reported as {@link Internal}.
 *
 * @example
 * const err = new Unauthorized('bad signature');
 * err.kind;       // 'unauthorized'
 * err.message;    // 'bad signature'
 * String(err);    // 'unauthorized: bad signature'
 */
export class PluginError extends Error {
  /**
   * @param {'invalid-payload' | 'unauthorized' | 'unsupported-event' | 'internal'} kind
   *   the WIT case name
   * @param {string} message the human-readable message, without the kind
   */
  constructor(kind, message) {
    super(String(message));
    /** The WIT `plugin-error` case name. */
    this.kind = kind;
  }

  /** @returns {string} the kind and the message, as the Rust SDK's `Display` */
  toString() {
    return `${KIND_TEXT[this.kind]}: ${this.message}`;
  }
}

const KIND_TEXT = {
  'invalid-payload': 'invalid payload',
  unauthorized: 'unauthorized',
  'unsupported-event': 'unsupported event',
  internal: 'internal error',
};

/** The body is not what the plugin expects (HTTP 422). */
export class InvalidPayload extends PluginError {
  /** @param {string} message what is wrong with the body */
  constructor(message) {
    super('invalid-payload', message);
    this.name = 'InvalidPayload';
  }
}

/** The request failed authentication, for example a bad signature (HTTP 401). */
export class Unauthorized extends PluginError {
  /** @param {string} message why the request is refused */
  constructor(message) {
    super('unauthorized', message);
    this.name = 'Unauthorized';
  }
}

/** A well-formed event the plugin does not handle (HTTP 200, reported as ignored). */
export class UnsupportedEvent extends PluginError {
  /** @param {string} message which event, told back to the sender */
  constructor(message) {
    super('unsupported-event', message);
    this.name = 'UnsupportedEvent';
  }
}

/**
 * Any other failure (HTTP 500); the delivery is kept and can be replayed, for example after
 * fixing the webhook's configuration.
 */
export class Internal extends PluginError {
  /** @param {string} message what went wrong */
  constructor(message) {
    super('internal', message);
    this.name = 'Internal';
  }
}

/**
 * A configuration the plugin refuses, naming the key at fault: an {@link Internal} error with the
 * message `invalid plugin configuration: <reason>` when a transform throws it (HTTP 500), and a
 * refusal of the configuration when it is set (HTTP 422 naming `plugin_config.<path>`) when the
 * plugin's `validateConfig` throws it.
 *
 * @example
 * const err = new ConfigError('colour', 'unknown field `colour`');
 * err.path;    // 'colour'
 * err.reason;  // 'unknown field `colour`'
 * err.message; // 'invalid plugin configuration: unknown field `colour`'
 */
export class ConfigError extends Internal {
  /**
   * @param {string} path the key at fault, as a path (`colour`, `mentions.alice`,
   *   `branches[1]`); empty for the configuration as a whole
   * @param {string} reason the rule it breaks
   */
  constructor(path, reason) {
    super(`invalid plugin configuration: ${reason}`);
    this.name = 'ConfigError';
    /** The key at fault; empty for the configuration as a whole. */
    this.path = String(path);
    /** The rule it breaks. */
    this.reason = String(reason);
  }
}

/**
 * The {@link PluginError} for anything a transform threw: itself when it is one, otherwise an
 * {@link Internal} naming the exception and, inside a component, the plugin's file and line
 * where it was thrown (a plugin bug: the delivery can be replayed once fixed).
 *
 * @param {unknown} thrown
 * @returns {PluginError}
 */
export function toPluginError(thrown) {
  if (thrown instanceof PluginError) return thrown;
  const text = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
  const where = sourceLocation(thrown);
  return new Internal(`uncaught exception in the plugin: ${text}${where ? ` (at ${where})` : ''}`);
}
