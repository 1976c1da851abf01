"""The connection: starting a session (joining or hosting), the network worker, quitting.

Threads: the network runs only in a Textual thread worker calling ``ChatClient.run()``; the client
reports through ``emit()`` (see :mod:`.network_events`). Quitting stops the client, waits for the
worker, then stops the server (which tells its clients) and joins its thread.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.worker import Worker, WorkerState

from ..client.names import SERVER_BUFFER
from ..irc.limits import DEFAULT_PORT
from .hosting import describe_listen_error, lan_join_hint, start_server

if TYPE_CHECKING:
    from .screens import ConnectRequest


@dataclass(frozen=True, slots=True)
class Session:
    mode: str  # "host" or "join"
    host: str  # server to connect to
    port: int
    nick: str
    room: str
    password: str | None
    bind: str = ""  # when hosting
    rooms: tuple[str, ...] = ()  # every room to join ("#room key" with a key); () = just room


class Connection:
    """The session and network worker lifecycle (mixin of ChatApp)."""

    def _recent_dir(self) -> Path:
        if self.data_path is not None:
            return self.data_path
        from ..config import data_dir

        return data_dir()

    def _ask_connect(self, error: str = "") -> None:
        from .recent import load_recent
        from .screens import ConnectScreen

        screen = ConnectScreen(
            nick=self.my_nick,
            room=self.initial.room,
            recent=load_recent(self._recent_dir()),
            error=error,
        )
        self.push_screen(screen, self._connect_chosen)

    def _connect_chosen(self, request: ConnectRequest | None) -> None:
        if request is None:
            return
        session = Session(
            mode=request.mode,
            host=request.host if request.mode == "join" else "",
            port=request.port,
            nick=request.nick,
            room=request.room,
            password=None,
            bind="",
        )
        if request.mode == "join":
            from .recent import RecentServer, remember

            remember(
                self._recent_dir(),
                RecentServer(
                    host=request.host, port=request.port, nick=request.nick, room=request.room
                ),
            )
        self._start(session)

    def _start(self, session: Session) -> None:
        if session.mode == "host":
            if self.server is None:
                try:
                    self.server = start_server(
                        session.bind, session.port, session.password, self.server_data_dir
                    )
                except OSError as exc:
                    message = describe_listen_error(session.bind, session.port, exc)
                    if self.mode == "connect":
                        self._ask_connect(message)
                    else:
                        self._info(SERVER_BUFFER, message, error=True)
                    return
            port = self.server.port
            self._hosted_port = port
            session = Session(
                mode="host",
                host="127.0.0.1" if session.bind in ("", "0.0.0.0", "::") else session.bind,
                port=port,
                nick=session.nick,
                room=session.room,
                password=session.password,
                bind=session.bind,
                rooms=session.rooms,
            )
            hint = lan_join_hint(session.bind, port)
            self._info(SERVER_BUFFER, f"Hosting a room on port {port}. Others can join with:")
            self._info(SERVER_BUFFER, f"    {hint}")
            self._join_hint = hint
        else:
            self._join_hint = None
        self.session = session
        self.my_nick = session.nick
        self._switch_on_join.add(self._key(session.room))
        self.client = make_client(
            host=session.host,
            port=session.port,
            nick=session.nick,
            password=session.password,
            room=session.room,
            rooms=session.rooms,
            realname=self.settings.realname,
            emit=self._emit,
            options=self.client_options,
            log_dir=self.log_dir,
        )
        self.server_label = format_server(session.host, session.port)
        self.network_worker = self._run_network(self.client)
        self._refresh_header()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="network",
        description="IRC connection (ChatClient.run)",
    )
    def _run_network(self, client: Any) -> None:
        client.run()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "network" or self._quitting:
            return
        if event.state == WorkerState.ERROR:
            error = worker.error
            message = f"The connection stopped: {type(error).__name__}: {error}"
            self.phase, self.phase_detail = "disconnected", "failed"
            self._info(SERVER_BUFFER, message, error=True)
            if self.current != SERVER_BUFFER:
                self._info(self.current, message, error=True)
            self._refresh_header()
        elif event.state == WorkerState.SUCCESS:
            self.phase = "disconnected"
            self._refresh_header()

    async def shutdown(self, quit_message: str = "Leaving") -> None:
        """Stop the client (it sends QUIT), wait for its worker, then stop the server."""
        if self._quitting:
            return
        self._quitting = True
        client, self.client = self.client, None
        if client is not None:
            client.stop(quit_message=quit_message)
        worker = self.network_worker
        if worker is not None and worker.state in (WorkerState.PENDING, WorkerState.RUNNING):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(worker.wait(), timeout=3.0)
        server, self.server = self.server, None
        if server is not None:
            server.stop(reason="Server shutting down")

    async def action_quit(self, quit_message: str = "Leaving") -> None:
        await self.shutdown(quit_message)
        self.exit(self.exit_status)

    def on_unmount(self) -> None:
        # Any exit path that skipped shutdown(): stop without waiting on the event loop.
        if self.client is not None:
            self.client.stop(quit_message="Leaving")
            self.client = None
        if self.server is not None:
            self.server.stop(reason="Server shutting down")
            self.server = None


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
    emit,
    options: dict[str, Any],
    rooms: tuple[str, ...] = (),
    log_dir: Path | None = None,
) -> Any:
    from ..client.client import ChatClient, ClientSettings

    extra: dict[str, Any] = dict(options)
    if log_dir is not None:
        extra.setdefault("log_dir", log_dir)
    settings = ClientSettings(
        host=host,
        port=port or DEFAULT_PORT,
        nick=nick,
        realname=realname,
        password=password,
        rooms=rooms or (room,),
        **extra,
    )
    return ChatClient(settings, emit)
