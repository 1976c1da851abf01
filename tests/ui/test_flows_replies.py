"""WHOIS, WHO and user counts in words; an away reply once per away message."""

from __future__ import annotations

import re

from tui_chat.client.events import SERVER_BUFFER

from .conftest import Peer, conv_text, joined, type_line, wait_for

SIZE = (120, 36)


async def test_whois_who_and_user_counts_show_words_and_dates(make_app, server, peers):
    bob = Peer(server.port, "bob")
    peers.append(bob)
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        await bob.register(pilot)
        await bob.join(pilot, "#lobby")
        await wait_for(pilot, lambda: "Local users: " in conv_text(app, SERVER_BUFFER))
        await type_line(pilot, "/whois bob")
        await wait_for(pilot, lambda: " idle" in _both(app), what="whois idle line")
        shown = _both(app)
        assert re.search(r"bob: \d+ seconds? idle, signed on \d{4}-\d\d-\d\d \d\d:\d\d", shown)
        assert "signon time" not in shown
        assert "bob is in #lobby" in shown
        await type_line(pilot, "/who #lobby")
        await wait_for(pilot, lambda: "(bob@" in conv_text(app, "#lobby"), what="who reply")
        who = conv_text(app, "#lobby")
        assert re.search(r"#lobby bob \(bob@[^)]+\) here", who)
        assert " H :0 " not in who and " H 0 " not in who


async def test_an_away_reply_is_shown_once_per_away_message(make_app, server, peers):
    bob = Peer(server.port, "bob")
    peers.append(bob)
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        await bob.register(pilot)
        bob.send("AWAY :at lunch")
        await bob.expect(pilot, " 306 ")
        for n in range(3):
            await type_line(pilot, f"/msg bob hello {n}")
            await bob.expect(pilot, f"PRIVMSG bob :hello {n}")
        bob.send("AWAY :gone home")
        await bob.expect(pilot, " 306 bob")
        await type_line(pilot, "/msg bob one more")
        await wait_for(pilot, lambda: "gone home" in conv_text(app, "bob"), what="new message")
        await type_line(pilot, "/msg bob and another")
        await bob.expect(pilot, "PRIVMSG bob :and another")
        # The WHOIS answer follows the 301s to every line above on the same connection.
        await type_line(pilot, "/whois bob")
        await wait_for(pilot, lambda: "End of /WHOIS" in conv_text(app, "bob"), what="whois")
        log = conv_text(app, "bob")
        assert log.count("bob is away: at lunch") == 1
        # once for the new message, once more inside the WHOIS (which always shows it)
        assert log.count("bob is away: gone home") == 2


def _both(app) -> str:
    return conv_text(app, "#lobby") + "\n" + conv_text(app, SERVER_BUFFER)
