"""Behaviour of the Sentry plugin beyond the fixture cases: configuration checks, signatures,
filters and the handling of odd payloads."""

import json

import pytest
from wasmhook_sdk import ConfigError, Internal, InvalidPayload, Request, Unauthorized, UnsupportedEvent, log, signature

from wasmhook_sentry import Sentry

LEGACY = {
    "project": "api",
    "project_name": "API",
    "culprit": "app.views in index",
    "level": "error",
    "message": "KeyError: 'user'",
    "url": "https://sentry.io/organizations/acme/issues/1/",
    "event": {"environment": "production", "tags": [["level", "error"]]},
}


def run(payload, config=None, resource=None, headers=()):
    """The outcome for ``payload``, sent as the integration-platform ``resource`` if given."""
    all_headers = [("Content-Type", "application/json"), *headers]
    if resource:
        all_headers.append(("Sentry-Hook-Resource", resource))
    body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
    return Sentry().transform(Request(body, headers=all_headers, config=config or {}))


def content(outcome):
    (message,) = outcome.as_messages()
    return message.content


@pytest.mark.parametrize(
    "config, problem",
    [
        ({"mention": ["not valid!"]}, "mention 'not valid!' is neither"),
        ({"issue_actions": ["opened"]}, "issue action 'opened' is not one of"),
        ({"environments": "production"}, "`environments` must be an array of strings"),
        ({"client_secret": 42}, "`client_secret` must be a string"),
        ({"username": ""}, "username must have 1 to 64 characters"),
        ({"avatar_url": "ftp://x/y.png"}, "avatar_url must be an http(s) URL"),
    ],
)
def test_bad_configuration_is_an_internal_error(config, problem):
    with pytest.raises(Internal) as error:
        run(LEGACY, config)
    assert problem in error.value.message


def test_signature_accepts_the_prefix_and_rejects_tampering():
    body = json.dumps(LEGACY).encode()
    hex_digest = signature.hmac_sha256_hex("secret", body)
    for sent in (hex_digest, "sha256=" + hex_digest, hex_digest.upper()):
        outcome = run(body, {"client_secret": "secret"}, headers=[("sentry-hook-signature", sent)])
        assert "KeyError" in content(outcome)
    with pytest.raises(Unauthorized, match="bad Sentry-Hook-Signature"):
        run(body + b" ", {"client_secret": "secret"}, headers=[("Sentry-Hook-Signature", hex_digest)])
    with pytest.raises(Unauthorized, match="missing"):
        run(body, {"client_secret": "secret"})


def test_levels_aliases_and_min_level():
    assert content(run({**LEGACY, "level": "CRITICAL"})).startswith("💥 **Fatal** in API")
    assert content(run({**LEGACY, "level": "warn"})).startswith("🟠 **Warning**")
    assert content(run({**LEGACY, "level": None})).startswith("🔴 **Error**")
    assert run({**LEGACY, "level": "info"}, {"min_level": "warning"}).skip_reason == (
        "level \"info\" is below this webhook's `min_level` (warning)"
    )
    # Unknown levels are shown, never filtered out.
    assert content(run({**LEGACY, "level": "sample"}, {"min_level": "fatal"})).startswith("⚪ **Sample**")


def test_environment_filter_reads_the_tag_and_skips_events_without_one():
    event = {"tags": [["environment", "staging"]]}
    assert "environment `staging`" in content(run({**LEGACY, "event": event}, {"environments": ["staging"]}))
    outcome = run({**LEGACY, "event": {}}, {"environments": ["production"]})
    assert outcome.skip_reason == "the event has no environment; this webhook's `environments` is (production)"


def test_rejects_what_is_not_a_sentry_payload():
    for body in ("[1, 2]", '"text"', "{}"):
        with pytest.raises(InvalidPayload):
            run(body)
    with pytest.raises(InvalidPayload, match="without its Sentry-Hook-Resource"):
        run({"action": "created", "data": {}})
    with pytest.raises(InvalidPayload, match="without a `data` object"):
        run({"action": "created"}, resource="issue")
    with pytest.raises(InvalidPayload, match="without `data.event`"):
        run({"action": "triggered", "data": {}}, resource="event_alert")


def test_unknown_actions_are_ignored_and_deleted_comments_skipped():
    issue = {"action": "merged", "data": {"issue": {"title": "x"}}}
    with pytest.raises(UnsupportedEvent, match='issue action "merged"'):
        run(issue, resource="issue")
    with pytest.raises(UnsupportedEvent, match='metric alert action "paused"'):
        run({"action": "paused", "data": {"description_title": "x"}}, resource="metric_alert")
    assert run({"action": "deleted", "data": {}}, resource="comment").skip_reason == "comment deleted"


def test_resolved_metric_alerts_and_issues_mention_nobody():
    config = {"mention": ["oncall"]}
    metric = {"action": "resolved", "data": {"description_title": "Resolved: Too many errors"}}
    assert "cc " not in content(run(metric, config, "metric_alert"))
    issue = {"action": "resolved", "data": {"issue": {"title": "x", "level": "error"}}}
    assert content(run(issue, config, "issue")) == "✅ **Resolved**: x"
    assert content(run({**issue, "action": "created"}, config, "issue")).endswith("\ncc @oncall")


def test_untrusted_urls_are_not_linked_and_at_signs_in_urls_are_encoded():
    text = content(run({**LEGACY, "url": "javascript:alert(1)"}))
    assert "](" not in text and "KeyError: 'user'" in text
    text = content(run({**LEGACY, "url": "https://sentry.io/?by=@ada"}))
    assert "(https://sentry.io/?by=%40ada)" in text


def test_frames_prefer_the_most_recent_in_app_frame():
    frames = [
        {"filename": "app.py", "lineno": 3, "function": "main", "in_app": True},
        {"filename": "lib.py", "lineno": 9, "function": "helper", "in_app": False},
    ]
    event = {"exception": {"values": [{"type": "E", "stacktrace": {"frames": frames}}]}}
    assert "\nat `app.py:3` in `main`" in content(run({**LEGACY, "event": event}))
    event["exception"]["values"][0]["stacktrace"]["frames"] = frames[1:]
    assert "\nat `lib.py:9` in `helper`" in content(run({**LEGACY, "event": event}))


def test_logs_the_resource():
    log.take_records()
    run({"action": "created", "data": {"installation": {}}}, resource="Installation")
    assert log.take_records() == [(log.Level.DEBUG, "Sentry-Hook-Resource Installation")]


def test_validate_config_names_the_key_a_request_would_fail_on():
    plugin = Sentry()
    plugin.validate_config({"min_level": "warning", "mention": ["ops"]})
    for config, path in [
        ({"colour": "red"}, "colour"),
        ({"environments": "prod"}, "environments"),
        ({"min_level": "loud"}, "min_level"),
        ({"issue_actions": ["exploded"]}, "issue_actions"),
        ({"mention": ["not a name"]}, "mention"),
    ]:
        with pytest.raises(ConfigError) as error:
            plugin.validate_config(config)
        assert error.value.path == path, config
