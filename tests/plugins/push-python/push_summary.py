"""Benchmark plugin: summarizes a GitHub push, line for line the same transform as
``tests/plugins/push-rust`` and ``tests/plugins/push-js``."""

from wasmhook_sdk import InvalidPayload, Message, Outcome, Plugin, Request, markdown


class PushSummary(Plugin):
    """The push summary plugin."""

    def transform(self, request: Request) -> Outcome:
        push = request.json()
        try:
            commits = push["commits"]
            git_ref = push["ref"]
            repo = push["repository"]["full_name"]
            pusher = push["pusher"]["name"]
        except (KeyError, TypeError) as e:
            raise InvalidPayload(f"not a push event: missing {e}") from None
        if not commits:
            return Outcome.skip("no commits")
        branch = git_ref[len("refs/heads/"):] if git_ref.startswith("refs/heads/") else git_ref
        n = len(commits)
        lines = [
            f"**{markdown.escape(repo)}**: {n} new commit{'' if n == 1 else 's'} "
            f"to `{markdown.escape(branch)}` by {markdown.escape(pusher)}"
        ]
        for commit in commits[:5]:
            title = commit["message"].split("\n", 1)[0]
            lines.append(f"- `{commit['id'][:7]}` {markdown.escape(title)}")
        if n > 5:
            lines.append(f"- ... and {n - 5} more")
        return Outcome.message(Message("\n".join(lines)))
