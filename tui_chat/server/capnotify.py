"""cap-notify used for real: the history capabilities follow the history store's health.

While the store cannot write (disk full, file turned read-only, database locked), CHATHISTORY
can only answer ``MESSAGE_ERROR``: ``draft/chathistory`` and ``draft/event-playback`` are then
withdrawn with ``CAP DEL`` and offered again with ``CAP NEW`` once the store has reopened.
Only clients that have cap-notify (asked for, or implied by ``CAP LS 302``) are told, as the
spec requires; for them a withdrawn capability is off until they request it again. A change
costs one pass over the connections, and the store's reopen back-off (seconds, growing) bounds
how often that can happen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .state import CAP_CAP_NOTIFY, CAPABILITIES, HISTORY_CAPABILITIES

if TYPE_CHECKING:
    from .server import Server

_NAMES = sorted(HISTORY_CAPABILITIES)
_BITS = sum(CAPABILITIES[name] for name in _NAMES)


def history_offered(srv: Server) -> bool:
    return srv.history.enabled and srv.history.healthy


def follow_history(srv: Server) -> None:
    """Offer or withdraw the history capabilities if the store's health has changed."""
    offered = history_offered(srv)
    if offered == (_NAMES[0] in srv.capabilities):
        return
    if offered:
        for name in _NAMES:
            srv.capabilities[name] = CAPABILITIES[name]
    else:
        for name in _NAMES:
            srv.capabilities.pop(name, None)
    verb = "NEW" if offered else "DEL"
    names = " ".join(_NAMES)
    for c in list(srv.clients):
        if not c.caps & CAP_CAP_NOTIFY or c.closing or c.sock is None:
            continue
        if not offered:
            c.set_caps(c.caps & ~_BITS)
        srv.out.send(c, f":{srv.name} CAP {c.nick or '*'} {verb} :{names}")
