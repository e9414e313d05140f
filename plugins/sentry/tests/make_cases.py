"""Writes the Sentry plugin's fixture cases into ``tests/fixtures/sentry/<case>/``.

Run with ``python3 plugins/sentry/tests/make_cases.py`` (any working directory; the shared
payloads are read from ``../shared/fixtures`` beside the workspace). Real payloads are copied
from ``MANIFEST.tsv``; integration-platform payloads are synthetic, shaped after the examples
in Sentry's webhook documentation. Golden files are then regenerated with
``UPDATE_GOLDEN=1 python3 -m pytest plugins/sentry`` and reviewed by reading them.
"""

import copy
import csv
import hashlib
import hmac
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
SRC = os.path.join(os.path.dirname(ROOT), "shared", "fixtures")
OUT = os.path.join(ROOT, "tests", "fixtures", "sentry")
COLS = ["source_repo", "source_path", "source_commit_or_version", "license", "notes"]
SECRET = "b0c1e6ea2a4f4a4bb2ad0d6b2d2a5d6e81c2f3a4b5c6d7e8f9a0b1c2d3e4f5a6"

with open(os.path.join(SRC, "MANIFEST.tsv"), newline="") as manifest:
    ROWS = {row["local_path"]: row for row in csv.DictReader(manifest, delimiter="\t")}


def source_txt(local, derived=None):
    row = ROWS[local]
    lines = [f"local_path: {local}"] + [f"{col}: {row[col]}" for col in COLS]
    if derived:
        lines.append(f"derived: {derived}")
    return "\n".join(lines) + "\n"


def docs_source(page, commit, derived):
    return (
        "source_repo: getsentry/sentry-docs\n"
        f"source_path: docs/organization/integrations/integration-platform/webhooks/{page}\n"
        f"source_commit_or_version: {commit}\n"
        "license: FSL-1.1-Apache-2.0 (documentation example payload)\n"
        "notes: integration-platform webhook, shaped after the documented example payload\n"
        f"derived: synthetic: {derived}\n"
    )


def raw(local):
    with open(os.path.join(SRC, local), "rb") as file:
        data = file.read()
    if local.startswith("gitter-services/"):
        data = (json.dumps(json.loads(data)["body"], indent=2) + "\n").encode()
    return data


def encode(payload):
    return (json.dumps(payload, indent=2, ensure_ascii=False) + "\n").encode()


def write_case(case, body, headers, source, config=None):
    directory = os.path.join(OUT, case)
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name != "expected.json":
            os.remove(os.path.join(directory, name))
    with open(os.path.join(directory, "request.json"), "wb") as file:
        file.write(body)
    with open(os.path.join(directory, "headers.txt"), "w") as file:
        file.write("".join(f"{name}: {value}\n" for name, value in headers))
    if config is not None:
        with open(os.path.join(directory, "config.json"), "w") as file:
            file.write(json.dumps(config, indent=2) + "\n")
    with open(os.path.join(directory, "source.txt"), "w") as file:
        file.write(source)


JSON = [("Content-Type", "application/json")]


def hook(resource, body=None, secret=None):
    """Integration-platform headers; signed over ``body`` when a secret is given."""
    headers = JSON + [
        ("Request-ID", "0e6d3a8e-6c3f-4a0c-9d5e-1b7c2f9e4a11"),
        ("Sentry-Hook-Resource", resource),
        ("Sentry-Hook-Timestamp", "1566248778"),
    ]
    if secret is not None:
        headers.append(("Sentry-Hook-Signature", hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()))
    return headers


# ---- integration-platform payloads, after Sentry's documentation (trimmed)
ACTOR_SENTRY = {"id": "sentry", "name": "Sentry", "type": "application"}
INSTALLATION = {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"}


def js_event(event_id, issue_id, message, frames):
    return {
        "contexts": {"browser": {"name": "Chrome", "type": "browser", "version": "75.0.3770"}},
        "culprit": "?(runner)",
        "datetime": "2019-08-19T20:58:37.391000Z",
        "environment": "production",
        "event_id": event_id,
        "exception": {"values": [{
            "mechanism": {"handled": False, "type": "onerror"},
            "stacktrace": {"frames": frames},
            "type": "ReferenceError",
            "value": message,
        }]},
        "issue_id": issue_id,
        "issue_url": f"https://sentry.io/api/0/issues/{issue_id}/",
        "level": "error",
        "location": "/runner",
        "logger": "",
        "message": "",
        "metadata": {"filename": "/runner", "type": "ReferenceError", "value": message},
        "platform": "javascript",
        "project": 1,
        "release": None,
        "tags": [["browser", "Chrome 75.0.3770"], ["handled", "no"], ["level", "error"],
                 ["mechanism", "onerror"], ["url", "https://null.jsbin.com/runner"]],
        "timestamp": 1566248317.391,
        "title": f"ReferenceError: {message}",
        "type": "error",
        "url": f"https://sentry.io/api/0/projects/test-org/front-end/events/{event_id}/",
        "user": {"ip_address": "162.218.85.90"},
        "web_url": f"https://sentry.io/organizations/test-org/issues/{issue_id}/events/{event_id}/",
    }


FRAMES = [
    {"abs_path": "https://static.jsbin.com/js/prod/runner-4.1.7.min.js", "colno": 10866,
     "filename": "/js/prod/runner-4.1.7.min.js", "function": None, "in_app": False, "lineno": 1},
    {"abs_path": "<anonymous>", "colno": 5, "filename": "<anonymous>", "function": None,
     "in_app": False, "lineno": 3},
]
EVENT_ALERT = {
    "action": "triggered",
    "actor": ACTOR_SENTRY,
    "data": {
        "event": js_event("e4874d664c3540c1a32eab185f12c5ab", "1117540176", "heck is not defined", FRAMES),
        "triggered_rule": "Very Important Alert Rule!",
        "issue_alert": {"title": "Very Important Alert Rule!", "settings": [{"name": "channel", "value": "#general"}]},
    },
    "installation": INSTALLATION,
}
ERROR = {
    "action": "created",
    "actor": ACTOR_SENTRY,
    "data": {"error": js_event("bb78c1407cea4519aa397afc059c793d", "1170820242", "blooopy is not defined", [
        {"abs_path": "https://null.jsbin.com/runner", "colno": 5, "context_line": "<meta charset=utf-8>",
         "filename": "/runner", "function": "render", "in_app": True, "lineno": 3, "module": "runner"},
    ])},
    "installation": INSTALLATION,
}
ISSUE = {
    "action": "created",
    "actor": ACTOR_SENTRY,
    "data": {"issue": {
        "assignedTo": None,
        "count": "1",
        "culprit": "?(runner)",
        "firstSeen": "2019-08-19T20:58:37.391000Z",
        "id": "1170820242",
        "lastSeen": "2019-08-19T20:58:37.391000Z",
        "level": "error",
        "metadata": {"filename": "/runner", "type": "ReferenceError", "value": "blooopy is not defined"},
        "platform": "javascript",
        "project": {"id": "1", "name": "front-end", "platform": "", "slug": "front-end"},
        "project_url": "https://sentry.io/api/0/projects/test-org/front-end/",
        "shortId": "FRONT-END-9",
        "status": "unresolved",
        "statusDetails": {},
        "substatus": "new",
        "title": "ReferenceError: blooopy is not defined",
        "type": "error",
        "url": "https://sentry.io/api/0/issues/1170820242/",
        "userCount": 1,
        "web_url": "https://sentry.io/organizations/test-org/issues/1170820242/",
    }},
    "installation": INSTALLATION,
}
METRIC_ALERT = {
    "action": "critical",
    "actor": ACTOR_SENTRY,
    "data": {
        "description_text": "1000 events in the last 10 minutes\nFilter: level:error",
        "description_title": "Critical: Too many errors",
        "metric_alert": {
            "alert_rule": {"aggregate": "count()", "dataset": "events", "id": "7", "name": "Too many errors",
                           "projects": ["bar"], "query": "level:error", "time_window": 10, "triggers": []},
            "date_started": "2020-09-13T12:26:40.000000Z",
            "id": "4",
            "identifier": "1",
            "projects": ["bar"],
            "status": 20,
            "title": "Too many errors",
        },
        "web_url": "https://sentry.io/organizations/baz/alerts/1/",
    },
    "installation": INSTALLATION,
}
COMMENT = {
    "action": "created",
    "data": {"comment": "Looks like the runner loads before @meredith's fix.\n\n- [ ] deploy *again*",
             "project_slug": "front-end", "comment_id": 1234, "issue_id": 1170820242,
             "timestamp": "2022-03-02T21:51:44.118160Z"},
    "installation": INSTALLATION,
    "actor": {"type": "user", "id": 1, "name": "colleen"},
}
INSTALLATION_CREATED = {
    "action": "created",
    "actor": {"id": 1, "name": "Meredith Heller", "type": "user"},
    "data": {"installation": {"status": "pending", "organization": {"slug": "test-org"},
                              "app": {"uuid": "2ebf071f-28df-4989-aca9-c37c763b278f", "slug": "webhooks-galore"},
                              "uuid": INSTALLATION["uuid"]}},
    "installation": INSTALLATION,
}

DOCS = {
    "issue-alerts.mdx": "2e59ab6ba685ba182f3d75d377589c88d1df5197",
    "errors.mdx": "d750f1eb4ee0de7e3b479c73b7da9deec3cf87ed",
    "issues.mdx": "158d8cdfd4b710bc47d6decd3088e4b5302dbe6d",
    "metric-alerts.mdx": "7ca5c2f7d6dac50b3dc92f6211397820100150e1",
    "comments.mdx": "2e59ab6ba685ba182f3d75d377589c88d1df5197",
    "installation.mdx": "16a596536ee884a69e8b7a85e4f3214d2503b107",
}


def docs_case(case, page, payload, resource, why, config=None, signed_with=None):
    body = encode(payload)
    headers = hook(resource, body, signed_with) if signed_with else hook(resource)
    write_case(case, body, headers, docs_source(page, DOCS[page], why), config)


def main():
    # ---- real legacy WebHooks plugin payloads: every MANIFEST row of system sentry
    real = {
        "gitter-services/sentry/sentry_error_event.json": "legacy-error",
        "gitter-services/sentry/sentry_warning_event.json": "legacy-warning",
        "idobata-hooks/sentry/error.json": "legacy-minimal",
    }
    assert set(real) == {k for k, r in ROWS.items() if r["system"] == "sentry"}
    for local, case in real.items():
        write_case(case, raw(local), JSON, source_txt(local))

    base = "gitter-services/sentry/sentry_error_event.json"
    legacy = json.loads(raw(base))

    def legacy_case(case, why, config=None, **changes):
        payload = copy.deepcopy(legacy)
        for path, value in changes.items():
            target, keys = payload, path.split("__")
            for key in keys[:-1]:
                target = target[key]
            target[keys[-1]] = value
        write_case(case, encode(payload), JSON, source_txt(base, "synthetic: " + why), config)

    fatal_tags = [tag if tag[0] != "level" else ["level", "fatal"] for tag in legacy["event"]["tags"]]
    legacy_case("legacy-fatal", "level fatal (top level and tag)", level="fatal", event__tags=fatal_tags)
    legacy_case("legacy-info", "level info", level="info")
    legacy_case("legacy-modern", "the fields today's WebHooks plugin adds: project_slug, triggering_rules, "
                "event.title, event.environment, event.release, an unhandled exception with an in-app frame",
                project_slug="badges", triggering_rules=["Notify on new errors"],
                event__title="ZeroDivisionError: division by zero", event__environment="production",
                event__release="badges@2.4.1",
                event__exception={"values": [{"type": "ZeroDivisionError", "value": "division by zero",
                                              "mechanism": {"type": "excepthook", "handled": False},
                                              "stacktrace": {"frames": [
                                                  {"filename": "badges/app.py", "function": "handle", "lineno": 40, "in_app": True},
                                                  {"filename": "badges/stats.py", "function": "ratio", "lineno": 12, "in_app": True},
                                                  {"filename": "lib/decimal.py", "function": "div", "lineno": 7, "in_app": False}]}}]})
    legacy_case("legacy-mentions", "config mention: a username and an email",
                config={"mention": ["oncall", "sre-lead@example.com"]})
    legacy_case("legacy-sender-overrides", "config username and avatar_url",
                config={"username": "Sentry (badges)", "avatar_url": "https://example.com/sentry.png"})
    legacy_case("legacy-injection", "message, culprit and project name rewritten to try mentions and Markdown "
                "injection; url is javascript:",
                message="Ping @everyone [click](javascript:alert(1)) *now* <@bob@example.com>\nsecond line",
                culprit="`rm -rf` @here", project_name="# badges_[prod]", url="javascript:alert(1)")
    legacy_case("legacy-oversized", "a 20000-character message and 300 triggering rules: fields are cut, the "
                "message stays within 4000 characters", message="Overflow " * 2500,
                culprit="x" * 5000, triggering_rules=[f"Rule {i}" for i in range(300)])
    legacy_case("min-level-skipped", "level warning with config min_level error", level="warning",
                config={"min_level": "error"})
    legacy_case("min-level-matched", "level fatal with config min_level error", level="fatal",
                config={"min_level": "error"})
    legacy_case("environments-skipped", "event.environment staging; config environments [production]",
                event__environment="staging", config={"environments": ["production"]})
    legacy_case("config-unknown-key", "config with a typo (min_levels instead of min_level)",
                config={"min_levels": "error"})
    legacy_case("config-bad-level", "config min_level is not a Sentry level", config={"min_level": "severe"})
    write_case("invalid-json", raw(base)[:300], JSON, source_txt(base, "body cut after 300 bytes"))
    write_case("not-sentry", b'{"text": "hello"}\n', JSON,
               source_txt(base, "synthetic: a JSON object that is not a Sentry payload"))

    # ---- integration platform
    docs_case("event-alert", "issue-alerts.mdx", EVENT_ALERT, "event_alert",
              "trimmed (no grouping, sdk, request), environment production, frames of the example")
    docs_case("event-alert-mentions", "issue-alerts.mdx", EVENT_ALERT, "event_alert",
              "as event-alert; config environments [production] and mention",
              config={"environments": ["production"], "mention": ["oncall"]})
    docs_case("event-alert-signed", "issue-alerts.mdx", EVENT_ALERT, "event_alert",
              "as event-alert, signed with the client_secret in config.json",
              config={"client_secret": SECRET}, signed_with=SECRET)
    docs_case("event-alert-bad-signature", "issue-alerts.mdx", EVENT_ALERT, "event_alert",
              "as event-alert, signed with another secret than config.json's client_secret",
              config={"client_secret": SECRET}, signed_with="not the client secret")
    docs_case("event-alert-unsigned", "issue-alerts.mdx", EVENT_ALERT, "event_alert",
              "as event-alert, no Sentry-Hook-Signature although config.json has a client_secret",
              config={"client_secret": SECRET})
    docs_case("error-created", "errors.mdx", ERROR, "error",
              "trimmed; environment production; the frame is in-app with a function")
    docs_case("issue-created", "issues.mdx", ISSUE, "issue",
              "trimmed; url, web_url and project_url added as the page's attributes describe; substatus new")
    resolved = copy.deepcopy(ISSUE)
    resolved["action"] = "resolved"
    resolved["actor"] = {"type": "user", "id": 1, "name": "Meredith Heller"}
    resolved["data"]["issue"].update(status="resolved", substatus=None, statusDetails={"inRelease": "front-end@1.2.0"})
    docs_case("issue-resolved", "issues.mdx", resolved, "issue",
              "as issue-created; action resolved in release front-end@1.2.0 by a user", config={"mention": ["oncall"]})
    assigned = copy.deepcopy(ISSUE)
    assigned["action"] = "assigned"
    assigned["actor"] = {"type": "user", "id": 1, "name": "Meredith Heller"}
    assigned["data"]["issue"]["assignedTo"] = {"type": "user", "id": "2", "name": "Colleen O'Brien", "email": "colleen@example.com"}
    docs_case("issue-assigned", "issues.mdx", assigned, "issue", "as issue-created; action assigned to a user")
    regressed = copy.deepcopy(ISSUE)
    regressed["action"] = "unresolved"
    regressed["data"]["issue"].update(substatus="regressed", count="42", userCount=7)
    docs_case("issue-regressed", "issues.mdx", regressed, "issue", "as issue-created; action unresolved, substatus regressed",
              config={"mention": ["oncall"]})
    archived = copy.deepcopy(ISSUE)
    archived["action"] = "ignored"
    archived["data"]["issue"].update(status="ignored", substatus="archived_until_escalating")
    docs_case("issue-archived-filtered", "issues.mdx", archived, "issue",
              "as issue-created; action ignored (archived until escalating); config issue_actions without archived",
              config={"issue_actions": ["created", "unresolved"]})
    docs_case("metric-alert-critical", "metric-alerts.mdx", METRIC_ALERT, "metric_alert",
              "trimmed; action critical (the example is resolved), description_text with a real newline",
              config={"mention": ["oncall"]})
    docs_case("comment-created", "comments.mdx", COMMENT, "comment",
              "comment text rewritten with a mention and Markdown")
    docs_case("installation-skipped", "installation.mdx", INSTALLATION_CREATED, "installation", "unchanged values")
    docs_case("unknown-resource-ignored", "installation.mdx", INSTALLATION_CREATED, "seer",
              "the installation example sent with Sentry-Hook-Resource: seer, a resource the plugin does not render")


if __name__ == "__main__":
    main()
