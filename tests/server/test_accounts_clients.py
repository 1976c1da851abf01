"""Real clients log in to accounts on our server: tui-chat's own client and the ``irc`` library."""

from __future__ import annotations

import time

import irc.client
import pytest

from tests.client.conftest import EventSink, fast_settings, running_client
from tui_chat.client.events import Registered, ServerInfo
from tui_chat.client.sasl import SaslConfig

from .ircclient import TestClient

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts_server(make_server):
    server = make_server(scrypt_n=1 << 10)
    owner = TestClient(server.port).register("alice")
    owner.send(f"REGISTER * * :{PASSWORD}")
    owner.expect("900")
    owner.close()
    return server


def test_the_tui_chat_client_logs_in_with_saved_credentials(accounts_server):
    settings = fast_settings(
        "127.0.0.1", accounts_server.port, nick="alice", sasl=SaslConfig("PLAIN", "alice", PASSWORD)
    )
    with running_client(settings) as (_, sink):
        assert isinstance(sink, EventSink)
        sink.wait(ServerInfo, text="Logged in as alice")
        sink.wait(Registered)


def test_the_tui_chat_client_is_told_a_wrong_password(accounts_server):
    settings = fast_settings(
        "127.0.0.1", accounts_server.port, nick="bob", sasl=SaslConfig("PLAIN", "alice", "nope")
    )
    with running_client(settings) as (_, sink):
        sink.wait(Registered)
        sink.wait(ServerInfo, level="error", where=lambda e: "wrong account name" in e.text)
        assert not sink.of(ServerInfo, text="Logged in as alice")


def test_the_irc_library_logs_in_with_sasl_plain(accounts_server):
    reactor = irc.client.Reactor()
    seen: list[str] = []
    reactor.add_global_handler("all_events", lambda conn, event: seen.append(event.type), -100)
    connection = reactor.server()
    try:
        connection.connect(
            "127.0.0.1", accounts_server.port, "alice", password=PASSWORD, sasl_login="alice"
        )
        deadline = time.monotonic() + 10
        while "welcome" not in seen and time.monotonic() < deadline:
            reactor.process_once(0.02)
        assert "welcome" in seen, seen
        assert "saslsuccess" in seen and "login_failed" not in seen, seen
        assert seen.index("saslsuccess") < seen.index("welcome")
    finally:
        connection.close()
