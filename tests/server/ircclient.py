"""A small blocking IRC client for tests: send lines, wait for the line you expect (with a timeout).

Waiting is always for an event, never a sleep. To check that something did NOT arrive, call
:meth:`TestClient.sync`: the server answers PINGs in order, so everything it sent before the
PONG has arrived by then.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import socket
import ssl
import time
from collections.abc import Callable

from tui_chat.irc.message import Message, parse

DEFAULT_TIMEOUT = 5.0
_tokens = itertools.count()

Matcher = str | Callable[[Message], bool]


class Closed(AssertionError):
    """The server closed the connection while we were waiting for something else."""


class TestClient:
    __test__ = False  # not a pytest class

    def __init__(
        self,
        port: int,
        host: str = "127.0.0.1",
        timeout: float = DEFAULT_TIMEOUT,
        tls: ssl.SSLContext | None = None,
    ):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        if tls is not None:
            self.sock = tls.wrap_socket(self.sock, server_hostname="tui-chat")
        self.timeout = timeout
        self._buf = b""
        self.nick: str | None = None
        self.eof = False
        self.received: list[str] = []  # every line, for failure messages

    # -- sending -------------------------------------------------------------------------------

    def send(self, line: str | bytes) -> None:
        data = line if isinstance(line, bytes) else line.encode()
        if not data.endswith(b"\n"):
            data += b"\r\n"
        self.sock.sendall(data)

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    # -- receiving -----------------------------------------------------------------------------

    def read_line(self, timeout: float | None = None) -> str | None:
        """The next line (without CR LF), or None at EOF. Raises TimeoutError."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while b"\n" not in self._buf:
            if self.eof:
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no complete line; last lines:\n" + self._tail())
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                raise TimeoutError("no complete line; last lines:\n" + self._tail()) from None
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self.eof = True
                if not self._buf:
                    return None
                self._buf += b"\n"
            self._buf += chunk
        raw, _, self._buf = self._buf.partition(b"\n")
        line = raw.rstrip(b"\r").decode("utf-8", "replace")
        self.received.append(line)
        return line

    def _tail(self) -> str:
        return "\n".join(self.received[-15:])

    def expect(self, matcher: Matcher, timeout: float | None = None) -> Message:
        """Read until a line matches; return it parsed. Non-matching lines are skipped.

        ``matcher`` is a command or numeric (``"PRIVMSG"``, ``"001"``), a regex (starting with
        ``re:``) tried against the raw line, or a predicate on the parsed Message.
        """
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self.read_line(max(0.0, remaining))
            except TimeoutError:
                raise TimeoutError(
                    f"timed out waiting for {matcher!r}; got:\n{self._tail()}"
                ) from None
            if line is None:
                raise Closed(f"closed while waiting for {matcher!r}; got:\n{self._tail()}")
            if not line:
                continue
            msg = parse(line)
            if _matches(matcher, line, msg):
                return msg

    def expect_params(self, command: str, *params: str, timeout: float | None = None) -> Message:
        """Wait for ``command`` with exactly these parameters (skipping other lines)."""
        return self.expect(lambda m: m.command == command and m.params == params, timeout)

    def collect(self, until: Matcher, timeout: float | None = None) -> list[Message]:
        """Every message up to and including the first one matching ``until``."""
        out: list[Message] = []

        def record(msg: Message) -> bool:
            out.append(msg)
            return _matches(until, msg.to_line(), msg)

        self.expect(record, timeout)
        return out

    def sync(self, timeout: float | None = None) -> list[Message]:
        """Round-trip a PING; return what arrived before its PONG."""
        token = f"sync{next(_tokens)}"
        self.send(f"PING {token}")
        got = self.collect(lambda m: m.command == "PONG" and m.params[-1] == token, timeout)
        return got[:-1]

    def expect_closed(self, timeout: float | None = None) -> list[str]:
        """Wait for EOF; return the lines received before it."""
        start = len(self.received)
        while self.read_line(timeout) is not None:
            pass
        return self.received[start:]

    # -- conveniences --------------------------------------------------------------------------

    def register(self, nick: str, caps: tuple[str, ...] = (), password: str | None = None):
        if password is not None:
            self.send(f"PASS {password}")
        if caps:
            self.send("CAP LS 302")
            self.send(f"CAP REQ :{' '.join(caps)}")
        self.send(f"NICK {nick}")
        self.send(f"USER {nick.lower()} 0 * :Real {nick}")
        if caps:
            self.expect("CAP")
            self.send("CAP END")
        self.expect("001")
        self.expect(lambda m: m.command in ("376", "422"))
        self.nick = nick
        return self

    def join(self, channel: str) -> None:
        self.send(f"JOIN {channel}")
        self.expect(lambda m: m.command == "366" and m.params[1].lower() == channel.lower())

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def _matches(matcher: Matcher, line: str, msg: Message) -> bool:
    if callable(matcher):
        return bool(matcher(msg))
    if matcher.startswith("re:"):
        return re.search(matcher[3:], line) is not None
    return msg.command == matcher.upper()
