"""A netsplit and its netjoin as one line each in the room, through the real app."""

from __future__ import annotations

from datetime import UTC, datetime

from tui_chat.client import events as ev
from tui_chat.server import ServerConfig, ServerThread
from tui_chat.ui.messages import NetworkEvents
from tui_chat.ui.model.netsplit import split_servers

from .conftest import conv_text, joined, wait_for

SIZE = (120, 36)
USERS = ["[@click=app.quit]x"] + [f"u{i}" for i in range(36)]


def test_split_reasons():
    assert split_servers("hub.example.net leaf.example.net") == (
        "hub.example.net",
        "leaf.example.net",
    )
    for reason in (
        "Quit: hub.example leaf.example",
        "hub.example",
        "hub.example hub.example",
        "hub leaf",
        "hub.example leaf.example extra",
        "hub.example [leaf].example",
        "",
    ):
        assert split_servers(reason) is None, reason


async def test_netsplit_and_netjoin_are_one_line_each(make_app):
    server = ServerThread(ServerConfig(bind="127.0.0.1", port=0)).start()
    try:
        app = make_app(server.port, nick="me", smart_filter=False)
        async with app.run_test(size=SIZE) as pilot:
            await joined(pilot, app)
            now = datetime.now(UTC)
            split = "hub.test leaf.test"
            quits = tuple(
                ev.Quit(nick=u, reason=split, buffers=("#lobby",), time=now) for u in USERS
            )
            # Someone we talk to in private splits too: their conversation says so itself.
            talk = ev.ChatMessage(buffer="pat", sender="pat", text="hi", time=now)
            pat = ev.Quit(nick="pat", reason=split, buffers=("#lobby", "pat"), time=now)
            ordinary = ev.Quit(nick="zed", reason="hub.test leaf.test now", buffers=("#lobby",))
            app.chat.post_message(NetworkEvents((talk, *quits, pat, ordinary)))
            await wait_for(pilot, lambda: "netsplit" in conv_text(app, "#lobby"))
            text = conv_text(app, "#lobby")
            assert text.count("netsplit hub.test ⇄ leaf.test: 38 users") == 1, text
            assert "pat quit (hub.test leaf.test)" in conv_text(app, "pat")
            assert "([@click=app.quit]x, u0, u1, u2, u3, u4, u5, u6 and 30 more)" in text
            assert "u3 quit" not in text
            assert "zed quit (hub.test leaf.test now)" in text  # not a split: as it came
            joins = tuple(ev.Joined(buffer="#lobby", nick=u, time=now) for u in USERS)
            app.chat.post_message(NetworkEvents(joins))
            await wait_for(pilot, lambda: "netjoin" in conv_text(app, "#lobby"))
            text = conv_text(app, "#lobby")
            assert text.count("netjoin: 37 users back") == 1, text
            assert "u5 joined" not in text and "u5 (" not in text
            # Someone who never split joins as usual.
            app.chat.post_message(NetworkEvents((ev.Joined(buffer="#lobby", nick="newbie"),)))
            await wait_for(pilot, lambda: "newbie" in conv_text(app, "#lobby"))
            assert app.is_running  # the [@click=app.quit] nick stayed text
            await pilot.press("ctrl+q")
    finally:
        server.stop()
