"""Helpers shared by the interop tests: peer software lookup, a raw IRC client, polling.

The raw client parses lines with its own few lines of code rather than ``tui_chat.irc`` on
purpose: these tests look at our server from the outside, the way a third party does.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pytest

REQUIRE_PEERS_ENV = "TUI_CHAT_REQUIRE_PEERS"
DEFAULT_TIMEOUT = 15.0

T = TypeVar("T")


def require_binary(name: str) -> str:
    """Return the path of peer program ``name``.

    Missing: the test is skipped, except when ``TUI_CHAT_REQUIRE_PEERS=1`` (CI sets it), where
    it fails, so CI can never go green by silently skipping the interop tests.
    """
    path = shutil.which(name)
    if path is not None:
        return path
    if os.environ.get(REQUIRE_PEERS_ENV) == "1":
        pytest.fail(
            f"{name} is not installed but {REQUIRE_PEERS_ENV}=1 requires it "
            "(.ci/run installs it with apt-get)",
            pytrace=False,
        )
    pytest.skip(f"{name} is not installed")


def wait_until(
    probe: Callable[[], T | None],
    what: str,
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = 0.05,
    details: Callable[[], str] | None = None,
) -> T:
    """Poll ``probe`` until it returns something truthy, and return that; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() >= deadline:
            extra = f"\n--- details ---\n{details()}" if details is not None else ""
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}{extra}", pytrace=False)
        time.sleep(interval)


@dataclass(frozen=True)
class Line:
    """One received IRC line, split just enough for assertions."""

    raw: str
    tags: str
    source: str
    command: str
    params: tuple[str, ...]

    @property
    def nick(self) -> str:
        return self.source.split("!", 1)[0]

    @classmethod
    def parse(cls, raw: str) -> Line:
        rest = raw
        tags = source = ""
        if rest.startswith("@"):
            tags, _, rest = rest[1:].partition(" ")
            rest = rest.lstrip(" ")
        if rest.startswith(":"):
            source, _, rest = rest[1:].partition(" ")
            rest = rest.lstrip(" ")
        trailing = None
        if " :" in rest:
            rest, trailing = rest.split(" :", 1)
        elif rest.startswith(":"):
            rest, trailing = "", rest[1:]
        words = rest.split()
        command = words[0].upper() if words else ""
        params = words[1:] + ([trailing] if trailing is not None else [])
        return cls(raw, tags, source, command, tuple(params))


class RawClient:
    """A plain-socket IRC client: sends what it is told, answers PING, remembers every line."""

    def __init__(self, host: str, port: int, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.lines: list[Line] = []
        self._cursor = 0
        self._buffer = b""
        self.closed = False

    def send(self, line: str) -> None:
        self.sock.sendall(line.encode() + b"\r\n")

    def register(self, nick: str) -> None:
        self.send(f"NICK {nick}")
        self.send(f"USER {nick} 0 * :raw socket client {nick}")
        self.expect(lambda m: m.command == "001", "001 welcome")

    def join(self, channel: str) -> None:
        self.send(f"JOIN {channel}")
        self.expect(lambda m: m.command == "366" and m.params[1:2] == (channel,), f"366 {channel}")

    def _read_some(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or self.closed:
            return
        self.sock.settimeout(min(remaining, 0.5))
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            return
        except OSError:
            data = b""
        if not data:
            self.closed = True
            return
        self._buffer += data
        *complete, self._buffer = self._buffer.split(b"\n")
        for chunk in complete:
            text = chunk.rstrip(b"\r").decode("utf-8", "replace")
            if not text:
                continue
            line = Line.parse(text)
            if line.command == "PING":
                self.send("PONG :" + (line.params[-1] if line.params else ""))
            self.lines.append(line)

    def expect(
        self, predicate: Callable[[Line], bool], what: str, timeout: float = DEFAULT_TIMEOUT
    ) -> Line:
        """Return the next matching line, reading until ``timeout``.

        Lines are consumed in order, like a stream: the search starts after the line the
        previous ``expect`` returned, so expectations must follow arrival order.
        """
        deadline = time.monotonic() + timeout
        while True:
            for index in range(self._cursor, len(self.lines)):
                if predicate(self.lines[index]):
                    self._cursor = index + 1
                    return self.lines[index]
            if time.monotonic() >= deadline or self.closed:
                state = "connection closed" if self.closed else f"{timeout:.0f} s"
                seen = "\n".join(line.raw for line in self.lines[-40:])
                pytest.fail(
                    f"raw client: no {what} ({state}); last lines received:\n{seen}",
                    pytrace=False,
                )
            self._read_some(deadline)

    def close(self) -> None:
        self.closed = True
        self.sock.close()
