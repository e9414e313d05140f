"""The limits the host applies to every message a plugin returns, as the Rust SDK's
``wasmhook_sdk::limits`` states them. A message over a limit fails the whole delivery, so
budget content against these rather than against a copy of the numbers.

>>> from wasmhook_sdk import markdown
>>> len(markdown.truncate("x" * 5000, MAX_CONTENT_CHARS))
4000
"""

from __future__ import annotations

from typing import Final

#: The most characters (code points) a message's content may have; content must also have at
#: least one.
MAX_CONTENT_CHARS: Final = 4000

#: The most characters a message's display name (``username``) may have; a display name must
#: also have a character other than whitespace.
MAX_USERNAME_CHARS: Final = 64
