import assert from 'node:assert/strict';
import { test } from 'node:test';

import { markdown } from 'wasmhook-sdk';

const { code, codeBlock, escape, link, truncate } = markdown;

test('escape handles inline and line-start markers', () => {
  assert.equal(escape('fix *all* the_things'), 'fix \\*all\\* the\\_things');
  assert.equal(escape('# not a heading'), '\\# not a heading');
  assert.equal(escape('v1.2.3 - done'), 'v1.2.3 - done');
  assert.equal(escape('a_b*c`d'), 'a\\_b\\*c\\`d');
  assert.equal(escape('- item\n  + other\n1. first\n10) x'), '\\- item\n  \\+ other\n1\\. first\n10\\) x');
  assert.equal(escape('> quote'), '\\> quote');
  assert.equal(escape('![img](x)'), '!\\[img\\](x)');
  assert.equal(escape('1 + 2 = 3'), '1 + 2 = 3');
  assert.equal(escape('\t= x\n12 items'), '\t\\= x\n12 items');
  assert.equal(escape('a|b~c\\d<e>'), 'a\\|b\\~c\\\\d\\<e\\>');
  assert.equal(escape(''), '');
});

test('link escapes the text and encodes what would end the url', () => {
  assert.equal(link('PR #1 [draft]', 'https://example.com/a b'), '[PR #1 \\[draft\\]](https://example.com/a%20b)');
  assert.equal(link('a', 'https://x/(y) z'), '[a](https://x/%28y%29%20z)');
  assert.equal(link('a', 'https://x/<y>\n\t\r'), '[a](https://x/%3Cy%3E)');
});

test('code span pads edge backticks and spaces', () => {
  assert.equal(code('main'), '`main`');
  assert.equal(code('a`b'), '``a`b``');
  assert.equal(code('`x`'), '`` `x` ``');
  assert.equal(code(' a '), '`  a  `');
  assert.equal(code('   '), '`   `');
  assert.equal(code(''), '');
  assert.equal(code('a``b'), '```a``b```');
});

test('code block fences are longer than any backtick run', () => {
  assert.equal(codeBlock('{}', 'json'), '```json\n{}\n```');
  assert.equal(codeBlock('```', ''), '````\n```\n````');
  assert.equal(codeBlock('x\n', 'rs'), '```rs\nx\n```');
  assert.equal(codeBlock('x'), '```\nx\n```');
});

test('truncate counts code points, not UTF-16 units', () => {
  assert.equal(truncate('hello world', 8), 'hello w…');
  assert.equal(truncate('short', 8), 'short');
  assert.equal(truncate('héllo', 2), 'h…');
  assert.equal(truncate('ééé', 3), 'ééé');
  assert.equal(truncate('éééé', 3), 'éé…');
  assert.equal(truncate('abcd', 0), '');
  assert.equal(truncate('abcd', 1), '…');
  assert.equal(truncate('abc', 3), 'abc');
  // Four emoji are eight UTF-16 units but four characters for the host.
  assert.equal(truncate('😀😀😀😀', 4), '😀😀😀😀');
  assert.equal(truncate('😀😀😀😀😀', 4), '😀😀😀…');
});
