// The shared conformance vectors (guest-sdk/conformance/vectors.json): every helper that the Rust
// and Python SDKs also have gives exactly their output.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import {
  Internal,
  InvalidPayload,
  Message,
  Outcome,
  PluginError,
  Request,
  Unauthorized,
  UnsupportedEvent,
  checkSenderOverrides,
  inert,
  limits,
  markdown,
  mention,
  signature,
} from 'wasmhook-sdk';
import { exportTransform } from '../src/component.js';
import { setHostLog } from '../src/log.js';

const VECTORS = JSON.parse(readFileSync(new URL('../../conformance/vectors.json', import.meta.url), 'utf8'));

const ERRORS = {
  'invalid-payload': InvalidPayload,
  unauthorized: Unauthorized,
  'unsupported-event': UnsupportedEvent,
  internal: Internal,
};

/** A text value of the vectors: a string, `{repeat, times}`, or a list of them. */
function text(value) {
  if (Array.isArray(value)) return value.map(text).join('');
  if (value !== null && typeof value === 'object') return value.repeat.repeat(value.times);
  return value;
}

const bytes = (value) =>
  typeof value === 'object' ? Uint8Array.from(value.hex.match(/../g), (h) => parseInt(h, 16)) : value;

/** `{out}`, or `{error: kind}` for a thrown `PluginError`. */
function settle(call) {
  try {
    return { out: call() };
  } catch (error) {
    if (!(error instanceof PluginError)) throw error;
    return { error: error.kind };
  }
}

const expected = (vector) => ('error' in vector ? { error: vector.error } : { out: text(vector.out) });

/** Runs `check` on every vector of `section`, naming the failing one. */
function each(section, check) {
  test(section, () => {
    VECTORS[section].forEach((vector, i) => {
      try {
        check(vector);
      } catch (error) {
        error.message = `${section}[${i}] ${JSON.stringify(vector).slice(0, 200)}\n${error.message}`;
        throw error;
      }
    });
  });
}

test('limits', () => {
  assert.deepEqual({ ...limits }, VECTORS.limits);
});

each('markdown.escape', (v) => assert.equal(markdown.escape(text(v.text)), text(v.out)));
each('markdown.link', (v) => assert.equal(markdown.link(text(v.text), text(v.url)), text(v.out)));
each('markdown.code', (v) => assert.equal(markdown.code(text(v.text)), text(v.out)));
each('markdown.code_block', (v) => assert.equal(markdown.codeBlock(text(v.text), v.language), text(v.out)));
each('markdown.truncate', (v) => {
  const max = typeof v.max_chars === 'string' ? limits[v.max_chars] : v.max_chars;
  assert.equal(markdown.truncate(text(v.text), max), text(v.out));
});
each('mention.email', (v) => assert.equal(mention.email(v.addr), v.out));
each('mention.username', (v) => assert.equal(mention.username(v.name), v.out));
each('mention.is_valid_username', (v) => assert.equal(mention.isValidUsername(v.name), v.out));
each('mention.suppress', (v) => assert.equal(mention.suppress(text(v.text)), text(v.out)));
each('inert.text', (v) => assert.equal(inert.text(text(v.raw)), text(v.out)));
each('inert.code', (v) => assert.equal(inert.code(text(v.raw)), text(v.out)));
each('inert.code_block', (v) => assert.equal(inert.codeBlock(text(v.raw), v.language), text(v.out)));
each('inert.link', (v) => assert.equal(inert.link(text(v.label), text(v.url)), text(v.out)));
each('inert.url', (v) => assert.equal(inert.url(text(v.url)), text(v.out)));

each('check_sender_overrides', (v) => {
  const username = v.username === null ? null : text(v.username);
  let error = null;
  try {
    checkSenderOverrides(username, v.avatar_url);
  } catch (thrown) {
    assert.ok(thrown instanceof Internal, thrown);
    error = thrown.message;
  }
  assert.equal(error, v.error);
});

each('signature.verify_hmac_sha256', (v) =>
  assert.equal(signature.verifyHmacSha256(v.secret, v.body, v.signature), v.out),
);
each('signature.sign_hmac_sha256', (v) => assert.equal(signature.signHmacSha256(v.secret, v.body), v.out));

const request = (v) =>
  new Request({ headers: v.headers ?? [], query: v.query ?? '', body: bytes(v.body ?? ''), config: v.config ?? '{}' });

each('request.header', (v) => assert.equal(request(v).header(v.name), v.out));
each('request.header_values', (v) => assert.deepEqual(request(v).headerValues(v.name), v.out));
each('request.content_type', (v) => assert.equal(request(v).contentType(), v.out));
each('request.query_param', (v) => assert.deepEqual(settle(() => request(v).queryParam(v.name)), expected(v)));
each('request.form_field', (v) => assert.deepEqual(settle(() => request(v).formField(v.name)), expected(v)));
each('request.text', (v) => assert.deepEqual(settle(() => request(v).text()), expected(v)));
each('request.config_json', (v) => assert.equal(request(v).configJson, v.out));

const message = (m) =>
  typeof m === 'string' ? m : new Message(m.content, { username: m.username, avatarUrl: m.avatar_url });

/** What a transform returns (or throws) for a `returns` spec of the vectors. */
function returned(spec) {
  if ('message' in spec) return () => Outcome.message(message(spec.message));
  if ('messages' in spec) return () => Outcome.messages(spec.messages.map(message));
  if ('skip' in spec) return () => Outcome.skip(spec.skip);
  if ('error' in spec) {
    return () => {
      throw new ERRORS[spec.error.kind](spec.error.message);
    };
  }
  const [[kind, value]] = Object.entries(spec);
  const values = { string: value, bare_message: new Message(value), list: value, null: null, number: value };
  return () => values[kind];
}

/** The WIT-shaped result of the component export for `transform`, as the vectors write it. */
async function result(transform) {
  const exported = exportTransform({ transform }, () => {});
  try {
    const wit = { method: 'POST', path: '', query: '', headers: [], body: new Uint8Array(), config: '{}', webhookName: 'w' };
    const { tag, val } = await exported(wit);
    if (tag === 'err') return { error: { kind: val.tag, message: val.val } };
    if (val.tag === 'skip') return { skip: val.val };
    return {
      messages: val.val.map((m) => ({ content: m.content, username: m.username ?? null, avatar_url: m.avatarUrl ?? null })),
    };
  } finally {
    setHostLog(null);
  }
}

test('transform', async () => {
  for (const [i, v] of VECTORS.transform.entries()) {
    assert.deepEqual(await result(returned(v.returns)), v.result, `transform[${i}]`);
  }
});

test('transform.dynamic: anything but an Outcome fails as internal', async () => {
  const { returns, message_pattern: pattern } = VECTORS['transform.dynamic'];
  for (const spec of returns) {
    const got = await result(returned(spec));
    assert.equal(got.error?.kind, 'internal', JSON.stringify({ spec, got }));
    assert.match(got.error.message, new RegExp(pattern, 'u'));
  }
});
