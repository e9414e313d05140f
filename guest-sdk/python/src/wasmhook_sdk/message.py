"""What a successful transform returns: chat messages, or a deliberate skip."""

from __future__ import annotations

from typing import Iterable, Optional, Union

from ._text import trim
from .errors import Internal
from .limits import MAX_USERNAME_CHARS


class Message:
    """One chat message to post. The host validates it like a native webhook post: content of
    1 to 4000 characters, a username of at most 64 characters, an ``http(s)`` avatar URL (see
    :mod:`wasmhook_sdk.limits`).

    Content is Markdown; mentions use ``@username``, ``@email`` or ``<@email>`` (see
    :mod:`wasmhook_sdk.mention`).

    >>> Message("Deployed **v1.2**", username="CI").username
    'CI'
    """

    __slots__ = ("content", "username", "avatar_url")

    def __init__(
        self, content: str, username: Optional[str] = None, avatar_url: Optional[str] = None
    ) -> None:
        self.content = content
        self.username = username
        self.avatar_url = avatar_url

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return (self.content, self.username, self.avatar_url) == (
            other.content,
            other.username,
            other.avatar_url,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return (
            f"Message({self.content!r}, username={self.username!r}, "
            f"avatar_url={self.avatar_url!r})"
        )


#: What ``Outcome.messages`` accepts for one message: a :class:`Message`, or its content.
MessageLike = Union[Message, str]


def _message(value: MessageLike) -> Message:
    if isinstance(value, Message):
        return value
    if isinstance(value, str):
        return Message(value)
    raise TypeError(f"expected a Message or a str, got {type(value).__name__}")


class Outcome:
    """What a successful transform produced: messages to post in order, or a skip.

    >>> Outcome.messages("build passed").as_messages()[0].content
    'build passed'
    >>> Outcome.skip("ping").skip_reason
    'ping'
    """

    __slots__ = ("_messages", "skip_reason")

    def __init__(self, messages: Iterable[MessageLike] = (), skip_reason: Optional[str] = None):
        """Prefer :meth:`messages`, :meth:`message` and :meth:`skip`."""
        self._messages = [_message(m) for m in messages]
        #: The reason of a skip; ``None`` when there are messages.
        self.skip_reason = skip_reason

    @classmethod
    def messages(cls, *messages: Union[MessageLike, Iterable[MessageLike]]) -> Outcome:
        """Post these messages, in order: ``Outcome.messages(a, b)`` or
        ``Outcome.messages([a, b])``. The host caps the count and takes an empty list as a skip."""
        if len(messages) == 1 and not isinstance(messages[0], (Message, str)):
            return cls(messages[0])  # type: ignore[arg-type]
        return cls(messages)  # type: ignore[arg-type]

    @classmethod
    def message(cls, message: MessageLike) -> Outcome:
        """Post one message."""
        return cls((message,))

    @classmethod
    def skip(cls, reason: str) -> Outcome:
        """Post nothing, on purpose, and tell the sender why (GitHub's ``ping``, or an event
        the webhook's configuration filters out)."""
        return cls((), reason)

    def as_messages(self) -> list[Message]:
        """The messages to post (empty for a skip)."""
        return self._messages

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Outcome):
            return NotImplemented
        return (self._messages, self.skip_reason) == (other._messages, other.skip_reason)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        if self.skip_reason is not None:
            return f"Outcome.skip({self.skip_reason!r})"
        return f"Outcome.messages({self._messages!r})"


def check_sender_overrides(username: Optional[str], avatar_url: Optional[str]) -> None:
    """Checks a configuration's ``username`` and ``avatar_url`` overrides against the rules the
    host applies to every message (a display name of 1 to 64 characters, an http(s) avatar
    URL), so a bad configuration fails as :class:`Internal` naming the key, before any message.

    >>> check_sender_overrides("CI Bot", "https://example.com/a.png")
    """
    if avatar_url is not None and not avatar_url.startswith(("https://", "http://")):
        raise Internal("invalid plugin configuration: avatar_url must be an http(s) URL")
    if username is not None and (not trim(username) or len(username) > MAX_USERNAME_CHARS):
        raise Internal("invalid plugin configuration: username must have 1 to 64 characters")
