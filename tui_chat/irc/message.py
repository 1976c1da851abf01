"""The IRC wire format: one parser and one serialiser, shared by server and client.

A line is ``[@tags] [:source] COMMAND [params...] [:trailing]`` as described by RFC 1459/2812
and the IRCv3 message-tags specification. This module does no I/O and knows nothing about
sockets: callers hand it a decoded line without its CR LF and get a :class:`Message` back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

_TAG_UNESCAPES = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}
_TAG_ESCAPES = str.maketrans({";": "\\:", " ": "\\s", "\\": "\\\\", "\r": "\\r", "\n": "\\n"})


class ParseError(ValueError):
    """The line is not an IRC message (empty, or no command)."""


@dataclass(frozen=True, slots=True)
class Message:
    """One IRC message. ``command`` is upper-cased; ``params`` holds the trailing one too."""

    command: str
    params: tuple[str, ...] = ()
    source: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        command: str,
        *params: str,
        source: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Message:
        return cls(command.upper(), tuple(params), source, dict(tags or {}))

    def param(self, index: int, default: str = "") -> str:
        return self.params[index] if index < len(self.params) else default

    def with_tags(self, tags: dict[str, str]) -> Message:
        return Message(self.command, self.params, self.source, tags)

    def with_source(self, source: str | None) -> Message:
        return Message(self.command, self.params, source, self.tags)

    def to_line(self) -> str:
        """Serialise without the CR LF. The last parameter is made trailing when it must be."""
        parts: list[str] = []
        if self.tags:
            parts.append("@" + format_tags(self.tags))
        if self.source:
            parts.append(":" + self.source)
        parts.append(self.command)
        if self.params:
            *middle, last = self.params
            parts.extend(middle)
            if not last or " " in last or last.startswith(":"):
                last = ":" + last
            parts.append(last)
        return " ".join(parts)

    def __str__(self) -> str:
        return self.to_line()


def unescape_tag_value(value: str) -> str:
    if "\\" not in value:
        return value
    out: list[str] = []
    chars = iter(value)
    for ch in chars:
        if ch != "\\":
            out.append(ch)
            continue
        nxt = next(chars, None)
        if nxt is None:  # a lone trailing backslash is dropped
            break
        out.append(_TAG_UNESCAPES.get(nxt, nxt))
    return "".join(out)


def escape_tag_value(value: str) -> str:
    return value.translate(_TAG_ESCAPES)


def parse_tags(raw: str) -> dict[str, str]:
    """Parse the tag section (without its leading ``@``). Later duplicates win."""
    tags: dict[str, str] = {}
    for item in raw.split(";"):
        if not item:
            continue
        key, _, value = item.partition("=")
        if key:
            tags[key] = unescape_tag_value(value)
    return tags


def format_tags(tags: dict[str, str]) -> str:
    return ";".join(f"{k}={escape_tag_value(v)}" if v else k for k, v in tags.items())


def split_tags(line: str) -> tuple[str, str]:
    """Split a raw line into (tag section without ``@``, rest). Used for byte-limit checks."""
    if line.startswith("@"):
        raw, _, rest = line[1:].partition(" ")
        return raw, rest.lstrip(" ")
    return "", line


def parse(line: str) -> Message:
    """Parse one line (its CR LF or LF may be left on). Runs of spaces separate parameters.

    Only one line terminator is removed: a CR that belongs to the text (a bare CR is not a
    terminator here; callers that treat it as one split on it first) stays in it, so parsing
    what :meth:`Message.to_line` wrote gives the same message back.
    """
    if line.endswith("\n"):
        line = line[:-2] if line.endswith("\r\n") else line[:-1]
    raw_tags, rest = split_tags(line)
    tags = parse_tags(raw_tags) if raw_tags else {}
    source = None
    if rest.startswith(":"):
        source, _, rest = rest[1:].partition(" ")
        rest = rest.lstrip(" ")
        # A bare ":" is no source; "" would not survive to_line() and breaks source checks.
        source = source or None
    trailing = None
    head, sep, tail = rest.partition(" :")
    if sep:
        trailing = tail
    elif rest.startswith(":"):
        head, trailing = "", rest[1:]
    # Only ASCII space separates parameters: str.split() would also split on tab, NBSP and
    # \x1c-\x1f, which include the mIRC underline and strikethrough codes.
    words = [word for word in head.split(" ") if word]
    if not words:
        raise ParseError("no command")
    command, *params = words
    if trailing is not None:
        params.append(trailing)
    return Message(command.upper(), tuple(params), source, tags)


def split_source(source: str) -> tuple[str | None, str | None, str | None]:
    """``nick!user@host`` -> (nick, user, host); missing parts are None."""
    nick, _, host = source.partition("@")
    nick, _, user = nick.partition("!")
    return (nick or None), (user or None), (host or None)


def source_nick(source: str | None) -> str:
    return (split_source(source)[0] or "") if source else ""
