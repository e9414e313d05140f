"""Real client libraries posting to a wasmhook server, for tests/it/compat.rs.

Usage:
  python3 compat.py slack-text URL TEXT
  python3 compat.py slack-blocks URL TEXT
  python3 compat.py slack-attachments URL TEXT
  python3 compat.py apprise APPRISE_URL TITLE BODY

Each command prints one JSON line describing what the library reported and exits 0 only when
the library itself reported success.
"""

import json
import sys


def slack(kind: str, url: str, text: str) -> int:
    from slack_sdk.webhook import WebhookClient

    client = WebhookClient(url)
    if kind == "slack-text":
        response = client.send(text=f"*{text}* :rocket: <https://example.com/docs|the docs>")
    elif kind == "slack-blocks":
        response = client.send(
            text="fallback shown only in notifications",
            blocks=[
                {"type": "header", "text": {"type": "plain_text", "text": "Deploy finished"}},
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": f"*{text}* is ~broken~ fixed"},
                    "fields": [{"type": "mrkdwn", "text": "*Env*\nprod"}],
                },
                {"type": "divider"},
                {
                    "type": "actions",
                    "elements": [
                        {"type": "button", "text": {"type": "plain_text", "text": "Open"},
                         "url": "https://example.com/run/1"},
                        {"type": "button", "text": {"type": "plain_text", "text": "Approve"},
                         "action_id": "approve"},
                    ],
                },
            ],
        )
    else:
        # send() has no username/icon parameters; send_dict() posts any body, as apps do.
        response = client.send_dict({
            "username": "CI Bot",
            "icon_emoji": ":robot_face:",
            "attachments": [
                {
                    "color": "danger",
                    "pretext": "Build report",
                    "title": text,
                    "title_link": "https://example.com/build/7",
                    "text": "_3 tests_ failed",
                    "fields": [{"title": "Branch", "value": "main", "short": True}],
                    "footer": "ci",
                    "ts": 1700000000,
                }
            ],
        })
    print(json.dumps({"status": response.status_code, "body": response.body}))
    return 0 if response.status_code == 200 and response.body == "ok" else 1


def notify_apprise(url: str, title: str, body: str) -> int:
    import apprise

    app = apprise.Apprise()
    if not app.add(url):
        print(json.dumps({"added": False}))
        return 2
    ok = app.notify(title=title, body=body)
    print(json.dumps({"added": True, "notified": bool(ok)}))
    return 0 if ok else 1


def main(argv: list) -> int:
    kind = argv[1]
    if kind.startswith("slack-"):
        return slack(kind, argv[2], argv[3])
    if kind == "apprise":
        return notify_apprise(argv[2], argv[3], argv[4])
    print(f"unknown command {kind}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
