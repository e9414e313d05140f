import assert from 'node:assert/strict';
import { test } from 'node:test';

import { mention } from 'wasmhook-sdk';

test('email mentions only well-formed addresses', () => {
  assert.equal(mention.email('ada@example.com'), '<@ada@example.com>');
  assert.equal(mention.email('a+tag@b.co'), '<@a+tag@b.co>');
  for (const bad of ['', 'not an email', '@x', 'x@', 'a@b@c', 'a b@c', 'a@b>', '<a@b', 'a\u0085b@c', 'a\u0001@b', 'a@b\u3000']) {
    assert.equal(mention.email(bad), null, JSON.stringify(bad));
  }
});

test('username requires ASCII word characters', () => {
  assert.equal(mention.username('ada_l'), '@ada_l');
  assert.equal(mention.username('A_1'), '@A_1');
  assert.equal(mention.username('ada-l'), null);
  assert.equal(mention.username(''), null);
  assert.equal(mention.username('é'), null);
  assert.equal(mention.isValidUsername('octo_cat2'), true);
  assert.equal(mention.isValidUsername('octo.cat'), false);
});

test('suppress makes every mention inert', () => {
  assert.equal(mention.suppress('thanks @ada'), 'thanks @\u2060ada');
  assert.equal(mention.suppress('no mentions'), 'no mentions');
  const text = mention.suppress('<@a@b.c> @x');
  assert.ok(!text.includes('@a') && !text.includes('@x'), text);
});
