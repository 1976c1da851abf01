"""Typing notifications through the client: sent and received on servers with message-tags,
never sent (so never refused) on servers without, and never shown as a line."""

from __future__ import annotations

from tui_chat.client.events import (
    ChatMessage,
    Registered,
    Roster,
    ServerInfo,
    Typing,
)

from .conftest import registered
from .test_real_servers import real_server  # noqa: F401


def test_typing_goes_from_one_client_to_another_on_our_server(own_server):
    port = own_server.port
    with registered(port, "alice") as (alice, asink), registered(port, "bob") as (_bob, bsink):
        asink.wait(Roster, buffer="#lobby", where=lambda r: len(r.members) == 2)
        alice.send_typing("#lobby", "active")
        got = bsink.wait(Typing, nick="alice")
        assert got.buffer == "#lobby" and got.state == "active"
        alice.send_typing("bob", "paused")  # a private conversation is the sender's
        got = bsink.wait(Typing, nick="alice", state="paused")
        assert got.buffer == "alice"
        alice.send_typing("#lobby", "done")
        bsink.wait(Typing, nick="alice", state="done")
        alice.say("#lobby", "sent")
        bsink.wait(ChatMessage, text="sent")
        # A TAGMSG is never a line in the server window, and our own is never "typing".
        assert not [e for e in bsink.of(ServerInfo) if e.command == "TAGMSG"]
        assert not asink.of(Typing)


def test_typing_degrades_to_nothing_on_real_servers(real_server):  # noqa: F811
    """ngircd and miniircd have no message-tags: nothing is sent (they would answer 421)."""
    name, port = real_server
    with registered(port, "alice") as (alice, asink), registered(port, "bob") as (_bob, bsink):
        asink.wait(Roster, buffer="#lobby", where=lambda r: len(r.members) == 2)
        tags = "message-tags" in asink.of(Registered)[0].caps
        assert tags == (name == "inspircd")
        alice.send_typing("#lobby", "active")
        alice.say("#lobby", "after typing")
        bsink.wait(ChatMessage, text="after typing")
        if tags:
            assert bsink.of(Typing, nick="alice", state="active")
        else:
            assert not bsink.of(Typing)
        # The server refused nothing: no unknown-command reply reached alice before the
        # end of a WHOIS asked after the typing (servers answer in order).
        mark = asink.mark()
        alice.send_command("WHOIS", "bob")
        asink.wait(ServerInfo, after=mark, command="318")
        assert not [e for e in asink.of(ServerInfo) if e.command == "421"]
