"""Fixtures: a real server on 127.0.0.1 port 0 per test, and clients that are closed afterwards."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from tui_chat.server import ServerConfig, ServerThread
from tui_chat.server.tls import self_signed

from .ircclient import TestClient


@pytest.fixture
def make_server():
    servers: list[ServerThread] = []

    def factory(**overrides) -> ServerThread:
        overrides.setdefault("bind", "127.0.0.1")
        overrides.setdefault("port", 0)
        overrides.setdefault("server_name", "test.server")
        server = ServerThread(ServerConfig(**overrides)).start()
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop(timeout=5.0)
        assert not server.running, "server thread did not stop"


@pytest.fixture
def server(make_server) -> ServerThread:
    return make_server()


@pytest.fixture
def connect(server):
    """``connect()`` -> an unregistered client; ``connect("nick")`` -> a registered one."""
    clients: list[TestClient] = []

    def factory(nick: str | None = None, caps=(), port: int | None = None, **kw) -> TestClient:
        c = TestClient(port or server.port, **kw)
        clients.append(c)
        if nick:
            c.register(nick, caps=tuple(caps))
        return c

    yield factory
    for c in clients:
        c.close()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate and key, made once per test session the way the server does."""
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_server(make_server, tls_files) -> ServerThread:
    """A server listening with plaintext and TLS, each on an ephemeral port."""
    cert, key = tls_files
    return make_server(tls_port=0, tls_cert=cert, tls_key=key, flood_limit=False)


@pytest.fixture
def tls_context(tls_files) -> ssl.SSLContext:
    """A client context that trusts exactly the test certificate (CN tui-chat)."""
    return ssl.create_default_context(cafile=str(tls_files[0]))
