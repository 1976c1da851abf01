"""Fixtures for the interop tests: a fresh server on an ephemeral loopback port per test.

The tests run against tui-chat's own server. ``TUI_CHAT_INTEROP_SERVER=miniircd`` runs the
same tests against miniircd instead, which tells a harness problem from a server problem (a
test that fails on both is the test's fault). Tests that need IRCv3 capabilities miniircd lacks
are expected to fail in that mode.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .peers import RawClient, wait_until


@dataclass(frozen=True)
class ServerAddress:
    host: str
    port: int


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def _run_miniircd(tmp_path: Path) -> Iterator[ServerAddress]:
    port = _free_port()
    command = [
        str(Path(sys.executable).with_name("miniircd")),
        "--listen",
        "127.0.0.1",
        "--ports",
        str(port),
    ]
    if os.geteuid() == 0:
        command += ["--setuid", "root"]  # miniircd refuses root without this
    log = (tmp_path / "miniircd.log").open("wb")
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: _accepts(port), f"miniircd on port {port}", timeout=10)
        yield ServerAddress("127.0.0.1", port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


@pytest.fixture
def irc_server(tmp_path: Path) -> Iterator[ServerAddress]:
    """Start a server on 127.0.0.1 with an ephemeral port; stop it after the test."""
    if os.environ.get("TUI_CHAT_INTEROP_SERVER") == "miniircd":
        yield from _run_miniircd(tmp_path)
        return
    from tui_chat.server import ServerConfig, ServerThread

    config = ServerConfig(
        bind="127.0.0.1", port=0, server_name="test.local", data_dir=tmp_path / "server-data"
    )
    server = ServerThread(config)
    server.start()
    try:
        yield ServerAddress("127.0.0.1", server.port)
    finally:
        server.stop()


@pytest.fixture
def raw_client(irc_server: ServerAddress) -> Iterator[Callable[[str], RawClient]]:
    """Factory for registered raw-socket clients, all closed after the test."""
    clients: list[RawClient] = []

    def connect(nick: str) -> RawClient:
        client = RawClient(irc_server.host, irc_server.port)
        clients.append(client)
        client.register(nick)
        return client

    yield connect
    for client in clients:
        client.close()
