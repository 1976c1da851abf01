"""History replay, search, ignore list, chat logs on/off, flood and resize: the app end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tui_chat.client import events as ev
from tui_chat.client.chatlog import chat_log_path
from tui_chat.ui.messages import NetworkEvents

from .conftest import Peer, conv_text, joined, screen_text, start_test_server, type_line, wait_for

SIZE = (120, 36)


def lines_with(app, fragment: str) -> list[str]:
    return [e.plain for e in app.chat.current_conversation.log.entries if fragment in e.plain]


def status(app) -> str:
    return str(app.chat.searching.bar.query_one("#search-status").render())


async def test_replay_on_join_is_shown_once_before_a_separator(tmp_path, make_app, peers):
    server = start_test_server(data_dir=tmp_path / "server")
    try:
        bob = Peer(server.port, "bob")
        peers.append(bob)
        bob.wait_sync(" 001 ")
        bob.send("JOIN #lobby")
        bob.wait_sync(" 366 ")
        for i in range(3):
            bob.send(f"PRIVMSG #lobby :said before alice came {i}")
        bob.send("PING :sync")
        bob.wait_sync("PONG")
        app = make_app(server.port)
        async with app.run_test(size=SIZE) as pilot:
            await joined(pilot, app)
            await wait_for(pilot, lambda: "── earlier messages ──" in screen_text(app))
            entries = list(app.chat.current_conversation.log.entries)
            kinds = [e.kind for e in entries]
            sep = kinds.index("separator")
            said = [i for i, e in enumerate(entries) if "said before alice came" in e.plain]
            assert len(said) == 3 and max(said) < sep  # once each, before the separator
            assert all(entries[i].history for i in said)
            bob.send("PRIVMSG #lobby :live after the replay")
            await wait_for(pilot, lambda: "live after the replay" in screen_text(app))
            assert len(lines_with(app, "said before alice came")) == 3
            await pilot.press("ctrl+q")
    finally:
        server.stop()


async def test_missed_messages_inserted_in_place_without_duplicates(server, make_app):
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        t0 = datetime.now(UTC) - timedelta(minutes=10)

        def msg(i: int, minutes: float, **kw) -> ev.ChatMessage:
            return ev.ChatMessage(
                buffer="#lobby",
                sender="bob",
                text=f"missed {i}",
                msgid=f"id{i}",
                time=t0 + timedelta(minutes=minutes),
                **kw,
            )

        # A live line newer than the gap, then the replay: 0 was already shown live.
        app.chat.post_message(NetworkEvents((msg(0, 1), msg(9, 9))))
        await wait_for(pilot, lambda: "missed 9" in screen_text(app))
        replay = (
            msg(0, 1, is_history=True),
            msg(1, 2, is_history=True),
            msg(2, 3, is_history=True, is_mention=True),
        )
        done = ev.HistoryReplayed(buffer="#lobby", count=3, mentions=1, kind="missed")
        app.chat.post_message(NetworkEvents((*replay, done)))
        text = "while you were away: 2 messages, 1 mention"
        await wait_for(pilot, lambda: text in screen_text(app))
        order = [
            e.plain
            for e in app.chat.current_conversation.log.entries
            if "missed" in e.plain or e.kind == "separator"
        ]
        assert order == ["missed 0", "missed 1", "missed 2", text, "missed 9"]
        # The same replay again (a second reconnect): nothing new, nothing doubled.
        app.chat.post_message(NetworkEvents((*replay, done)))
        await pilot.pause(0.1)
        assert len(lines_with(app, "missed 1")) == 1
        assert len(lines_with(app, "while you were away")) == 1
        await pilot.press("ctrl+q")


async def test_history_unavailable_is_said(make_app, server):
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        app.chat.post_message(
            NetworkEvents(
                (
                    ev.ServerInfo(
                        buffer="#lobby",
                        text="history is unavailable on this server",
                        command="CHATHISTORY",
                    ),
                )
            )
        )
        await wait_for(pilot, lambda: "history is unavailable" in screen_text(app))
        await pilot.press("ctrl+q")


async def test_search_scrollback_and_log_file_with_stepping(server, make_app, peers, tmp_path):
    app = make_app(server.port)
    app.controller.log_dir = tmp_path / "logs"
    old = chat_log_path(app.controller.log_dir, "127.0.0.1", "#lobby", server.port)
    old.parent.mkdir(parents=True)
    old.write_text(
        "2020-01-01 10:00:00 <bob> an old Needle from 2020\n"
        "2020-01-01 10:00:01 <bob> nothing here\n"
        "2020-01-02 11:00:00 <carol> [bold]another needle[/]\n"
    )
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        await bob.join(pilot, "#lobby")
        for i in range(80):
            bob.send(f"PRIVMSG #lobby :chatter {i}" + (" NEEDLE" if i in (5, 40, 75) else ""))
        await wait_for(pilot, lambda: "chatter 79" in screen_text(app))
        await type_line(pilot, "/search needle")
        await wait_for(pilot, lambda: status(app).startswith("1/5"), what="1/5")
        assert app.chat.log_view.highlight is not None
        assert "chatter 75 NEEDLE" in screen_text(app)
        await pilot.press("f3")
        await wait_for(pilot, lambda: status(app).startswith("2/5"))
        assert "chatter 40 NEEDLE" in screen_text(app)
        assert "chatter 79" not in screen_text(app)  # scrolled up to the match
        await pilot.press("enter")  # Enter in the search field: next
        await wait_for(pilot, lambda: status(app).startswith("3/5"))
        assert "chatter 5 NEEDLE" in screen_text(app)
        await pilot.press("f3")
        await wait_for(pilot, lambda: status(app).startswith("4/5") and "log file" in status(app))
        # Older matches from the log file are listed, literally, in the results panel.
        assert "[bold]another needle[/]" in screen_text(app)
        assert "an old Needle from 2020" in screen_text(app)
        assert "nothing here" not in screen_text(app)
        await pilot.press("shift+f3")
        await wait_for(pilot, lambda: status(app).startswith("3/5"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.chat.searching.bar.display)
        assert app.chat.log_view.highlight is None
        assert app.focused is app.chat.chat_input
        await wait_for(pilot, lambda: "chatter 79" in screen_text(app))  # back to the end
        await pilot.press("ctrl+f")
        app.chat.searching.bar.query_one("#search-input").value = "no such text"
        await pilot.press("enter")
        await wait_for(pilot, lambda: status(app) == "no matches")
        await pilot.press("ctrl+q")


async def test_ignore_from_config_and_at_runtime(server, make_app, peers):
    app = make_app(server.port, ignore=("Spammer",))
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        spam, bob = Peer(server.port, "spammer"), Peer(server.port, "bob")
        peers += [spam, bob]
        for peer in (spam, bob):
            await peer.register(pilot)
            await peer.join(pilot, "#lobby")

        async def said_and_relayed(peer: Peer, text: str, token: str) -> None:
            # Once the server answered the peer's PING, it has relayed the line to alice too;
            # alice's own echo arriving after it proves she has it (one connection, in order).
            peer.send(f"PRIVMSG #lobby :{text}")
            peer.send(f"PING :{token}")
            await peer.expect(pilot, token)
            await type_line(pilot, token)
            await wait_for(pilot, lambda: token in conv_text(app, "#lobby"))

        await said_and_relayed(spam, "buy now", "sync-1")
        bob.send("PRIVMSG #lobby :first from bob")
        await wait_for(pilot, lambda: "first from bob" in screen_text(app))
        await type_line(pilot, "/ignore bob")
        await said_and_relayed(bob, "second from bob", "sync-2")
        await type_line(pilot, "/unignore spammer")
        spam.send("PRIVMSG #lobby :spammer reformed")
        await wait_for(pilot, lambda: "spammer reformed" in screen_text(app))
        text = conv_text(app, "#lobby")
        assert "buy now" not in text
        assert "second from bob" not in text
        await pilot.press("ctrl+q")


async def test_chat_log_written_only_when_logging_is_on(server, make_app, peers, tmp_path):
    for logging_on in (True, False):
        logs = tmp_path / f"logs-{logging_on}"
        app = make_app(server.port)
        app.controller.log_dir = logs if logging_on else None
        async with app.run_test(size=SIZE) as pilot:
            await joined(pilot, app)
            await type_line(pilot, f"logged line {logging_on}")
            await wait_for(
                pilot,
                lambda app=app: (
                    "logged line" in screen_text(app)
                    and "(queued)" not in screen_text(app)
                    and "sending" not in screen_text(app)
                ),
            )
            await pilot.press("ctrl+q")
        path = chat_log_path(logs, "127.0.0.1", "#lobby", server.port)
        if logging_on:
            assert f"<alice> logged line {logging_on}" in path.read_text()
        else:
            assert not logs.exists()


def test_run_app_threads_no_log_and_rooms(monkeypatch, tmp_path):
    from tui_chat.cli import main
    from tui_chat.ui import app as app_module

    seen = {}

    def fake_run(self):
        seen.update(
            log_dir=self.controller.log_dir,
            rooms=self.controller.initial.rooms,
            room=self.controller.initial.room,
        )
        return 0

    monkeypatch.setattr(app_module.ChatApp, "run", fake_run)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    config = tmp_path / "c.toml"
    config.write_text(
        '[servers.work]\nhost = "127.0.0.1"\nport = 6999\nrooms = ["#team", "#ops key"]\n'
    )
    assert main(["--config", str(config), "join", "work", "--no-log"]) == 0
    assert seen == {"log_dir": None, "rooms": ("#team", "#ops key"), "room": "#team"}
    assert main(["--config", str(config), "join", "127.0.0.1:6999"]) == 0
    assert seen["log_dir"] is not None and str(seen["log_dir"]).startswith(str(tmp_path))


async def test_flood_lands_in_the_model_and_the_last_line_is_drawn(server, make_app):
    app = make_app(server.port, scrollback=5000)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        n = 3000
        now = datetime.now(UTC)
        for start in range(0, n, 250):
            app.chat.inbox.put(
                tuple(
                    ev.ChatMessage(buffer="#lobby", sender="bob", text=f"flood {i} end", time=now)
                    for i in range(start, start + 250)
                )
            )
        await wait_for(pilot, lambda: f"flood {n - 1} end" in screen_text(app), timeout=30)
        flood = [
            e for e in app.chat.current_conversation.log.entries if e.plain.startswith("flood")
        ]
        assert [e.plain for e in flood] == [f"flood {i} end" for i in range(n)]
        assert app.chat.log_view.visible_text()[-1].endswith(f"flood {n - 1} end")
        await pilot.press("ctrl+q")


async def test_resize_after_many_lines_keeps_the_last_line(server, make_app):
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        now = datetime.now(UTC)
        words = " ".join(f"w{j}" for j in range(40))
        app.chat.inbox.put(
            tuple(
                ev.ChatMessage(buffer="#lobby", sender="bob", text=f"{i} {words} last{i}", time=now)
                for i in range(2000)
            )
        )
        await wait_for(pilot, lambda: "last1999" in screen_text(app), timeout=20)
        for size in ((70, 30), (150, 40), (90, 20)):
            await pilot.resize_terminal(*size)
            await wait_for(
                pilot,
                lambda: (
                    app.chat.log_view.visible_text()
                    and app.chat.log_view.visible_text()[-1].endswith("last1999")
                    and "last1999" in screen_text(app)
                ),
                what=f"last line after resize to {size}",
            )
            log = app.chat.log_view
            assert log.scroll_y == log.max_scroll_y
        await pilot.press("ctrl+q")


def test_host_keeps_history_in_the_data_dir_unless_told_not_to(monkeypatch, tmp_path):
    """`tui-chat host` keeps history like `serve`: in the user data dir, --data-dir, or none."""
    from tui_chat.cli import main
    from tui_chat.ui import app as app_module

    seen = {}

    def fake_run(self):
        config = self.controller.server.config
        seen.update(data_dir=config.data_dir, history=config.history)
        return 0

    monkeypatch.setattr(app_module.ChatApp, "run", fake_run)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    config = tmp_path / "c.toml"
    config.write_text("")
    host = ["--config", str(config), "host", "--bind", "127.0.0.1", "--port", "0", "--no-log"]
    host += ["--tls-port", "0"]

    assert main(host) == 0
    assert seen["history"] and str(seen["data_dir"]).startswith(str(tmp_path / "xdg-data"))
    assert (seen["data_dir"] / "history.sqlite3").exists()

    assert main([*host, "--data-dir", str(tmp_path / "mine")]) == 0
    assert seen["data_dir"] == tmp_path / "mine"
    assert (tmp_path / "mine" / "history.sqlite3").exists()

    assert main([*host, "--no-history", "--data-dir", str(tmp_path / "none")]) == 0
    assert seen["data_dir"] is None
    # No history; only the certificate that invites pin, which must outlive the run.
    assert sorted(p.name for p in (tmp_path / "none").iterdir()) == ["tls-cert.pem", "tls-key.pem"]
