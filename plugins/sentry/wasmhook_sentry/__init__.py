"""The Sentry transformer: turns Sentry webhooks into chat messages.

Two kinds of senders are understood:

- the legacy **WebHooks** plugin (Project settings > Legacy Integrations > WebHooks, or an
  alert rule's "Send a notification via WebHooks"): no event header, a body with ``project``,
  ``project_name``, ``culprit``, ``level``, ``message``, ``url`` and the ``event``;
- **integration-platform** webhooks (an internal integration): the ``Sentry-Hook-Resource``
  header names the resource, ``event_alert`` (an alert rule fired), ``error`` (every error),
  ``issue``, ``metric_alert`` and ``comment``; ``installation`` is skipped. They are signed
  with the integration's Client Secret in ``Sentry-Hook-Signature``.

One message per request; the configuration (see ``config.py`` and README.md) filters by level
and environment, checks signatures, and adds mentions.
"""

from __future__ import annotations

from typing import Any

from wasmhook_sdk import (
    InvalidPayload,
    Message,
    Outcome,
    Plugin,
    Request,
    Unauthorized,
    UnsupportedEvent,
    log,
    signature,
)

from . import resources
from .config import SCHEMA, Config
from .event import Event
from .text import Rendered, finish, get, string


class Sentry(Plugin):
    """The Sentry plugin."""

    #: The host checks a configuration against it when it is set.
    config_schema = SCHEMA

    def validate_config(self, config: dict[str, Any]) -> None:
        """Refuses, when it is set, a configuration a request would fail on: the schema's
        keys and types, then levels, actions, mentions and sender overrides."""
        Config(Request(config=config))

    def transform(self, request: Request) -> Outcome:
        config = Config(request)
        if config.client_secret is not None:
            sent = request.header("sentry-hook-signature")
            if sent is None:
                raise Unauthorized("missing Sentry-Hook-Signature (the webhook has a `client_secret`)")
            if not signature.verify_hmac_sha256(config.client_secret, request.body, sent):
                raise Unauthorized("bad Sentry-Hook-Signature")
        body = request.json()
        if not isinstance(body, dict):
            raise InvalidPayload("the body is not a JSON object")
        resource = request.header("sentry-hook-resource")
        log.debug("Sentry-Hook-Resource %s", resource or "(none: legacy WebHooks plugin)")
        if resource is None:
            result = _legacy(body, config)
        else:
            result = _integration(resource.strip().lower(), body, config)
        if isinstance(result, Outcome):
            return result
        lines, mentions = result
        return Outcome.message(Message(finish(lines, mentions), config.username, config.avatar_url))


def _legacy(body: dict[str, Any], config: Config) -> Rendered | Outcome:
    if "action" in body and "data" in body:
        raise InvalidPayload("an integration-platform payload without its Sentry-Hook-Resource header")
    if not any(key in body for key in ("message", "event", "culprit", "project", "project_name")):
        raise InvalidPayload("not a Sentry webhook: no `message`, `event` or `project`")
    event = Event.from_legacy(body)
    skipped = event.filtered_out(config)
    return Outcome.skip(skipped) if skipped else event.render(config)


def _integration(resource: str, body: dict[str, Any], config: Config) -> Rendered | Outcome:
    action = string(body.get("action")) or ""
    data = body.get("data")
    if not isinstance(data, dict):
        raise InvalidPayload("integration-platform webhook without a `data` object")
    if resource == "installation":
        return Outcome.skip(f"installation {action or 'event'}: nothing to post")
    if resource in ("event_alert", "error"):
        key = "event" if resource == "event_alert" else "error"
        found = data.get(key)
        if not isinstance(found, dict):
            raise InvalidPayload(f"{resource} webhook without `data.{key}`")
        rule = string(data.get("triggered_rule")) or string(get(data, "issue_alert", "title"))
        event = Event(found, rules=[rule] if rule else [])
        skipped = event.filtered_out(config)
        return Outcome.skip(skipped) if skipped else event.render(config)
    if resource == "issue":
        return resources.issue(action, data, body.get("actor"), config)
    if resource == "metric_alert":
        return resources.metric_alert(action, data, config)
    if resource == "comment":
        return resources.comment(action, data, body.get("actor"))
    raise UnsupportedEvent(f'Sentry-Hook-Resource "{resource}"')
