"""Case mapping and name validation (nicks, channels, hostnames)."""

from __future__ import annotations

import re

from .limits import CHANNELLEN, CHANTYPES, NICKLEN

_ASCII = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_RFC1459 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ[]\\~", "abcdefghijklmnopqrstuvwxyz{}|^")
_STRICT_RFC1459 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ[]\\", "abcdefghijklmnopqrstuvwxyz{}|")
_TABLES = {"ascii": _ASCII, "rfc1459": _RFC1459, "strict-rfc1459": _STRICT_RFC1459}


def casefold(name: str, mapping: str = "ascii") -> str:
    """Fold a nick or channel name the way the server compares them (ISUPPORT CASEMAPPING)."""
    return name.translate(_TABLES.get(mapping, _ASCII))


# RFC 2812 2.3.1: letter / special first, then letters, digits, specials and '-'.
_NICK_RE = re.compile(r"[A-Za-z\[\]\\`_^{|}][A-Za-z0-9\[\]\\`_^{|}-]*\Z")
# Anything but NUL, BEL, CR, LF, space, comma and colon after the channel prefix.
_CHANNEL_BODY_RE = re.compile(r"[^\x00\x07\r\n ,:]+\Z")
# Characters that would let a room name hide or fake text where it is listed: C0 and C1
# controls (formatting codes too), DEL, bidi marks, embeddings, overrides and isolates, and
# invisible zero-width and format characters. One character class: no backtracking.
_SPOOFING_RE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2069\ufeff\ufff9-\ufffb]"
)
_HOST_LABEL_RE = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\Z")


def is_valid_nick(nick: str, max_len: int = NICKLEN) -> bool:
    return 0 < len(nick) <= max_len and _NICK_RE.match(nick) is not None


def is_channel(name: str, chantypes: str = CHANTYPES) -> bool:
    return bool(name) and name[0] in chantypes


def has_spoofing_chars(text: str) -> bool:
    """Controls, bidi or invisible characters (see _SPOOFING_RE)."""
    return _SPOOFING_RE.search(text) is not None


def is_valid_channel(name: str, max_len: int = CHANNELLEN, chantypes: str = CHANTYPES) -> bool:
    return (
        1 < len(name) <= max_len
        and name[0] in chantypes
        and _CHANNEL_BODY_RE.match(name, 1) is not None
        and not has_spoofing_chars(name)
    )


def is_valid_hostname(host: str) -> bool:
    """A server-style hostname: two or more dot-separated labels (letters, digits, hyphens)."""
    if "." not in host or len(host) > 253 or host.endswith("."):
        return False
    labels = host.split(".")
    return all(len(lb) <= 63 and _HOST_LABEL_RE.match(lb) for lb in labels)


def safe_nick(name: str, max_len: int = NICKLEN, fallback: str = "guest") -> str:
    """Turn an arbitrary string (a login name, say) into a valid nick."""
    cleaned = re.sub(r"[^A-Za-z0-9\[\]\\`_^{|}-]", "", name)
    cleaned = cleaned.lstrip("0123456789-")[:max_len]
    # The fallback is cut too, so a short max_len still gets a valid nick.
    return cleaned if is_valid_nick(cleaned, max_len) else fallback[:max_len]
