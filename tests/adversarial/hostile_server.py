"""A scripted hostile IRC server on a loopback socket (port 0), served by one bounded thread.

It plays registration (CAP, NICK/USER, 001/376) and JOIN well enough for the real client and app,
then does whatever the test queues with :meth:`HostileServer.send`. All socket work happens in
its own thread (the app's event loop must never block on a socket); the test only queues bytes
and waits for lines with a timeout. What it keeps is bounded: the last lines received, and an
output queue the test fills with a bounded number of lines.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

from tui_chat.irc import Message, parse

TIMEOUT = 10.0
KEEP_LINES = 20_000
_CHUNK = 65536


class HostileServer:
    """One connection at a time; each new connection is registered and joined again.

    ``caps``: the CAP LS offer (None answers CAP with 421). ``on_welcome``: lines sent right after
    the MOTD on every connection. ``close_after_welcome``: drop each connection once welcomed.
    """

    def __init__(
        self,
        *,
        caps: str | None = "message-tags echo-message server-time batch",
        close_after_welcome: bool = False,
        register: bool = True,
        echo: bool = True,
        rcvbuf: int | None = None,
    ) -> None:
        self.caps = caps
        self.close_after_welcome = close_after_welcome
        self.register = register
        self.echo = echo  # echo PRIVMSG/NOTICE back when echo-message was acked
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            # Set before listen() so accepted sockets inherit it: a small window fills quickly
            # once the server stops reading.
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.setblocking(False)
        self.port: int = self.listener.getsockname()[1]
        self.lines: deque[tuple[int, str]] = deque(maxlen=KEEP_LINES)  # (connection no., line)
        self.connections = 0
        self.welcomes = 0
        self.on_line: Callable[[HostileServer, str], bool] | None = None  # True: handled
        self.reading = True  # False: what the client sends stays in the socket
        self._reading_applied = True  # what the server thread last watched the socket for
        self._cond = threading.Condition()
        self._out = bytearray()
        self._conn: socket.socket | None = None
        self._nick = "alice"
        self._acked: set[str] = set()
        self._negotiating = False
        self._user_seen = False
        self._stop = False
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._thread = threading.Thread(target=self._run, name="hostile-server", daemon=True)
        self._thread.start()

    # -- test side -------------------------------------------------------------------------

    def send(self, *lines: str) -> None:
        data = "".join(line + "\r\n" for line in lines).encode("utf-8", "surrogateescape")
        self.send_bytes(data)

    def send_bytes(self, data: bytes) -> None:
        with self._cond:
            self._out += data
        self._poke()

    def stop_reading(self, stop: bool = True, timeout: float = TIMEOUT) -> None:
        """Stop (or resume) reading the client, as a server that never reads its socket.

        Returns once the server thread has done so: nothing sent after this is read.
        """
        self.reading = not stop
        self._poke()
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._reading_applied != self.reading:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("the server thread did not change its reading")
                self._cond.wait(remaining)

    def drop(self) -> None:
        """Close the current connection now (what was queued for it is lost)."""
        with self._cond:
            self._out.clear()
        self._poke(b"d")

    @property
    def nick(self) -> str:
        return self._nick

    @property
    def backlog(self) -> int:
        """Bytes queued for the client and not yet written."""
        with self._cond:
            return len(self._out)

    def wait_line(
        self, match: Callable[[str], bool] | str, timeout: float = TIMEOUT, after: int = 0
    ) -> str:
        """The first received line (of connection ``after`` or later) matching ``match``."""
        test = match if callable(match) else (lambda line, frag=match: frag in line)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for conn, line in self.lines:
                    if conn >= after and test(line):
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    tail = "\n".join(line for _, line in list(self.lines)[-20:])
                    raise AssertionError(f"no line matching {match!r} in {timeout}s:\n{tail}")
                self._cond.wait(remaining)

    def seen(self, fragment: str) -> list[str]:
        with self._cond:
            return [line for _, line in self.lines if fragment in line]

    def wait_welcomes(self, count: int, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.welcomes < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{self.welcomes} welcomes, wanted {count}")
                self._cond.wait(remaining)

    def close(self) -> None:
        self._stop = True
        self._poke()
        self._thread.join(5)
        for sock in (self.listener, self._wake_r, self._wake_w):
            sock.close()

    def _poke(self, byte: bytes = b"w") -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(byte)

    # -- server thread ---------------------------------------------------------------------

    def _run(self) -> None:
        sel = selectors.DefaultSelector()
        sel.register(self.listener, selectors.EVENT_READ)
        sel.register(self._wake_r, selectors.EVENT_READ)
        buf = b""
        try:
            while not self._stop:
                conn = self._conn
                reading = self.reading
                if conn is not None:
                    with self._cond:
                        want = bool(self._out)
                    events = (selectors.EVENT_READ if reading else 0) | (
                        selectors.EVENT_WRITE if want else 0
                    )
                    _watch(sel, conn, events)
                with self._cond:
                    self._reading_applied = reading
                    self._cond.notify_all()
                for key, mask in sel.select(0.2):
                    if key.fileobj is self._wake_r:
                        with contextlib.suppress(OSError):
                            if b"d" in self._wake_r.recv(4096) and self._conn is not None:
                                self._close_conn(sel)
                                buf = b""
                    elif key.fileobj is self.listener:
                        with contextlib.suppress(BlockingIOError):
                            new, _ = self.listener.accept()
                            if self._conn is not None:
                                self._close_conn(sel)
                            new.setblocking(False)
                            self._conn = new
                            buf = b""
                            with self._cond:
                                self.connections += 1
                                self._out.clear()
                                self._acked = set()
                                self._negotiating = False
                                self._user_seen = False
                                self._cond.notify_all()
                            sel.register(new, selectors.EVENT_READ)
                    elif key.fileobj is self._conn:
                        if mask & selectors.EVENT_WRITE:
                            self._write()
                        if mask & selectors.EVENT_READ:
                            try:
                                data = self._conn.recv(_CHUNK)
                            except OSError:
                                data = b""
                            if not data:
                                self._close_conn(sel)
                                buf = b""
                                continue
                            buf += data
                            while b"\n" in buf:
                                raw, buf = buf.split(b"\n", 1)
                                self._handle(raw.rstrip(b"\r").decode("utf-8", "replace"))
                            if self._conn is None:
                                buf = b""
                                with contextlib.suppress(KeyError, ValueError):
                                    sel.unregister(key.fileobj)
        finally:
            if self._conn is not None:
                self._close_conn(sel)
            sel.close()

    def _write(self) -> None:
        conn = self._conn
        if conn is None:
            return
        with self._cond:
            try:
                n = conn.send(self._out[:_CHUNK])
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            del self._out[:n]

    def _close_conn(self, sel: selectors.BaseSelector) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(KeyError, ValueError):
            sel.unregister(conn)
        conn.close()

    def _reply(self, *lines: str) -> None:
        with self._cond:
            self._out += "".join(line + "\r\n" for line in lines).encode()

    def _handle(self, line: str) -> None:
        with self._cond:
            self.lines.append((self.connections, line))
            self._cond.notify_all()
        if self.on_line is not None and self.on_line(self, line):
            return
        try:
            msg = parse(line)
        except Exception:
            return
        cmd = msg.command
        if cmd == "CAP" and msg.param(0) == "LS" and self.register:
            if self.caps is None:
                self._reply(":irc.test 421 * CAP :Unknown command")
            else:
                self._negotiating = True  # registration waits for CAP END, as on real servers
                self._reply(f":irc.test CAP * LS :{self.caps}")
        elif cmd == "CAP" and msg.param(0) == "END":
            self._negotiating = False
            if self._user_seen:
                self._welcome()
        elif cmd == "CAP" and msg.param(0) == "REQ":
            self._acked = set(msg.param(1).split())
            self._reply(f":irc.test CAP * ACK :{msg.param(1)}")
        elif cmd == "NICK":
            self._nick = msg.param(0)
        elif cmd == "USER" and self.register:
            self._user_seen = True
            if not self._negotiating:
                self._welcome()
        elif cmd == "PING":
            self._reply(f":irc.test PONG irc.test :{msg.param(0)}")
        elif cmd == "JOIN":
            for channel in msg.param(0).split(","):
                self._reply(
                    f":{self._nick}!u@h JOIN {channel}",
                    f":irc.test 353 {self._nick} = {channel} :{self._nick}",
                    f":irc.test 366 {self._nick} {channel} :End of /NAMES list.",
                )
        elif cmd in ("PRIVMSG", "NOTICE") and self.echo and "echo-message" in self._acked:
            echo = Message.of(cmd, *msg.params, source=f"{self._nick}!u@h", tags=msg.tags)
            self._reply(echo.to_line())

    def _welcome(self) -> None:
        self._reply(
            f":irc.test 001 {self._nick} :Welcome",
            f":irc.test 005 {self._nick} CASEMAPPING=rfc1459 :are supported",
            f":irc.test 376 {self._nick} :End of MOTD",
        )
        with self._cond:
            self.welcomes += 1
            self._cond.notify_all()
        if self.close_after_welcome:
            self._write()
            self._poke(b"d")


def _watch(sel: selectors.BaseSelector, conn: socket.socket, events: int) -> None:
    """Register ``conn`` for ``events``; none at all (a selector refuses 0) unregisters it."""
    try:
        sel.get_key(conn)
    except KeyError:
        if events:
            sel.register(conn, events)
        return
    if events:
        sel.modify(conn, events)
    else:
        sel.unregister(conn)


@contextlib.contextmanager
def hostile_server(**kwargs) -> Iterator[HostileServer]:
    server = HostileServer(**kwargs)
    try:
        yield server
    finally:
        server.close()


# -- a JOIN/PART/NICK flood in a big channel (shared by the client and app tests) ----------

ROSTER_MEMBERS = 10_000
ROSTER_FLOOD = 5_000


def names_lines(nick: str, channel: str = "#lobby") -> list[str]:
    """A NAMES refresh: us and ROSTER_MEMBERS others, 100 a line, then the end of the list."""
    names = [nick] + [f"m{i}" for i in range(ROSTER_MEMBERS)]
    lines = [
        f":irc.test 353 {nick} = {channel} :{' '.join(names[i : i + 100])}"
        for i in range(0, len(names), 100)
    ]
    return [*lines, f":irc.test 366 {nick} {channel} :End of /NAMES list."]


def flood_lines(channel: str = "#lobby") -> tuple[list[str], set[str]]:
    """(the lines, the members left afterwards apart from us): joins, parts and renames."""
    members = {f"m{i}" for i in range(ROSTER_MEMBERS)}
    lines: list[str] = []
    for i in range(ROSTER_FLOOD):
        match i % 3:
            case 0:
                lines.append(f":j{i}!u@h JOIN {channel}")
                members.add(f"j{i}")
            case 1:
                lines.append(f":m{i}!u@h PART {channel} :bye")
                members.discard(f"m{i}")
            case _:
                lines.append(f":m{i}!u@h NICK r{i}")
                members.discard(f"m{i}")
                members.add(f"r{i}")
    return lines, members
