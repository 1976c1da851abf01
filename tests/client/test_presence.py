"""The client with the modern presence features of our server: MONITOR replies in words,
invite-notify and setname as quiet lines in the room, the capabilities requested."""

from __future__ import annotations

from tui_chat.client.events import Invited, Parted, Registered, ServerInfo
from tui_chat.client.session import SERVER_BUFFER

from .conftest import registered


def test_monitor_replies_are_put_into_words(own_server):
    with registered(own_server.port, "alice") as (alice, sink):
        alice.send_command("MONITOR", "+", "bob")
        offline = sink.wait(ServerInfo, command="731")
        assert offline.buffer == SERVER_BUFFER and offline.text == "Offline: bob"
        with registered(own_server.port, "bob"):
            online = sink.wait(ServerInfo, command="730")
            assert online.text == "Online: bob"
        alice.send_command("MONITOR", "L")
        assert sink.wait(ServerInfo, command="732").text == "Monitoring: bob"


def test_invite_notify_and_setname_are_quiet_lines_in_the_room(own_server):
    with (
        registered(own_server.port, "alice") as (alice, asink),
        registered(own_server.port, "carol") as (_, csink),
        registered(own_server.port, "bob") as (bob, bsink),
    ):
        assert {"invite-notify", "setname"} <= asink.of(Registered)[0].caps
        bob.send_command("PART", "#lobby")
        asink.wait(Parted, nick="bob")
        alice.send_command("INVITE", "bob", "#lobby")
        seen = csink.wait(ServerInfo, command="INVITE")
        assert seen.buffer == "#lobby" and seen.text == "alice invited bob to #lobby"
        assert bsink.wait(Invited).channel == "#lobby"
        assert not csink.of(Invited)
        alice.send_command("SETNAME", "Alice Liddell")
        named = csink.wait(ServerInfo, command="SETNAME")
        assert named.buffer == "#lobby" and named.text == "alice is now known as: Alice Liddell"
        mine = asink.wait(ServerInfo, command="SETNAME")
        assert mine.buffer == SERVER_BUFFER
