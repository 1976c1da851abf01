"""A multi-line paste as ONE message (IRCv3 draft/multiline): two tui-chat apps on a real
tui-chat server, the paste prompt's "Send as one message", and the block it shows as."""

from __future__ import annotations

from textual import events

from tui_chat.ui.model.entries import BREAK

from .conftest import Peer, joined, screen_lines, wait_for

SIZE = (120, 40)
PASTE = [f"pasted line {i:02d}" for i in range(1, 21)]


def _messages(app, nick: str) -> list:
    conv = app.chat.model.conversations.get("#lobby")
    return [e for e in conv.log.entries if e.kind == "message" and e.nick == nick]


async def test_a_20_line_paste_arrives_as_one_message_block(server, make_app, peers):
    alice = make_app(server.port, nick="alice")
    bob = make_app(server.port, nick="bob", log=False)  # one chat log writer: alice
    plain = Peer(server.port, "plain")  # no capabilities at all: gets the lines
    peers.append(plain)
    async with alice.run_test(size=SIZE) as pilot_a, bob.run_test(size=SIZE) as pilot_b:
        await joined(pilot_a, alice)
        await joined(pilot_b, bob)
        await plain.register(pilot_a)
        await plain.join(pilot_a, "#lobby")
        assert bob.chat.multiline_available()

        bob.chat.chat_input.post_message(events.Paste("\n".join(PASTE)))
        await wait_for(pilot_b, lambda: "Send as one message" in "\n".join(screen_lines(bob)))
        assert "Paste 20 lines?" in "\n".join(screen_lines(bob))
        await pilot_b.press("ctrl+y")

        # Alice: one entry, one nick, twenty lines.
        got = await wait_for(pilot_a, lambda: _messages(alice, "bob"), what="bob's paste")
        assert len(got) == 1
        entry = got[0]
        assert entry.plain.split("\n") == PASTE
        assert sum(role == BREAK for role, _ in entry.parts) == 19
        shown = screen_lines(alice)
        first = next(i for i, line in enumerate(shown) if "pasted line 01" in line)
        assert "<bob>" in shown[first]
        block = shown[first : first + 20]
        column = block[0].index("pasted line 01")
        for line, text in zip(block, PASTE, strict=True):
            assert line[column:].startswith(text), block  # one aligned block
        # Under one nick and time: the continuation lines carry neither.
        stamp_at = block[0].index("<bob>") - 6
        assert all(not line[stamp_at:column].strip() for line in block[1:]), block

        # Bob: the echo replaced the local echo, one delivered entry.
        mine = await wait_for(
            pilot_b,
            lambda: [e for e in _messages(bob, "bob") if e.pending is None and e.msgid],
            what="bob's echo",
        )
        assert len(_messages(bob, "bob")) == 1 and mine[0].plain.split("\n") == PASTE

        # A client without draft/multiline got the lines as ordinary messages.
        await wait_for(pilot_a, lambda: plain.seen("PRIVMSG #lobby :pasted line 20"))
        assert [line.rsplit(":", 1)[1] for line in plain.received("PRIVMSG #lobby :")] == PASTE


async def test_against_ngircd_the_paste_prompt_sends_lines(make_app, tmp_path, peers):
    from tests.client.conftest import server_process
    from tests.client.test_real_servers import _ngircd

    with server_process(_ngircd(tmp_path), tmp_path) as port:
        watcher = Peer(port, "watcher")
        peers.append(watcher)
        app = make_app(port, nick="bob", log=False)
        async with app.run_test(size=SIZE) as pilot:
            await joined(pilot, app)
            await watcher.register(pilot)
            await watcher.join(pilot, "#lobby")
            assert not app.chat.multiline_available()
            app.chat.chat_input.post_message(events.Paste("\n".join(PASTE)))
            await wait_for(pilot, lambda: "Paste 20 lines?" in "\n".join(screen_lines(app)))
            shown = "\n".join(screen_lines(app))
            assert "Send 20 lines (Ctrl+Y)" in shown and "as one message" not in shown
            await pilot.press("ctrl+y")
            # Paced as twenty lines (5 at once, then 2.5 a second): longer than one message.
            await watcher.expect(pilot, "PRIVMSG #lobby :pasted line 20", timeout=30)
            said = [line.rsplit(":", 1)[1] for line in watcher.received("PRIVMSG #lobby :")]
            assert said == PASTE
            # Shown as twenty messages of ours, as before multiline.
            await wait_for(pilot, lambda: len(_messages(app, "bob")) == 20, timeout=30)
