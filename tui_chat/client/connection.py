"""Socket plumbing for the client worker: line framing, output buffering, backoff. No IRC logic."""

from __future__ import annotations

import random
import socket
import ssl
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from tui_chat.irc.limits import MAX_RAW_LINE_BYTES

from .events import MessageKind


class LineReader:
    """Split a byte stream into decoded lines on ``\\n`` (a trailing ``\\r`` is dropped).

    A line longer than any legitimate one is dropped, and its bytes are skipped as they come
    rather than buffered without bound.
    """

    def __init__(self, max_line: int = MAX_RAW_LINE_BYTES) -> None:
        self._buf = bytearray()
        self._max = max_line
        self._skipping = False

    def feed(self, data: bytes) -> list[str]:
        self._buf += data
        lines: list[str] = []
        start = 0
        while True:
            end = self._buf.find(b"\n", start)
            if end < 0:
                break
            raw = bytes(self._buf[start:end])
            start = end + 1
            if self._skipping:
                self._skipping = False
                continue
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            if len(raw) > self._max:
                # Dropped whole, as when it spans reads: what is shown must not depend on how
                # TCP happened to cut the stream.
                continue
            if raw:
                lines.append(raw.decode("utf-8", errors="replace"))
        del self._buf[:start]
        if len(self._buf) > self._max:
            self._buf.clear()
            self._skipping = True
        return lines


@dataclass
class Outgoing:
    """A line the user typed (or a command), waiting for a connection or for the socket."""

    line: str
    pending_id: str | None = None
    buffer: str = ""
    command: str = ""
    wire: str = ""
    kind: MessageKind = "privmsg"
    was_queued: bool = False  # the UI was told it is waiting for a connection
    # A typed line's transaction id (+tui-chat/txid), the same on every attempt to send it, so
    # a server that already has it (the echo was lost with the connection) drops the repeat.
    txid: str | None = None
    reply_to: str | None = None  # +draft/reply: the msgid this line answers


class Outbox:
    """A non-blocking send buffer in two lanes that knows when each tracked line has left.

    Control lines (:meth:`put`) are written at once. Chat lines (:meth:`pace`) wait in their own
    lane and are let out by a token bucket kept below servers' flood limits: a server holds
    everything behind a line over its limit, so an 800-line paste written at once would hold
    our PONG and lag PING for minutes and the connection would time out.
    """

    def __init__(
        self,
        burst: int = 5,
        rate: float = 2.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._buf = bytearray()
        self._queued = 0  # total bytes ever committed to _buf
        self._sent = 0  # total bytes ever sent
        self._marks: deque[tuple[int, Outgoing]] = deque()
        self._paced: deque[tuple[str, Outgoing | None]] = deque()
        self._paced_bytes = 0  # lines in the chat lane that no user typed (see unsent_bytes)
        self._burst = max(1, burst)
        self._rate = max(rate, 1e-3)
        self._clock = clock
        self._tokens = float(self._burst)
        self._tokens_at = clock()
        self._extra = 0  # lines allowed beyond the bucket, once (see allow_extra)

    def __bool__(self) -> bool:
        """True while bytes are ready for the socket (paced lines still waiting do not count)."""
        return bool(self._buf)

    @property
    def pending_bytes(self) -> int:
        return len(self._buf)

    @property
    def paced(self) -> int:
        """Chat lines waiting for the token bucket."""
        return len(self._paced)

    @property
    def unsent_bytes(self) -> int:
        """What the server has made us hold: bytes the socket has not taken, and chat-lane lines
        no user typed (answers, WHO, history requests).

        Typed lines waiting for the bucket do not count: the user pastes them, and they go
        back in the queue on a reconnect, so counting them could only drop the connection over
        and over. Once released they count like any other byte the socket will not take.
        """
        return len(self._buf) + self._paced_bytes

    def put(self, line: str, item: Outgoing | None = None) -> None:
        """An urgent line: it goes out ahead of every chat line still waiting."""
        data = line.encode("utf-8", errors="replace") + b"\r\n"
        self._buf += data
        self._queued += len(data)
        if item is not None:
            self._marks.append((self._queued, item))

    def pace(self, line: str, item: Outgoing | None = None) -> None:
        """A chat line: it goes out in order with the other chat lines, at the paced rate."""
        self._paced.append((line, item))
        self._paced_bytes += _untyped_size(line, item)
        self.release()

    def allow_extra(self, lines: int) -> None:
        """Let ``lines`` more chat lines out now, beyond the bucket: quitting spends the
        server's burst allowance rather than drop what the user typed."""
        self._extra = max(0, lines)

    def release(self) -> float | None:
        """Move the chat lines the bucket allows to the socket buffer.

        Returns the seconds until the next one may go, or None when none is waiting.
        """
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._tokens_at) * self._rate)
        self._tokens_at = now
        while self._paced and (self._tokens >= 1.0 or self._extra > 0):
            line, item = self._paced.popleft()
            if self._tokens >= 1.0:
                # A draft/multiline batch is several lines, and the server counts each.
                self._tokens -= 1.0 + line.count("\n")
            else:
                self._extra -= 1
            self._paced_bytes -= _untyped_size(line, item)
            self.put(line, item)
        if not self._paced:
            return None
        return (1.0 - self._tokens) / self._rate

    def send(self, sock: socket.socket) -> list[Outgoing]:
        """Write what the socket accepts; return the tracked items now fully written."""
        try:
            # TLS: a write OpenSSL could not finish is retried with the same first bytes, as
            # it requires; _buf only ever grows at its end until a write succeeds.
            n = sock.send(self._buf)
        except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return []
        del self._buf[:n]
        self._sent += n
        done = []
        while self._marks and self._marks[0][0] <= self._sent:
            done.append(self._marks.popleft()[1])
        return done

    def take_unsent(self) -> list[Outgoing]:
        """Drop both lanes (the connection is gone) and return their tracked items in order."""
        items = [item for _, item in self._marks]
        items += [item for _, item in self._paced if item is not None]
        self._marks.clear()
        self._paced.clear()
        self._paced_bytes = 0
        self._buf.clear()
        return items


def _untyped_size(line: str, item: Outgoing | None) -> int:
    """The bytes a chat-lane line counts towards :attr:`Outbox.unsent_bytes`."""
    if item is not None and item.pending_id is not None:
        return 0
    return len(line.encode("utf-8", errors="replace")) + 2


def backoff_delay(
    attempt: int, minimum: float, maximum: float, rng: Callable[[], float] = random.random
) -> float:
    """Exponential backoff with up to 25% jitter, so clients dropped together spread out."""
    base = min(maximum, minimum * 2.0 ** min(attempt, 30))
    return min(maximum, base * (1 + 0.25 * rng()))


def strip_brackets(host: str) -> str:
    """``[::1]`` -> ``::1``: IPv6 literals arrive bracketed from HOST:PORT syntax."""
    if host.startswith("[") and host.endswith("]"):
        return host[1:-1]
    return host


def is_ip_literal(host: str) -> bool:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host.split("%", 1)[0])
            return True
        except OSError:
            continue
    return False
