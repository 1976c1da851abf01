"""Gap fill through the real app and the real server: after a network drop, after a restart.

The app (alice) reconnects when the test says so (``app.controller.client.retry_now()``),
never on a timer.
carol, a raw peer in the room, is the witness that the server committed each line bob says: the
server relays a channel message only after it is in history.
"""

from __future__ import annotations

from .conftest import Peer, hold_port, joined, start_test_server, wait_for

SIZE = (120, 36)
# No automatic retry: the app reconnects only when the test calls retry_now().
NO_AUTO_RETRY = {"reconnect_min": 60.0, "reconnect_max": 60.0}


def lobby(app):
    return app.chat.model.conversations.get("#lobby").log.entries


def bob_lines_and_separators(app) -> list[str]:
    """bob's lines and the history separators of #lobby, in log order."""
    return [e.plain for e in lobby(app) if e.nick == "bob" or e.kind == "separator"]


async def join_peer(pilot, port: int, nick: str, peers: list[Peer]) -> Peer:
    peer = Peer(port, nick)
    peers.append(peer)
    await peer.register(pilot)
    await peer.join(pilot, "#lobby")
    return peer


async def say_committed(pilot, bob: Peer, witness: Peer, text: str) -> None:
    """bob says ``text``; return once the witness got it (relayed only after the commit)."""
    bob.send(f"PRIVMSG #lobby :{text}")
    await witness.expect(pilot, f"PRIVMSG #lobby :{text}")


async def seen_live_before(pilot, app, bob: Peer, carol: Peer, text: str) -> None:
    await say_committed(pilot, bob, carol, text)
    await wait_for(
        pilot,
        lambda: any(e.plain == text for e in lobby(app)),
        what=f"alice sees {text!r} live",
    )
    [entry] = [e for e in lobby(app) if e.plain == text]
    assert not entry.history


def assert_gap_filled(app, before: str, missed: list[str], mentions: int) -> None:
    separator = f"while you were away: {len(missed)} messages, {mentions} mention" + (
        "" if mentions == 1 else "s"
    )
    assert bob_lines_and_separators(app) == [before, *missed, separator]
    replayed = [e for e in lobby(app) if e.plain in missed]
    assert all(e.history for e in replayed)
    assert [e.time for e in replayed] == sorted(e.time for e in replayed)
    assert sum(e.mention for e in replayed) == mentions


async def test_gap_filled_after_a_network_drop(tmp_path, make_app, peers):
    server = start_test_server(data_dir=tmp_path / "server")
    try:
        app = make_app(server.port)
        app.controller.client_options.update(NO_AUTO_RETRY)
        async with app.run_test(size=SIZE) as pilot:
            await joined(pilot, app)
            bob = await join_peer(pilot, server.port, "bob", peers)
            carol = await join_peer(pilot, server.port, "carol", peers)
            await seen_live_before(pilot, app, bob, carol, "said before the drop")

            server.make_operator("bob")
            await bob.expect(pilot, " 381 ")
            bob.send("KILL alice :testing gap fill")
            await wait_for(
                pilot, lambda: app.chat.model.status.phase == "reconnecting", what="alice dropped"
            )

            missed = ["missed one", "alice: missed two", "missed three"]
            for text in missed:
                await say_committed(pilot, bob, carol, text)

            app.controller.client.retry_now()
            separator = "while you were away: 3 messages, 1 mention"
            await wait_for(
                pilot,
                lambda: any(e.plain == separator for e in lobby(app)),
                what="the gap filled",
            )
            await joined(pilot, app)
            assert_gap_filled(app, "said before the drop", missed, mentions=1)

            # Back to live chat, with nothing replayed twice.
            await seen_live_before(pilot, app, bob, carol, "welcome back")
            assert bob_lines_and_separators(app) == [
                "said before the drop",
                *missed,
                separator,
                "welcome back",
            ]
            await pilot.press("ctrl+q")
    finally:
        server.stop()


async def test_gap_filled_after_a_server_restart(tmp_path, make_app, peers):
    data_dir = tmp_path / "server"
    first = start_test_server(data_dir=data_dir)
    port = first.port
    second = None
    try:
        app = make_app(port)
        app.controller.client_options.update(NO_AUTO_RETRY)
        async with app.run_test(size=SIZE) as pilot:
            await joined(pilot, app)
            bob = await join_peer(pilot, port, "bob", peers)
            carol = await join_peer(pilot, port, "carol", peers)
            await seen_live_before(pilot, app, bob, carol, "said before the restart")

            first.stop()
            holder = hold_port(port)
            try:
                await wait_for(
                    pilot,
                    lambda: app.chat.model.status.phase == "reconnecting",
                    what="alice dropped",
                )
            finally:
                holder.close()
            second = start_test_server(port, data_dir=data_dir)

            bob = await join_peer(pilot, port, "bob", peers)
            carol = await join_peer(pilot, port, "carol", peers)
            missed = ["after the restart one", "alice: after the restart two"]
            for text in missed:
                await say_committed(pilot, bob, carol, text)

            app.controller.client.retry_now()
            separator = "while you were away: 2 messages, 1 mention"
            await wait_for(
                pilot,
                lambda: any(e.plain == separator for e in lobby(app)),
                what="the gap filled",
            )
            await joined(pilot, app)
            assert_gap_filled(app, "said before the restart", missed, mentions=1)

            await seen_live_before(pilot, app, bob, carol, "welcome back")
            assert bob_lines_and_separators(app) == [
                "said before the restart",
                *missed,
                separator,
                "welcome back",
            ]
            await pilot.press("ctrl+q")
    finally:
        first.stop()
        if second is not None:
            second.stop()
