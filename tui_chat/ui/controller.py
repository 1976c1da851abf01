"""The connection controller: what to connect to, the ChatClient, the embedded server, and the
inbox through which the network worker hands events to the UI.

No Textual here: :class:`~tui_chat.ui.app.ChatApp` runs ``client.run()`` in a thread worker and
the inbox posts :class:`~tui_chat.ui.messages.InboxReady` through a callable it is given.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..irc.limits import DEFAULT_PORT, DEFAULT_TLS_PORT
from .hosting import history_warning, lan_join_hints, start_server

if TYPE_CHECKING:
    from ..client import events as ev
    from ..client.client import ChatClient
    from ..client.sasl import SaslConfig
    from ..client.tls import TLSPolicy
    from ..server import ServerThread

# Backpressure: with more than BACKLOG_EVENTS events waiting for the UI, the network worker
# pauses (at most BACKLOG_WAIT seconds per batch) so parsing does not starve the UI thread of
# the interpreter; it never stops reading for long (the server drops a client that lags 1 MiB).
BACKLOG_EVENTS = 100
BACKLOG_WAIT = 0.03


@dataclass(frozen=True, slots=True)
class ConnectionPlan:
    """What to connect to (and, when hosting, what to serve)."""

    mode: str  # "host" or "join"
    host: str  # server to connect to
    port: int
    nick: str
    room: str
    password: str | None
    bind: str = ""  # when hosting
    rooms: tuple[str, ...] = ()  # every room to join ("#room key" with a key); () = just room
    tls: TLSPolicy | None = None  # how to trust the server over TLS; None: plaintext
    sasl: SaslConfig | None = field(default=None, repr=False)  # log in (a named server's account)


class Inbox:
    """Events from the network worker, waiting for the UI thread.

    Batches coalesce: while one wake-up message waits in the UI's queue, newer events join the
    inbox instead of queueing another, so a keypress never waits behind a backlog.
    """

    def __init__(self, wake: Callable[[], object]) -> None:
        self._wake = wake  # posts one InboxReady to the app; thread-safe
        self._events: list[ev.Event] = []
        self._lock = threading.Lock()
        self._posted = False
        self._drained = threading.Event()
        self._drained.set()
        self.closed = False

    def put(self, events: tuple[ev.Event, ...]) -> None:
        """Called from the network worker thread."""
        with self._lock:
            self._events.extend(events)
            backlog = len(self._events) > BACKLOG_EVENTS
            if backlog:
                self._drained.clear()
            post = not self._posted
            self._posted = True
        if post:
            self._wake()
        if backlog and not self.closed:
            self._drained.wait(BACKLOG_WAIT)

    def take(self, count: int) -> tuple[list[ev.Event], bool]:
        """The next ``count`` events at most, and whether more are waiting after them."""
        with self._lock:
            events = self._events[:count]
            del self._events[:count]
            if len(self._events) <= BACKLOG_EVENTS // 2:
                self._drained.set()
            return events, bool(self._events)

    def done(self) -> None:
        """The UI stops taking for now: wake it again if events are waiting, else let put()."""
        with self._lock:
            more = bool(self._events)
            self._posted = more
        if more:
            self._wake()

    def close(self) -> None:
        self.closed = True
        self._drained.set()


class ConnectionController:
    """The client and the embedded server of one app, and starting and stopping them."""

    def __init__(
        self,
        *,
        initial: ConnectionPlan,
        realname: str,
        server: ServerThread | None = None,
        server_data_dir: Path | None = None,
        server_tls: tuple[int, Path] | None = None,
        client_options: dict[str, Any] | None = None,
        log_dir: Path | None = None,
    ) -> None:
        self.initial = initial
        self.realname = realname
        self.server = server  # a started ServerThread when run_app started it
        self.server_data_dir = server_data_dir  # history of a room hosted from the connect screen
        # (TLS port, certificate dir) of a room hosted from the connect screen; None: plaintext
        self.server_tls = server_tls
        self.host_bind = ""  # where a room hosted from the connect screen listens ("": all)
        self.client_options = client_options or {}
        self.log_dir = log_dir  # chat logs (and search in them); None: logging off
        self.plan: ConnectionPlan | None = None  # the one in use
        self.client: ChatClient | None = None
        self.quitting = False

    def host(self, plan: ConnectionPlan) -> tuple[ConnectionPlan, list[str]]:
        """Start (or reuse) the embedded server; the plan to connect to it and how others join
        (the tui-chat command line first).

        Raises OSError when the server cannot listen.
        """
        if self.server is None:
            tls_port, tls_dir = self.server_tls or (None, None)
            self.server = start_server(
                plan.bind, plan.port, plan.password, self.server_data_dir, tls_port, tls_dir
            )
        port = self.server.port
        local = ConnectionPlan(
            mode="host",
            host="127.0.0.1" if plan.bind in ("", "0.0.0.0", "::") else plan.bind,
            port=port,
            nick=plan.nick,
            room=plan.room,
            password=plan.password,
            bind=plan.bind,
            rooms=plan.rooms,
        )
        # Our own client stays on the loopback's plaintext port: nothing to protect there.
        return local, lan_join_hints(plan.bind, port, plan.room, self.server)

    def history_warning(self) -> str | None:
        """The hosted room keeps no history (another host holds the file ...): why."""
        return history_warning(self.server) if self.server is not None else None

    @property
    def join_note(self) -> str | None:
        """What the join command cannot say: that our room needs a password (never which)."""
        from .netinfo import PASSWORD_NOTE

        plan = self.plan or self.initial
        return PASSWORD_NOTE if plan.mode == "host" and plan.password else None

    def connect(
        self, plan: ConnectionPlan, emit: Callable[[tuple[ev.Event, ...]], None]
    ) -> ChatClient:
        """Make the client for ``plan``; the caller runs ``client.run()`` in a worker."""
        self.plan = plan
        self.client = make_client(
            host=plan.host,
            port=plan.port,
            nick=plan.nick,
            password=plan.password,
            room=plan.room,
            rooms=plan.rooms,
            realname=self.realname,
            emit=emit,
            options=self.client_options,
            log_dir=self.log_dir,
            tls=plan.tls,
            sasl=plan.sasl,
        )
        return self.client

    def make_operator(self, nick: str) -> None:
        """Our own server makes us an operator of its rooms (nothing when joining elsewhere)."""
        if self.server is not None:
            self.server.make_operator(nick)

    def stop_client(self, quit_message: str = "Leaving") -> None:
        client, self.client = self.client, None
        if client is not None:
            client.stop(quit_message=quit_message)

    def stop_server(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            server.stop(reason="Server shutting down")


def format_server(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}"


def make_client(
    *,
    host: str,
    port: int,
    nick: str,
    password: str | None,
    room: str,
    realname: str,
    emit: Callable[[tuple[ev.Event, ...]], None],
    options: dict[str, Any],
    rooms: tuple[str, ...] = (),
    log_dir: Path | None = None,
    tls: TLSPolicy | None = None,
    sasl: SaslConfig | None = None,
) -> ChatClient:
    from ..client.client import ChatClient, ClientSettings

    extra: dict[str, Any] = dict(options)
    if log_dir is not None:
        extra.setdefault("log_dir", log_dir)
    if tls is not None:
        extra.setdefault("tls", tls)
    if sasl is not None:
        extra.setdefault("sasl", sasl)
    settings = ClientSettings(
        host=host,
        port=port or (DEFAULT_TLS_PORT if tls is not None else DEFAULT_PORT),
        nick=nick,
        realname=realname,
        password=password,
        rooms=rooms or (room,),
        **extra,
    )
    return ChatClient(settings, emit)
