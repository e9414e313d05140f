/**
 * The guest SDK for wasmhook transformer plugins written in JavaScript.
 *
 * A plugin is an ES module exporting `transform(request)`, which returns an {@link Outcome} or
 * throws a {@link PluginError}; `wasmhook-build` turns it into a WebAssembly component. Its
 * optional `configDefaults` (every configuration key with its default, as given to
 * `request.config`) and `validateConfig(config)` exports have the host check a configuration
 * when it is set: a {@link ConfigError} names the key, and the host answers 422.
 * @module
 */

export { checkConfig } from './config.js';
export { ConfigError, Internal, InvalidPayload, PluginError, Unauthorized, UnsupportedEvent } from './error.js';
export { Message, Outcome, checkSenderOverrides } from './message.js';
export { Request } from './request.js';
export * as inert from './inert.js';
export * as limits from './limits.js';
export * as log from './log.js';
export * as markdown from './markdown.js';
export * as mention from './mention.js';
export * as signature from './signature.js';
