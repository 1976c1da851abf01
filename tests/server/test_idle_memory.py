"""What an idle connection holds: issue 12 wants at most 1.5 KiB of server memory per idle
client at 50,000 clients, so nothing per client is made before it is needed. The state is read
after a sync (the server has answered everything sent), as other tests of held state do."""

from __future__ import annotations

from tui_chat.server.state import Client

from .ircclient import TestClient


def _client(server, nick: str) -> Client:
    return next(c for c in list(server._server.clients) if c.nick == nick)


def test_an_idle_client_has_no_channel_map_and_no_identity(server, connect):
    connect("alice").sync()
    connect("bob").sync()
    alice, bob = _client(server, "alice"), _client(server, "bob")
    # One shared, read-only empty map, not a dict each.
    assert alice.channels is bob.channels
    assert not isinstance(alice.channels, dict) and not alice.channels
    assert alice.__slots__.count("_identity") == 1
    assert alice._identity is None and bob._identity is None


def test_the_channel_map_is_made_at_join_and_given_back_at_the_last_part(server, connect):
    alice, bob = connect("alice"), connect("bob")
    connect("bob2").sync()  # in no channel
    alice.join("#one")
    alice.join("#two")
    bob.join("#two")
    alice.sync()
    assert sorted(_client(server, "alice").channels) == ["#one", "#two"]
    alice.send("PART #one")
    alice.expect_params("PART", "#one")
    alice.send("PART #two")
    alice.expect_params("PART", "#two")
    alice.sync()
    assert _client(server, "alice").channels is _client(server, "bob2").channels
    # Joining again after that works as the first time did, and others see it.
    alice.join("#two")
    bob.expect(lambda msg: msg.command == "JOIN" and (msg.source or "").startswith("alice!"))
    bob.send("WHOIS alice")
    channels = bob.expect("319")
    assert channels.params[-1].split() == ["#two"]


def test_identity_is_made_when_first_needed_and_then_kept(server, connect):
    alice, bob = connect("alice"), connect("bob")
    alice.join("#club")
    alice.send("MODE #club +i")
    alice.expect("MODE")
    alice.send("INVITE bob #club")
    alice.expect("341")
    bob.expect("INVITE")
    bob.sync()
    made = _client(server, "bob")._identity
    assert made is not None and len(made) == 16
    bob.join("#club")  # the invite, kept under bob's identity, lets bob past +i
    assert _client(server, "bob").identity == made
    carol = TestClient(server.port)
    try:
        carol.register("carol")
        alice.send("INVITE carol #club")
        alice.expect("341")
        carol.expect("INVITE")
        carol.sync()
        assert _client(server, "carol").identity not in (made, None)
    finally:
        carol.close()
