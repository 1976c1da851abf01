"""/ignore with nick!user@host masks through the real app and server: matched on the user and
host the server reports, listed, removed, saved to config.toml, loaded at start, bounded."""

from __future__ import annotations

import tomllib

from tui_chat.config import MAX_IGNORES, Settings
from tui_chat.ui.model.ignore import IgnoreList

from .conftest import Peer, conv_text, joined, log_text, type_line, wait_for


async def _said(pilot, app, peer: Peer, text: str, room: str = "#lobby") -> None:
    peer.send(f"PRIVMSG {room} :{text}")
    await wait_for(pilot, lambda: text in conv_text(app, room), what=f"{text!r} shown")


async def test_a_user_mask_hides_someone_whatever_their_nick(server, make_app, peers):
    app = make_app(server.port)
    async with app.run_test(size=(120, 40)) as pilot:
        await joined(pilot, app)
        mallory, friend = Peer(server.port, "mallory"), Peer(server.port, "friend")
        peers += [mallory, friend]
        for peer in peers:
            await peer.register(pilot)
            await peer.join(pilot, "#lobby")
        await type_line(pilot, "/ignore *!mallory@*")
        await wait_for(pilot, lambda: "Ignoring *!mallory@*" in log_text(app), what="ignored")

        mallory.send("PRIVMSG #lobby :first spam")
        mallory.send("NICK innocent")
        await friend.expect(pilot, "NICK innocent")
        mallory.send("PRIVMSG #lobby :second spam")
        await friend.expect(pilot, "second spam")
        # The server relays in order: once friend's line is shown, mallory's were handled.
        await _said(pilot, app, friend, "friendly line")
        lobby = conv_text(app, "#lobby")
        assert "first spam" not in lobby and "second spam" not in lobby

        await type_line(pilot, "/unignore *!MALLORY@*")  # any spelling of the same mask
        await wait_for(pilot, lambda: "No longer ignoring" in log_text(app), what="unignored")
        await _said(pilot, app, mallory, "third line")


async def test_a_host_mask_hides_private_messages_too(server, make_app, peers):
    app = make_app(server.port)
    async with app.run_test(size=(120, 40)) as pilot:
        await joined(pilot, app)
        peer = Peer(server.port, "pest")
        peers.append(peer)
        await peer.register(pilot)
        await peer.join(pilot, "#lobby")
        await type_line(pilot, "/ignore *@127.0.0.1")
        await wait_for(pilot, lambda: "Ignoring *@127.0.0.1" in log_text(app), what="ignored")
        peer.send("PRIVMSG alice :psst")
        peer.send("PRIVMSG #lobby :loud")
        peer.send("NICK pest2")  # a nick change is shown: it marks the end of what was sent
        await wait_for(
            pilot, lambda: "is now known as pest2" in conv_text(app, "#lobby"), what="nick"
        )
        assert "loud" not in conv_text(app, "#lobby")
        assert app.chat.model.conversations.get("pest") is None
        assert app.chat.model.conversations.get("pest2") is None
        assert all(
            "psst" not in e.plain for c in app.chat.model.conversations for e in c.log.entries
        )

        await type_line(pilot, "/unignore *@127.0.0.1")
        await wait_for(pilot, lambda: "No longer ignoring" in log_text(app), what="unignored")
        await _said(pilot, app, peer, "heard again")


async def test_ignores_are_saved_listed_removed_and_loaded_at_start(
    server, make_app, peers, tmp_path
):
    path = tmp_path / "config.toml"
    path.write_text('# mine\ntheme = "nord"\n')
    app = make_app(server.port)
    async with app.run_test(size=(120, 40)) as pilot:
        await joined(pilot, app)
        for line in ("/ignore spam", "/ignore *@bad.example", "/ignore sp?m*", "/unignore spam"):
            await type_line(pilot, line)
        await type_line(pilot, "/ignore")
        await wait_for(
            pilot,
            lambda: "Ignoring: *@bad.example, sp?m*" in log_text(app),
            what="the listing",
        )
    text = path.read_text()
    assert text.startswith("# mine\n")
    assert tomllib.loads(text)["ignore"] == ["*@bad.example", "sp?m*"]

    loaded = Settings.load(path)
    assert loaded.ignore == ("*@bad.example", "sp?m*")
    again = make_app(server.port, ignore=loaded.ignore)
    async with again.run_test(size=(120, 40)) as pilot:
        await joined(pilot, again)
        spammer, friend = Peer(server.port, "spammer"), Peer(server.port, "friend")
        peers += [spammer, friend]
        for peer in (spammer, friend):
            await peer.register(pilot)
            await peer.join(pilot, "#lobby")
        spammer.send("PRIVMSG #lobby :buy now")
        await friend.expect(pilot, "buy now")
        await _said(pilot, again, friend, "hello")
        assert "buy now" not in conv_text(again, "#lobby")


async def test_the_ignore_list_is_bounded_and_refuses_non_masks(server, make_app, tmp_path):
    almost_full = tuple(f"n{i}!*@*" for i in range(MAX_IGNORES - 1))
    app = make_app(server.port, ignore=almost_full)
    async with app.run_test(size=(120, 40)) as pilot:
        await joined(pilot, app)
        await type_line(pilot, "/ignore last!*@*")
        await wait_for(pilot, lambda: len(app.chat.model.ignore) == MAX_IGNORES, what="full")
        await type_line(pilot, "/ignore one-too-many")
        await wait_for(pilot, lambda: "ignore list is full" in log_text(app), what="refused")
        await type_line(pilot, "/ignore " + "x" * 400)
        await wait_for(pilot, lambda: "is not a nick or" in log_text(app), what="too long")
        assert len(app.chat.model.ignore) == MAX_IGNORES
    path = tmp_path / "config.toml"
    assert tomllib.loads(path.read_text())["ignore"] == [*almost_full, "last!*@*"]
    # A hand-edited file over the bound is refused at start, with the line named.
    path.write_text("ignore = [" + ", ".join(f'"n{i}"' for i in range(MAX_IGNORES + 1)) + "]\n")
    loaded = Settings.load(path)
    assert loaded.ignore == ()
    assert "line 1: ignore: should hold at most" in loaded.problem


def test_mask_forms_and_casemapping():
    ignored = IgnoreList(["Bob", "*@Bad.Example", "sp?m*", "x!y", "bad entry", "[x]!*@*"])
    assert ignored.entries == ["Bob", "*@Bad.Example", "sp?m*", "x!y", "[x]!*@*"]
    assert ignored.matches("BOB") and ignored.matches("bob", "any@where")
    assert ignored.matches("anyone", "u@bad.EXAMPLE")
    assert not ignored.matches("anyone", "u@good.example")
    assert not ignored.matches("anyone")  # a host mask needs the host
    assert ignored.matches("SPAM42") and not ignored.matches("spa")
    assert ignored.matches("x", "y@h") and not ignored.matches("x", "z@h")
    # Any spelling of a mask already there is the same entry.
    assert not ignored.add("bob!*@*") and not ignored.add("*!*@bad.example")
    assert not ignored.matches("{x}")
    ignored.set_casemapping("rfc1459")
    assert ignored.matches("{X}")
    assert ignored.remove("BOB!*@*") and not ignored.matches("bob")
