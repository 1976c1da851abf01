"""This machine's LAN address, for the "others can join with" line. Sends no traffic."""

from __future__ import annotations

import ipaddress
import shlex
import socket
from urllib.parse import quote

from ..irc.limits import DEFAULT_PORT, DEFAULT_ROOM, DEFAULT_TLS_PORT

_WILDCARDS = {"", "0.0.0.0", "::", "*"}


def lan_address(bind: str = "") -> str:
    """The address others on the LAN would use to reach a server bound to ``bind``.

    A specific bind address is the answer itself. Otherwise a UDP socket is "connected" to a
    private address (which only picks a route, nothing is sent) and its local address is used,
    falling back to the host name's address and finally to 127.0.0.1.
    """
    if bind not in _WILDCARDS:
        return bind
    for family, probe in ((socket.AF_INET, "10.254.254.254"), (socket.AF_INET, "192.168.254.254")):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.connect((probe, 1))
                address: str = sock.getsockname()[0]
        except OSError:
            continue
        if address and not ipaddress.ip_address(address).is_unspecified:
            return address
    try:
        address = socket.gethostbyname(socket.gethostname())
    except OSError:
        address = ""
    return address or "127.0.0.1"


def join_hint(
    address: str, port: int, room: str = DEFAULT_ROOM, fingerprint: str | None = None
) -> str:
    """The command line others can type to join; ``tui-chat join`` parses it as printed.

    With TLS it is ``tui-chat join ircs://ADDR[:PORT]/ROOM#sha256=…``: the fingerprint pins
    the certificate. Without, ``tui-chat join ADDR[:PORT] [--room ROOM]``: the room is left out
    when it is the default, and given without its ``#`` when that reads the same to ``--room``
    (a ``#`` would start a shell comment); anything else is quoted.
    """
    host = f"[{address}]" if ":" in address else address
    if fingerprint is not None:
        path = "/" + quote(room[1:], safe="") if room.startswith("#") and room[1:] else ""
        shown_port = "" if port == DEFAULT_TLS_PORT else f":{port}"
        return f"tui-chat join ircs://{host}{shown_port}{path}#sha256={fingerprint}"
    line = f"tui-chat join {host}" + ("" if port == DEFAULT_PORT else f":{port}")
    if room and room.lower() != DEFAULT_ROOM.lower():
        bare = room[1:] if room.startswith("#") and not room[1:].startswith(("#", "&")) else room
        line += f" --room {shlex.quote(bare)}"
    return line


def irssi_hint(address: str, port: int, fingerprint: str) -> str:
    """The same for irssi, whose -tls_pinned_cert takes the colon-separated SHA-256."""
    from ..server.tls import colon_fingerprint  # the form `serve` logs, made in one place

    return (
        f"irssi: /connect -tls -tls_pinned_cert {colon_fingerprint(fingerprint)} {address} {port}"
    )


PASSWORD_NOTE = "A password is needed: tell them, and tui-chat asks them for it."
