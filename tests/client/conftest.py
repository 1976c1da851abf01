"""Helpers for client tests: an event sink, a scripted fake IRC server, real servers."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tui_chat.client import ChatClient, ClientSettings
from tui_chat.client.events import Event, Joined, Registered
from tui_chat.irc import Message, parse
from tui_chat.server import ServerConfig, ServerThread

TIMEOUT = 10.0


@pytest.fixture(autouse=True)
def no_leftover_threads() -> Iterator[None]:
    """Every thread a test starts (clients, resolvers, embedded servers) is gone after it."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 3.0
    for thread in set(threading.enumerate()) - before:
        thread.join(max(0.0, deadline - time.monotonic()))
    left = [t.name for t in set(threading.enumerate()) - before if t.is_alive()]
    assert not left, f"threads left running: {left}"


class EventSink:
    """The ``emit`` callback: records every batch and lets tests wait for an event."""

    def __init__(self) -> None:
        self.batches: list[tuple[Event, ...]] = []
        self.events: list[Event] = []
        self._cond = threading.Condition()

    def __call__(self, batch: tuple[Event, ...]) -> None:
        assert isinstance(batch, tuple) and batch
        with self._cond:
            self.batches.append(batch)
            self.events.extend(batch)
            self._cond.notify_all()

    def of(self, cls: type[Event], **match) -> list[Event]:
        with self._cond:
            return [e for e in self.events if _matches(e, cls, match)]

    def wait(
        self,
        cls: type[Event],
        timeout: float = TIMEOUT,
        after: int = 0,
        where: Callable[[Event], bool] | None = None,
        **match,
    ) -> Event:
        """The first event of ``cls`` with these field values, at index ``after`` or later."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for e in self.events[after:]:
                    if _matches(e, cls, match) and (where is None or where(e)):
                        return e
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    names = [f"{type(e).__name__}{_fields(e)}" for e in self.events[-30:]]
                    raise AssertionError(
                        f"no {cls.__name__} {match} within {timeout}s; last events:\n"
                        + "\n".join(names)
                    )
                self._cond.wait(remaining)

    def mark(self) -> int:
        with self._cond:
            return len(self.events)


def _fields(e: Event) -> dict:
    return {k: getattr(e, k) for k in type(e).__slots__ if k != "time"}


def _matches(e: Event, cls: type[Event], match: dict) -> bool:
    return isinstance(e, cls) and all(getattr(e, k) == v for k, v in match.items())


@contextlib.contextmanager
def running_client(settings: ClientSettings, sink: EventSink | None = None) -> Iterator:
    """Run a ChatClient in a thread; on exit stop it and check the thread really ended."""
    sink = sink or EventSink()
    client = ChatClient(settings, sink)
    thread = threading.Thread(target=client.run, name=f"client-{settings.nick}", daemon=True)
    thread.start()
    try:
        yield client, sink
    finally:
        started = time.monotonic()
        client.stop("bye")
        thread.join(5)
        assert not thread.is_alive(), "client thread still running after stop()"
        assert time.monotonic() - started < 1.5, "run() took too long to return after stop()"


def fast_settings(host: str, port: int, **kw) -> ClientSettings:
    defaults = dict(
        nick="alice",
        rooms=("#lobby",),
        reconnect_min=0.05,
        reconnect_max=0.2,
        lag_interval=30.0,
        lag_timeout=30.0,
        connect_timeout=3.0,
        batch_interval=0.01,
    )
    defaults.update(kw)
    return ClientSettings(host=host, port=port, **defaults)


# ---------------------------------------------------------------------- scripted fake server


class FakeConn:
    """One accepted client connection, driven line by line by the test."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        sock.settimeout(TIMEOUT)
        self._buf = b""
        self.received: list[str] = []

    def send(self, *lines: str) -> None:
        self.sock.sendall("".join(line + "\r\n" for line in lines).encode())

    def send_bytes(self, data: bytes) -> None:
        self.sock.sendall(data)

    def readline(self, timeout: float = TIMEOUT) -> str | None:
        """The next line from the client, or None when it closed the connection."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no line from client within {timeout}s")
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError:
                return None
            if not data:
                return None
            self._buf += data
        raw, _, self._buf = self._buf.partition(b"\n")
        line = raw.rstrip(b"\r").decode()
        self.received.append(line)
        return line

    def expect(self, command: str, timeout: float = TIMEOUT, **_) -> Message:
        """Read lines until one with ``command``; fail on close or timeout."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.readline(max(0.01, deadline - time.monotonic()))
            if line is None:
                raise AssertionError(f"client closed before sending {command}: {self.received}")
            msg = parse(line)
            if msg.command == command.upper():
                return msg

    def register(self, nick: str = "alice", caps: str | None = None, isupport: str = "") -> Message:
        """Play a server's side of registration. ``caps``: the CAP LS offer, or None for no CAP."""
        msg = self.expect("CAP")
        assert msg.params[:2] == ("LS", "302")
        # The client sends NICK and USER right behind CAP LS, without waiting.
        got = self.expect("NICK")
        self.expect("USER")
        if caps is None:
            self.send(":irc.test 421 * CAP :Unknown command")
        else:
            self.send(f":irc.test CAP * LS :{caps}")
            req = self.expect("CAP")
            assert req.param(0) == "REQ"
            self.send(f":irc.test CAP * ACK :{req.param(1)}")
            assert self.expect("CAP").param(0) == "END"
        while got.param(0) != nick:
            self.send(f":irc.test 433 * {got.param(0)} :Nickname is already in use")
            got = self.expect("NICK")
        self.send(f":irc.test 001 {nick} :Welcome")
        if isupport:
            self.send(f":irc.test 005 {nick} {isupport} :are supported by this server")
        self.send(f":irc.test 376 {nick} :End of MOTD")
        return got

    def accept_join(self, nick: str, channel: str, members: str = "", topic: str = "") -> None:
        msg = self.expect("JOIN")
        assert msg.param(0).lower() == channel.lower(), msg
        self.send(f":{nick}!u@h JOIN {channel}")
        if topic:
            self.send(f":irc.test 332 {nick} {channel} :{topic}")
        self.send(f":irc.test 353 {nick} = {channel} :{members or nick}")
        self.send(f":irc.test 366 {nick} {channel} :End of /NAMES list.")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class FakeServer:
    def __init__(self, port: int = 0) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.conns: list[FakeConn] = []

    def accept(self, timeout: float = TIMEOUT) -> FakeConn:
        self.listener.settimeout(timeout)
        sock, _ = self.listener.accept()
        conn = FakeConn(sock)
        self.conns.append(conn)
        return conn

    def close(self) -> None:
        for c in self.conns:
            c.close()
        self.listener.close()


@pytest.fixture
def fake_server() -> Iterator[FakeServer]:
    server = FakeServer()
    try:
        yield server
    finally:
        server.close()


# ---------------------------------------------------------------------- real servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = TIMEOUT) -> bool:
    """True once something accepts on the port; False if the process died first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            # Polling is the only readiness signal these daemons give; bounded by the deadline.
            time.sleep(0.05)
    return False


@contextlib.contextmanager
def server_process(argv_for_port: Callable[[int], list[str]], cwd: Path) -> Iterator[int]:
    """Start a server on a free port (retrying a few times on a port race); yield the port."""
    last_output = ""
    for _ in range(5):
        port = free_port()
        proc = subprocess.Popen(
            argv_for_port(port),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            if wait_for_port(port, proc):
                yield port
                return
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
            out = proc.stdout.read() if proc.stdout else b""
            if proc.stdout:
                proc.stdout.close()
            last_output = out.decode(errors="replace")[-2000:]
    raise RuntimeError(f"server did not start: {argv_for_port(0)}\n{last_output}")


def require_binary(path: str) -> str:
    """The binary's path; skip without it, unless TUI_CHAT_REQUIRE_PEERS=1 makes that a failure."""
    found = shutil.which(path) or (path if os.access(path, os.X_OK) else None)
    if found:
        return found
    if os.environ.get("TUI_CHAT_REQUIRE_PEERS") == "1":
        pytest.fail(f"{path} is required (TUI_CHAT_REQUIRE_PEERS=1) but missing")
    pytest.skip(f"{path} not installed")


def miniircd_argv(tmp: Path) -> Callable[[int], list[str]]:
    exe = Path(sys.executable).with_name("miniircd")
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "miniircd"]

    def argv(port: int) -> list[str]:
        cmd = [*base, "--listen", "127.0.0.1", "--ports", str(port), "--state-dir", str(tmp)]
        if os.geteuid() == 0:
            cmd += ["--setuid", "root"]  # miniircd refuses to run as root otherwise
        return cmd

    return argv


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ServerThread]:
    """The project's own server on loopback, keeping history in the test's directory."""
    server = ServerThread(ServerConfig(bind="127.0.0.1", port=0, data_dir=tmp_path / "data"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def registered(port: int, nick: str, **kw) -> Iterator:
    """A client on 127.0.0.1:``port`` registered as ``nick`` and in its first room; yields
    (client, sink). ``kw`` are more ``fast_settings`` (``rooms``, ...)."""
    with running_client(fast_settings("127.0.0.1", port, nick=nick, **kw)) as (client, sink):
        sink.wait(Registered)
        sink.wait(Joined, is_self=True, nick=nick)
        yield client, sink
