"""Decoding of ``application/x-www-form-urlencoded`` data (form bodies and query strings)."""

from __future__ import annotations

from typing import Optional

from .errors import InvalidPayload

_HEX = b"0123456789abcdefABCDEF"


def find(data: bytes, name: str) -> Optional[str]:
    """The decoded value of the first ``name=value`` pair whose decoded name is ``name``."""
    for pair in data.split(b"&"):
        if not pair:
            continue
        key, _, value = pair.partition(b"=")
        if decode(key) == name:
            return decode(value)
    return None


def decode(data: bytes) -> str:
    """Percent-decodes ``data`` and turns ``+`` into a space; a stray ``%`` is kept as is,
    as browsers do."""
    if b"%" in data or b"+" in data:
        out = bytearray()
        i, n = 0, len(data)
        while i < n:
            byte = data[i]
            if byte == 0x2B:  # +
                out.append(0x20)
            elif byte == 0x25 and _is_hex(data, i + 1) and _is_hex(data, i + 2):  # %XX
                out.append(int(data[i + 1 : i + 3], 16))
                i += 2
            else:
                out.append(byte)
            i += 1
        data = bytes(out)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InvalidPayload(f"form data is not UTF-8: {err}") from None


def _is_hex(data: bytes, index: int) -> bool:
    return index < len(data) and data[index] in _HEX
