"""The webhook's configuration for the Sentry plugin (every key optional; see README.md).

An unknown key, a mistyped value, an unknown level or action, or an invalid mention is a
configuration error (HTTP 500; the delivery can be replayed once the configuration is fixed).
"""

from __future__ import annotations

from typing import Optional

from wasmhook_sdk import ConfigError, Request, check_sender_overrides, mention

#: Sentry's levels, least severe first.
LEVELS = ("debug", "info", "warning", "error", "fatal")
#: Other spellings senders use (Python logging's names).
LEVEL_ALIASES = {"warn": "warning", "critical": "fatal"}
#: The `action`s of `issue` webhooks.
ISSUE_ACTIONS = ("created", "unresolved", "resolved", "assigned", "archived")

SCHEMA = {
    "client_secret": str,
    "min_level": str,
    "environments": list[str],
    "issue_actions": list[str],
    "mention": list[str],
    "username": str,
    "avatar_url": str,
}


def normalize_level(level: object) -> str:
    """A payload's level, lower-cased with aliases resolved; ``error`` when absent (Sentry's
    default level)."""
    if not isinstance(level, str) or not level.strip():
        return "error"
    level = level.strip().lower()
    return LEVEL_ALIASES.get(level, level)


class Config:
    """The Sentry plugin's configuration, checked."""

    __slots__ = ("client_secret", "min_level", "environments", "issue_actions", "mentions",
                 "username", "avatar_url")

    def __init__(self, request: Request) -> None:
        raw = request.config(SCHEMA)
        #: The integration's Client Secret: requests must carry a valid Sentry-Hook-Signature.
        self.client_secret: Optional[str] = raw.get("client_secret")
        #: Events and issues below this level are skipped.
        self.min_level: str = normalize_level(raw.get("min_level", "debug"))
        if self.min_level not in LEVELS:
            raise ConfigError("min_level", f"`min_level` must be one of {', '.join(LEVELS)}")
        #: Events from other environments are skipped (``None``: no filter).
        self.environments: Optional[list[str]] = raw.get("environments")
        #: The issue actions to post.
        self.issue_actions: list[str] = raw.get("issue_actions", list(ISSUE_ACTIONS))
        for action in self.issue_actions:
            if action not in ISSUE_ACTIONS:
                raise ConfigError(
                    "issue_actions",
                    f"issue action {action!r} is not one of {', '.join(ISSUE_ACTIONS)}",
                )
        #: Mentions (``@username``, ``<@email>``) ending alerting messages.
        self.mentions: list[str] = []
        for target in raw.get("mention", []):
            found = mention.email(target) if "@" in target else mention.username(target)
            if found is None:
                raise ConfigError(
                    "mention",
                    f"mention {target!r} is neither a username (letters, digits, _) nor an email",
                )
            if found not in self.mentions:
                self.mentions.append(found)
        self.username: str = raw.get("username", "Sentry")
        self.avatar_url: Optional[str] = raw.get("avatar_url")
        check_sender_overrides(self.username, self.avatar_url)

    def below_min_level(self, level: str) -> bool:
        """Whether events of ``level`` are filtered out (unknown levels never are)."""
        return level in LEVELS and LEVELS.index(level) < LEVELS.index(self.min_level)
