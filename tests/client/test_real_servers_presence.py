"""MONITOR and SETNAME against real servers without them: a clear line, and chat goes on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tui_chat.client.events import ChatMessage, Joined, ServerInfo
from tui_chat.client.session import SERVER_BUFFER

from .conftest import server_process
from .test_real_servers import SERVERS, registered


@pytest.fixture(params=["miniircd", "ngircd"])
def peer(request, tmp_path) -> Iterator[tuple[str, int]]:
    argv = SERVERS[request.param](tmp_path)
    with server_process(argv, tmp_path) as port:
        yield request.param, port


def test_monitor_degrades_to_a_clear_line(peer):
    name, port = peer
    with registered(port, "alice") as (alice, asink), registered(port, "bob") as (bob, bsink):
        asink.wait(Joined, buffer="#lobby", is_self=True)
        bsink.wait(Joined, buffer="#lobby", is_self=True)
        alice.send_command("MONITOR", "+", "bob")
        told = asink.wait(ServerInfo, where=lambda e: e.command in ("421", "730", "731"))
        if told.command == "421":
            assert told.text == "This server does not support MONITOR."
        else:  # a peer that has MONITOR: bob is online
            assert told.text == "Online: bob", name
        assert told.buffer == SERVER_BUFFER
        bob.say("#lobby", "still chatting")
        assert asink.wait(ChatMessage, text="still chatting").sender == "bob"
