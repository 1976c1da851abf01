"""Typing indicators between two tui-chat apps on a real tui-chat server, keys pressed by Pilot."""

from __future__ import annotations

from .conftest import Peer, joined, screen_text, wait_for

SIZE = (100, 30)


async def _tagged_peer(pilot, port: int, peers: list[Peer]) -> Peer:
    """A third member with message-tags, recording every TAGMSG the server relays."""
    peer = Peer(port, "carol")
    peers.append(peer)
    await peer.register(pilot)
    peer.send("CAP REQ :message-tags")
    await peer.expect(pilot, "ACK")
    await peer.join(pilot, "#lobby")
    return peer


async def test_typing_shows_under_the_log_and_goes_when_the_message_arrives(
    server, make_app, peers
):
    alice = make_app(server.port, nick="alice")
    async with alice.run_test(size=SIZE) as a:
        await joined(a, alice)
        bob = make_app(server.port, nick="bob")
        async with bob.run_test(size=SIZE) as b:
            await joined(b, bob)
            carol = await _tagged_peer(b, server.port, peers)
            await wait_for(a, lambda: "carol" in screen_text(alice), what="carol in the list")
            await b.press("h", "e", "l", "l", "o")
            await wait_for(
                a, lambda: "bob is typing…" in screen_text(alice), what="bob is typing on A"
            )
            assert "+typing=active" in await carol.expect(b, " TAGMSG #lobby")
            assert "is typing" not in screen_text(bob)  # our own typing is never shown
            await b.press("enter")
            await wait_for(a, lambda: "hello" in screen_text(alice), what="the message on A")
            await wait_for(
                a, lambda: "is typing" not in screen_text(alice), what="the indicator gone"
            )
            # Typing again, then leaving the room: the indicator goes with the person.
            await b.press("x")
            await wait_for(a, lambda: "bob is typing…" in screen_text(alice), what="typing again")
            bob.chat.chat_input.value = "/part"
            await b.press("enter")
            await wait_for(
                a, lambda: "is typing" not in screen_text(alice), what="gone with the part"
            )
            await b.press("ctrl+q")
        await a.press("ctrl+q")


async def test_with_send_typing_off_nothing_is_sent_and_nothing_shown(server, make_app, peers):
    alice = make_app(server.port, nick="alice")
    async with alice.run_test(size=SIZE) as a:
        await joined(a, alice)
        bob = make_app(server.port, nick="bob", send_typing=False)
        async with bob.run_test(size=SIZE) as b:
            await joined(b, bob)
            carol = await _tagged_peer(b, server.port, peers)
            await b.press("h", "e", "l", "l", "o", "enter")
            # The server relays in order: a TAGMSG sent before the message would be here.
            await carol.expect(b, "PRIVMSG #lobby :hello")
            assert carol.received(" TAGMSG #lobby") == []
            await wait_for(a, lambda: "hello" in screen_text(alice), what="the message on A")
            assert "typing" not in screen_text(alice)
            assert len(alice.chat.typing_view.tracker) == 0
            await b.press("ctrl+q")
        await a.press("ctrl+q")
