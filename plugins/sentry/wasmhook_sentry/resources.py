"""Messages for the integration platform's ``issue``, ``metric_alert`` and ``comment``
resources."""

from __future__ import annotations

from typing import Any, Optional

from wasmhook_sdk import InvalidPayload, Outcome, UnsupportedEvent

from .config import Config, normalize_level
from .text import Rendered, code, get, inline, level_badge, link, quote, string

#: Issue action to (emoji, label, whether it mentions).
ISSUE_LABELS = {
    "created": ("🆕", "New issue", True),
    "unresolved": ("🔁", "Unresolved", True),
    "resolved": ("✅", "Resolved", False),
    "assigned": ("👤", "Assigned", False),
    "archived": ("🔕", "Archived", False),
}
#: Labels of unresolved substatuses.
UNRESOLVED_LABELS = {"regressed": "Regressed", "escalating": "Escalating"}
#: What an archived substatus means.
ARCHIVED_UNTIL = {
    "archived_until_escalating": "until it escalates",
    "archived_until_condition_met": "until a condition is met",
    "archived_forever": "forever",
}
#: Metric alert action to (emoji, label, whether it mentions).
METRIC_LABELS = {
    "critical": ("🔴", "Critical", True),
    "warning": ("🟠", "Warning", True),
    "resolved": ("✅", "Resolved", False),
}


def issue(action: str, data: dict[str, Any], actor: Any, config: Config) -> Rendered | Outcome:
    """An ``issue`` webhook: created, unresolved, resolved, assigned or archived (``ignored``
    in older Sentry versions)."""
    action = "archived" if action == "ignored" else action
    if action not in ISSUE_LABELS:
        raise UnsupportedEvent(f'issue action "{action}"')
    if action not in config.issue_actions:
        allowed = ", ".join(config.issue_actions) or "none"
        return Outcome.skip(f"issue action \"{action}\" is not in this webhook's `issue_actions` ({allowed})")
    found = data.get("issue")
    if not isinstance(found, dict):
        raise InvalidPayload("issue webhook without `data.issue`")
    level = normalize_level(found.get("level"))
    if config.below_min_level(level):
        return Outcome.skip(f"level \"{level}\" is below this webhook's `min_level` ({config.min_level})")
    emoji, label, mentions = ISSUE_LABELS[action]
    substatus = string(found.get("substatus"))
    if action == "unresolved":
        label = UNRESOLVED_LABELS.get(substatus or "", label)
    title = string(found.get("title")) or "(no title)"
    short_id = string(found.get("shortId"))
    url = string(found.get("web_url")) or string(found.get("permalink"))
    project = string(get(found, "project", "name")) or string(get(found, "project", "slug"))
    where = f" in {inline(project, 100)}" if project else ""
    label_text = f"{short_id}: {title}" if short_id else title
    lines = [f"{emoji} **{label}**{where}: {link(label_text, url, 300)}"]

    facts = []
    if action in ("created", "unresolved"):
        facts.append(level_badge(level))
        culprit = string(found.get("culprit"))
        if culprit:
            facts.append(code(culprit))
        facts.append(_counts(found))
    elif action == "resolved":
        facts.append(_resolution(get(found, "statusDetails")))
    elif action == "assigned":
        facts.append(f"assigned to {_assignee(found.get('assignedTo'))}")
    else:
        facts.append(ARCHIVED_UNTIL.get(substatus or "", ""))
    by = _user(actor)
    if by and action != "created":
        facts.append(f"by {by}")
    lines.append(" · ".join(fact for fact in facts if fact))
    return lines, config.mentions if mentions else []


def metric_alert(action: str, data: dict[str, Any], config: Config) -> Rendered:
    """A ``metric_alert`` webhook: critical, warning or resolved."""
    if action not in METRIC_LABELS:
        raise UnsupportedEvent(f'metric alert action "{action}"')
    emoji, label, mentions = METRIC_LABELS[action]
    title = (
        string(data.get("description_title"))
        or string(get(data, "metric_alert", "alert_rule", "name"))
        or string(get(data, "metric_alert", "title"))
    )
    if title is None:
        raise InvalidPayload("metric alert webhook without `data.description_title`")
    lines = [f"{emoji} **{label}** metric alert: {link(title, string(data.get('web_url')), 300)}"]
    text = string(data.get("description_text"))
    if text:
        lines.append(quote(text, 500))
    return lines, config.mentions if mentions else []


def comment(action: str, data: dict[str, Any], actor: Any) -> Rendered | Outcome:
    """A ``comment`` webhook: created or updated (deleted comments are skipped)."""
    if action == "deleted":
        return Outcome.skip("comment deleted")
    verbs = {"created": "commented", "updated": "edited a comment"}
    if action not in verbs:
        raise UnsupportedEvent(f'comment action "{action}"')
    text = string(data.get("comment"))
    if text is None:
        raise InvalidPayload("comment webhook without `data.comment`")
    issue_id = string(data.get("issue_id"))
    project = string(data.get("project_slug"))
    target = f" on issue {code(issue_id, 30)}" if issue_id else ""
    where = f" in {inline(project, 100)}" if project else ""
    return [f"💬 {_user(actor) or 'Someone'} {verbs[action]}{target}{where}:", quote(text)], []


def _counts(found: dict[str, Any]) -> str:
    count, users = string(found.get("count")), string(found.get("userCount"))
    parts = [f"{count} event{'' if count == '1' else 's'}" if count else "",
             f"{users} user{'' if users == '1' else 's'}" if users else ""]
    return ", ".join(part for part in parts if part)


def _resolution(details: Any) -> str:
    release = string(get(details, "inRelease"))
    if release:
        return f"in release {code(release, 60)}"
    if get(details, "inNextRelease") is True:
        return "in the next release"
    commit = string(get(details, "inCommit", "commit")) or string(get(details, "inCommit", "id"))
    return f"in commit {code(commit[:12])}" if commit else ""


def _assignee(assignee: Any) -> str:
    name = string(get(assignee, "name")) or string(get(assignee, "email"))
    if name is None:
        return "nobody"
    team = "team " if get(assignee, "type") == "team" else ""
    return team + inline(name, 60)


def _user(actor: Any) -> Optional[str]:
    """The name of the user who acted, when a user did (not Sentry or an integration)."""
    if get(actor, "type") != "user":
        return None
    name = string(get(actor, "name"))
    return inline(name, 60) if name else None
