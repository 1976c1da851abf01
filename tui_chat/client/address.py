"""What ``tui-chat join`` accepts: ``HOST[:PORT]`` or an IRC URL, parsed once for the CLI.

``ircs://192.168.1.20:6697/lobby#sha256=…`` is what ``tui-chat host`` prints: TLS, the room,
and the certificate's fingerprint to pin. ``irc://`` is the plaintext form. Ports default to
6697 with TLS and 6667 without.
"""

from __future__ import annotations

from typing import NamedTuple

from ..irc.limits import DEFAULT_PORT, DEFAULT_TLS_PORT

_HEX = frozenset("0123456789abcdef")


class BadAddress(ValueError):
    """Not an address we can join; the message says what was expected."""


class JoinTarget(NamedTuple):
    host: str
    port: int
    tls: bool = False
    room: str | None = None  # "#lobby" from the URL's path
    pin: str | None = None  # SHA-256 (lowercase hex) from the URL's #sha256= fragment


def parse_target(text: str, *, tls: bool = False) -> JoinTarget:
    """``text`` as typed; ``tls`` (--tls) makes a bare ``HOST[:PORT]`` a TLS one."""
    text = text.strip()
    if "://" in text:
        return _parse_url(text)
    host, port = split_host_port(text, DEFAULT_TLS_PORT if tls else DEFAULT_PORT)
    return JoinTarget(host, port, tls=tls)


def split_host_port(text: str, default_port: int) -> tuple[str, int]:
    """``HOST``, ``HOST:PORT``, ``[v6]``, ``[v6]:PORT``, or a bare IPv6 literal."""
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or not host or (rest and not rest.startswith(":")):
            raise BadAddress(f"expected HOST[:PORT], got {text!r}")
        return host, _port(rest[1:], text, default_port) if rest else default_port
    if text.count(":") > 1:  # a bare IPv6 literal such as ::1
        return text, default_port
    host, colon, port_text = text.partition(":")
    if not host or any(ch.isspace() or ch in "/@#?" for ch in host):
        raise BadAddress(f"expected HOST[:PORT], got {text!r}")
    return host, _port(port_text, text, default_port) if colon else default_port


def _port(port_text: str, text: str, default_port: int) -> int:
    if not port_text.isdigit() or len(port_text) > 5 or not 0 < int(port_text) < 65536:
        raise BadAddress(f"not a port number in {text!r}")
    return int(port_text)


def normalize_fingerprint(text: str) -> str | None:
    """``AB:CD:…`` or ``abcd…`` (64 hex digits) -> lowercase hex; None if it is not one."""
    digest = text.strip().replace(":", "").lower()
    if len(digest) != 64 or not set(digest) <= _HEX:
        return None
    return digest


def _parse_url(text: str) -> JoinTarget:
    from urllib.parse import unquote, urlsplit

    try:
        url = urlsplit(text)
    except ValueError as exc:
        raise BadAddress(f"not an IRC URL: {exc}") from None
    if url.scheme not in ("irc", "ircs"):
        raise BadAddress(f"expected irc:// or ircs://, got {url.scheme}://")
    tls = url.scheme == "ircs"
    host, port = split_host_port(url.netloc, DEFAULT_TLS_PORT if tls else DEFAULT_PORT)
    room = unquote(url.path.strip("/").split("/", 1)[0].split(",", 1)[0]) or None
    if room is not None and not room.startswith(("#", "&")):
        room = "#" + room
    pin = None
    name, equals, value = url.fragment.partition("=")
    if url.fragment and not equals and room is None:
        room = "#" + url.fragment  # irc://host/#room, as people write it
    elif url.fragment:
        pin = normalize_fingerprint(value) if name.lower() == "sha256" else None
        if pin is None:
            raise BadAddress("expected #sha256= and 64 hex digits after the address")
        if not tls:
            raise BadAddress("a certificate fingerprint needs ircs://")
    return JoinTarget(host, port, tls=tls, room=room, pin=pin)
