"""Error events, as the legacy WebHooks plugin and the integration platform's ``event_alert``
and ``error`` resources send them: the facts a message shows, and the message."""

from __future__ import annotations

from typing import Any, Optional

from .config import Config, normalize_level
from .text import Rendered, code, get, inline, level_badge, link, string

#: Alert rules listed at most.
MAX_RULES = 5


class Event:
    """What a message says about one event."""

    __slots__ = ("level", "project", "title", "url", "culprit", "frame", "environment",
                 "release", "unhandled", "rules")

    def __init__(self, event: dict[str, Any], **facts: Any) -> None:
        """Facts from the event object; ``facts`` (from the envelope) take precedence."""
        tags = _tags(event.get("tags"))
        self.level: str = normalize_level(facts.get("level") or event.get("level") or tags.get("level"))
        self.project: Optional[str] = facts.get("project") or _project_from_api_url(event.get("url"))
        self.title: str = facts.get("title") or _title(event)
        self.url: Optional[str] = facts.get("url") or string(event.get("web_url"))
        self.culprit: Optional[str] = facts.get("culprit") or string(event.get("culprit"))
        self.frame: Optional[str] = _crash_frame(event)
        self.environment: Optional[str] = string(event.get("environment")) or tags.get("environment")
        self.release: Optional[str] = string(event.get("release")) or tags.get("release")
        self.unhandled: bool = any(
            get(value, "mechanism", "handled") is False for value in _exceptions(event)
        )
        self.rules: list[str] = facts.get("rules") or []

    @classmethod
    def from_legacy(cls, body: dict[str, Any]) -> Event:
        """An event from the legacy WebHooks plugin's payload (project, culprit, level,
        message, url, event{...})."""
        event = body.get("event") if isinstance(body.get("event"), dict) else {}
        message = string(body.get("message"))
        rules = body.get("triggering_rules")
        return cls(
            event,
            level=string(body.get("level")),
            project=string(body.get("project_name")) or string(body.get("project")),
            title=string(event.get("title")) or (message and message.strip().split("\n")[0]),
            url=string(body.get("url")),
            culprit=string(body.get("culprit")),
            rules=[r for r in rules if string(r)] if isinstance(rules, list) else [],
        )

    def filtered_out(self, config: Config) -> Optional[str]:
        """Why the webhook's configuration skips this event, or ``None``."""
        if config.below_min_level(self.level):
            return f"level \"{self.level}\" is below this webhook's `min_level` ({config.min_level})"
        if config.environments is not None and self.environment not in config.environments:
            allowed = ", ".join(config.environments)
            if self.environment is None:
                return f"the event has no environment; this webhook's `environments` is ({allowed})"
            return f"environment \"{self.environment}\" is not in this webhook's `environments` ({allowed})"
        return None

    def render(self, config: Config) -> Rendered:
        """The message lines, and the mentions to end it with."""
        where = f" in {inline(self.project, 100)}" if self.project else ""
        lines = [f"{level_badge(self.level)}{where}: {link(self.title, self.url, 300)}"]
        if self.frame:
            lines.append(f"at {self.frame}")
        elif self.culprit:
            lines.append(code(self.culprit))
        facts = []
        if self.environment:
            facts.append(f"environment {code(self.environment, 60)}")
        if self.release:
            facts.append(f"release {code(self.release, 60)}")
        if self.unhandled:
            facts.append("unhandled")
        lines.append(" · ".join(facts))
        if self.rules:
            rules = ", ".join(inline(rule, 100) for rule in self.rules[:MAX_RULES])
            more = len(self.rules) - MAX_RULES
            lines.append(f"Alert rule: {rules}" + (f" ... and {more} more" if more > 0 else ""))
        return lines, config.mentions


def _tags(tags: Any) -> dict[str, str]:
    """Event tags, sent as ``[[key, value], ...]`` (or an object), as a dict of strings."""
    pairs = tags.items() if isinstance(tags, dict) else tags if isinstance(tags, list) else ()
    out = {}
    for pair in pairs:
        if isinstance(pair, (list, tuple)) and len(pair) == 2 and string(pair[1]):
            out.setdefault(str(pair[0]), string(pair[1]))
    return out


def _exceptions(event: dict[str, Any]) -> list[Any]:
    values = get(event, "exception", "values") or get(event, "sentry.interfaces.Exception", "values")
    return values if isinstance(values, list) else []


def _title(event: dict[str, Any]) -> str:
    """The event's title, or what best stands for one."""
    for candidate in (
        event.get("title"),
        get(event, "logentry", "formatted"),
        event.get("message"),
        get(event, "sentry.interfaces.Message", "message"),
    ):
        text = string(candidate)
        if text:
            return text.strip().split("\n")[0]
    exceptions = _exceptions(event)
    if exceptions:
        kind, value = string(get(exceptions[-1], "type")), string(get(exceptions[-1], "value"))
        if kind or value:
            return ": ".join(part for part in (kind, value) if part)
    return "(no message)"


def _crash_frame(event: dict[str, Any]) -> Optional[str]:
    """``file:line`` in ``function`` of the frame where the error happened: the most recent
    in-app frame, else the most recent frame (Sentry lists frames oldest first)."""
    frames = None
    for exception in reversed(_exceptions(event)):
        frames = get(exception, "stacktrace", "frames")
        if frames:
            break
    if not frames:
        frames = get(event, "stacktrace", "frames") or get(event, "sentry.interfaces.Stacktrace", "frames")
    frames = [frame for frame in frames or () if isinstance(frame, dict)]
    if not frames:
        return None
    frame = next((f for f in reversed(frames) if f.get("in_app") is True), frames[-1])
    place = string(frame.get("filename")) or string(frame.get("abs_path")) or string(frame.get("module"))
    if place is None:
        return None
    if isinstance(frame.get("lineno"), int):
        place = f"{place}:{frame['lineno']}"
    function = string(frame.get("function"))
    return code(place) + (f" in {code(function)}" if function else "")


def _project_from_api_url(url: Any) -> Optional[str]:
    """The project slug in an event's API URL, ``.../api/0/projects/{org}/{project}/events/...``."""
    parts = url.split("/") if isinstance(url, str) else []
    if "projects" in parts:
        index = parts.index("projects")
        if index + 2 < len(parts) and parts[index + 2]:
            return parts[index + 2]
    return None
