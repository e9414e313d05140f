/**
 * Benchmark plugin: summarizes a GitHub push, line for line the same transform as
 * `tests/plugins/push-rust` and `tests/plugins/push-python`.
 * @module
 */

import { InvalidPayload, Message, Outcome, markdown } from 'wasmhook-sdk';

/**
 * @param {import('wasmhook-sdk').Request} request
 * @returns {Outcome}
 */
export function transform(request) {
  const push = request.json();
  const commits = push?.commits;
  const ref = push?.ref;
  const repo = push?.repository?.full_name;
  const pusher = push?.pusher?.name;
  if (!Array.isArray(commits) || typeof ref !== 'string' || typeof repo !== 'string' || typeof pusher !== 'string') {
    throw new InvalidPayload('not a push event');
  }
  if (commits.length === 0) return Outcome.skip('no commits');
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
  const n = commits.length;
  const lines = [
    `**${markdown.escape(repo)}**: ${n} new commit${n === 1 ? '' : 's'} to \`${markdown.escape(branch)}\` by ${markdown.escape(pusher)}`,
  ];
  for (const commit of commits.slice(0, 5)) {
    const title = commit.message.split('\n', 1)[0];
    lines.push(`- \`${commit.id.slice(0, 7)}\` ${markdown.escape(title)}`);
  }
  if (n > 5) lines.push(`- ... and ${n - 5} more`);
  return Outcome.message(new Message(lines.join('\n')));
}
