"""/delete, deleted lines shown in place, replies shown as quotes, /reply: the app on the server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.client.conftest import server_process
from tests.client.test_real_servers import _ngircd
from tui_chat.server import ServerThread
from tui_chat.ui.model.entries import IRC, BufferLog, Entry, quote_line

from .conftest import Peer, joined, log_text, screen_text, start_test_server, type_line, wait_for

SIZE = (110, 30)
BOB_CAPS = "CAP REQ :message-tags echo-message server-time draft/message-redaction"


@pytest.fixture
def server(tmp_path) -> Iterator[ServerThread]:
    srv = start_test_server(data_dir=tmp_path / "server")  # history: redaction is offered
    yield srv
    srv.stop()


def msgid_of(line: str) -> str:
    found = re.search(r"[@;]msgid=([^; ]+)", line)
    assert found, line
    return found.group(1)


async def bob_in_lobby(pilot, server) -> Peer:
    bob = Peer(server.port, "bob")
    await bob.register(pilot)
    bob.send(BOB_CAPS)
    await bob.expect(pilot, "CAP bob ACK")
    await bob.join(pilot, "#lobby")
    return bob


def entry_with(app, text: str):
    return next(e for e in app.chat.current_conversation.log.entries if text in e.plain)


async def test_delete_own_line_and_see_others_deleted(make_app, server, peers):
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        bob = await bob_in_lobby(pilot, server)
        peers.append(bob)
        await type_line(pilot, "my secret words")
        line = await bob.expect(pilot, "PRIVMSG #lobby :my secret words")
        await wait_for(pilot, lambda: entry_with(app, "my secret words").msgid, what="msgid")
        await type_line(pilot, "/delete")
        await bob.expect(pilot, f"REDACT #lobby {msgid_of(line)}")
        await wait_for(pilot, lambda: "(message deleted)" in screen_text(app), what="shown")
        assert "my secret words" not in screen_text(app)
        assert "my secret words" not in log_text(app)  # nor in what search looks through
        row = next(r for r in screen_text(app).splitlines() if "(message deleted)" in r)
        assert "alice" in row and re.search(r"\d\d:\d\d", row)

        # Someone else's line deleted by its sender: shown in place, nick kept.
        bob.send("PRIVMSG #lobby :bob regrets this")
        echo = await bob.expect(pilot, "PRIVMSG #lobby :bob regrets this")
        await wait_for(pilot, lambda: "bob regrets this" in screen_text(app), what="bob's line")
        bob.send(f"REDACT #lobby {msgid_of(echo)} :oops")
        await wait_for(pilot, lambda: "bob regrets this" not in screen_text(app), what="gone")
        rows = [r for r in screen_text(app).splitlines() if "(message deleted)" in r]
        assert len(rows) == 2 and "bob" in rows[1]

        # Nothing of ours left to delete: the conversation says so, nothing is sent.
        await type_line(pilot, "/delete")
        await wait_for(pilot, lambda: "said nothing here" in log_text(app), what="hint")
        assert len(bob.received(" REDACT ")) == 2


async def test_replies_are_quoted_and_reply_command_tags(make_app, server, peers):
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        bob = await bob_in_lobby(pilot, server)
        peers.append(bob)
        await type_line(pilot, "shall we ship the release on friday afternoon after lunch")
        line = await bob.expect(pilot, "PRIVMSG #lobby :shall we ship")
        bob.send(f"@+draft/reply={msgid_of(line)} PRIVMSG #lobby :agreed")
        bob.send("@+draft/reply=nowhere-1 PRIVMSG #lobby :about that old thing")
        await wait_for(pilot, lambda: "about that old thing" in screen_text(app), what="replies")
        shown = screen_text(app)
        assert re.search(r"↳ alice: shall we ship the release on friday…\s+agreed", shown)
        assert "↳ reply to an earlier message about that old thing" in shown

        # /reply NICK TEXT answers bob's last line, tagged with its msgid.
        bob.send("PRIVMSG #lobby :ready when you are")
        mine = await bob.expect(pilot, "PRIVMSG #lobby :ready when you are")
        await wait_for(pilot, lambda: "ready when you are" in screen_text(app), what="bob")
        await type_line(pilot, "/reply bob let's go")
        sent = await bob.expect(pilot, "PRIVMSG #lobby :let's go")
        assert f"+draft/reply={msgid_of(mine)}" in sent
        await wait_for(pilot, lambda: "↳ bob: ready when you are let's go" in screen_text(app))

        # The original deleted later: the quote says so too.
        bob.send(f"REDACT #lobby {msgid_of(mine)}")
        await wait_for(
            pilot,
            lambda: "↳ bob: (message deleted) let's go" in screen_text(app),
            what="quote of a deleted line",
        )
        await type_line(pilot, "/reply carol hi")
        await wait_for(pilot, lambda: "No message from carol" in log_text(app), what="hint")


async def test_on_ngircd_delete_says_it_cannot_and_reply_is_a_plain_message(make_app, tmp_path):
    """ngircd has neither message ids nor redaction: /delete sends nothing and says why, and
    /reply addresses the nick in the text, as people do on IRC."""
    with server_process(_ngircd(tmp_path), tmp_path) as port:
        app = make_app(port)
        async with app.run_test(size=SIZE) as pilot:
            await joined(pilot, app)
            bob = Peer(port, "bob")
            try:
                await bob.register(pilot)
                await bob.join(pilot, "#lobby")
                await wait_for(pilot, lambda: "bob" in log_text(app), what="bob joined")
                await type_line(pilot, "a line I regret")
                await bob.expect(pilot, "PRIVMSG #lobby :a line I regret")
                await type_line(pilot, "/delete")
                await wait_for(pilot, lambda: "cannot delete" in log_text(app), what="hint")
                bob.send("PRIVMSG #lobby :lunch at noon?")
                await wait_for(pilot, lambda: "lunch at noon?" in log_text(app), what="bob")
                await type_line(pilot, "/reply bob sure")
                await bob.expect(pilot, "PRIVMSG #lobby :bob: sure")
                assert not bob.received("REDACT")
                assert "a line I regret" in log_text(app)
            finally:
                bob.close()


def test_msgid_index_is_bounded_by_the_log_and_quotes_are_copies():
    """A flood of lines with msgids (and replies to replies) holds no more than the log does."""
    log = BufferLog(limit=50)
    now = datetime.now(UTC)
    previous = None
    for i in range(1000):
        entry = Entry(time=now, kind="message", nick="peer", parts=((IRC, f"line {i}"),))
        entry.msgid = f"id-{i}"
        entry.reply_to = previous
        log.link_replies([entry])
        log.push(entry)
        previous = entry.msgid
    assert len(log._by_msgid) == 50
    assert log.find_msgid("id-0") is None and log.find_msgid("id-999") is not None
    newest = log.find_msgid("id-999")
    assert newest is not None and newest.quote == ("peer", "line 998")
    assert quote_line(newest) == "↳ peer: line 998"
    assert all(not isinstance(e.quote, Entry) for e in log.entries)
