"""The app against the real embedded server, with raw-socket peers as the other people."""

from __future__ import annotations

import socket
import threading

from textual import events

from tui_chat.client.events import SERVER_BUFFER
from tui_chat.config import Settings
from tui_chat.ui.app import ChatApp
from tui_chat.ui.textual_compat import app_driver, notifications

from .conftest import (
    FAST_RECONNECT,
    Peer,
    conv_text,
    hold_port,
    joined,
    log_text,
    our_threads,
    screen_text,
    type_line,
    wait_for,
)

SIZE = (120, 36)


async def test_host_chat_and_quit_leaves_nothing_behind(tmp_path, peers):
    app = ChatApp(
        mode="host",
        host="127.0.0.1",
        port=0,
        nick="alice",
        room="#lobby",
        password=None,
        settings=Settings(nick="alice", path=tmp_path / "c.toml"),
        data_path=tmp_path,
        client_options=dict(FAST_RECONNECT),
    )
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        port = app.controller.server.port
        hint = conv_text(app, SERVER_BUFFER)
        assert "tui-chat join " in hint and f":{port}" in hint
        # The host is an operator of its room.
        await wait_for(pilot, lambda: "@alice" in screen_text(app), what="@alice in user list")

        bob = Peer(port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        await bob.join(pilot, "#lobby")
        await wait_for(pilot, lambda: "bob" in screen_text(app) and "Users (2)" in screen_text(app))
        bob.send("PRIVMSG #lobby :hi there, alice")
        await wait_for(pilot, lambda: "hi there, alice" in screen_text(app))
        await type_line(pilot, "hello bob")
        await bob.expect(pilot, "PRIVMSG #lobby :hello bob")
        await type_line(pilot, "/me waves")
        await bob.expect(pilot, "\x01ACTION waves\x01")
        await wait_for(pilot, lambda: "* @alice waves" in screen_text(app))

        await pilot.press("ctrl+q")
        await bob.expect(pilot, "QUIT")
        await bob.expect(pilot, "ERROR")
    assert app.return_code == 0
    assert our_threads() == []
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0  # the server stopped listening


async def test_port_in_use_is_reported_not_raised(tmp_path, server):
    app = ChatApp(
        mode="host",
        host="127.0.0.1",
        port=server.port,
        nick="alice",
        room="#lobby",
        password=None,
        settings=Settings(nick="alice", path=tmp_path / "c.toml"),
        data_path=tmp_path,
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "already in use" in screen_text(app))
        assert app.controller.client is None
        await pilot.press("ctrl+q")
    assert our_threads(server) == []


def test_run_app_port_in_use_exits_1(tmp_path, server, capsys):
    from tui_chat.ui import run_app

    status = run_app(
        mode="host",
        host="127.0.0.1",
        port=server.port,
        nick="alice",
        room=None,
        password=None,
        settings=Settings(nick="alice", path=tmp_path / "c.toml"),
    )
    assert status == 1
    err = capsys.readouterr().err
    assert "already in use" in err and "Traceback" not in err


async def test_commands(server, make_app, peers):
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        await bob.join(pilot, "#lobby")
        await wait_for(pilot, lambda: len(app.chat.current_conversation.members) == 2)

        await type_line(pilot, "/frobnicate now")
        await wait_for(pilot, lambda: "Unknown command /frobnicate" in screen_text(app))
        await type_line(pilot, "/kick")
        await wait_for(pilot, lambda: "Usage: /kick NICK [REASON]" in screen_text(app))
        await type_line(pilot, "/clear")
        await wait_for(pilot, lambda: not app.chat.current_conversation.log.entries)

        await type_line(pilot, "/topic Friday lunch plans")
        await bob.expect(pilot, "TOPIC #lobby :Friday lunch plans")
        await wait_for(pilot, lambda: "Friday lunch plans" in screen_text(app).splitlines()[0])

        await type_line(pilot, "/names")
        await wait_for(pilot, lambda: "People in #lobby (2): @alice bob" in log_text(app))

        await type_line(pilot, "/op bob")
        await bob.expect(pilot, "MODE #lobby +o bob")
        await type_line(pilot, "/deop bob")
        await bob.expect(pilot, "MODE #lobby -o bob")
        await type_line(pilot, "/voice bob")
        await bob.expect(pilot, "MODE #lobby +v bob")
        await wait_for(pilot, lambda: "+bob" in screen_text(app))

        await type_line(pilot, "/notice bob psst")
        await bob.expect(pilot, "NOTICE bob :psst")
        await type_line(pilot, "/msg bob a private word")
        await bob.expect(pilot, "PRIVMSG bob :a private word")
        assert "bob" in app.chat.model.conversations  # /msg opens the query without switching
        assert app.chat.model.conversations.current == "#lobby"
        await type_line(pilot, "/quote PRIVMSG bob :raw line")
        await bob.expect(pilot, "PRIVMSG bob :raw line")

        await type_line(pilot, "/nick alicia")
        await wait_for(pilot, lambda: app.chat.model.my_nick == "alicia")
        await bob.expect(pilot, "NICK alicia")
        await wait_for(pilot, lambda: "You are now known as alicia" in log_text(app))

        await type_line(pilot, "/ignore bob")
        bob.send("PRIVMSG #lobby :you cannot see me")
        bob.send("PART #lobby :marker")
        await wait_for(pilot, lambda: "bob left (marker)" in log_text(app))
        assert "you cannot see me" not in log_text(app)
        await bob.join(pilot, "#lobby")
        await type_line(pilot, "/unignore bob")
        bob.send("PRIVMSG #lobby :visible again")
        await wait_for(pilot, lambda: "visible again" in log_text(app))

        await type_line(pilot, "/join #dev")
        await joined(pilot, app, "#dev")
        await type_line(pilot, "/invite bob")
        await bob.expect(pilot, "INVITE bob #dev")
        await type_line(pilot, "/part #dev see you")
        await wait_for(pilot, lambda: not app.chat.model.conversations.by_key("#dev").joined)
        await type_line(pilot, "/close")
        await wait_for(pilot, lambda: "#dev" not in app.chat.model.conversations)

        await type_line(pilot, "/query bob")
        await wait_for(pilot, lambda: app.chat.model.conversations.current == "bob")
        await type_line(pilot, "straight to you")
        await bob.expect(pilot, "PRIVMSG bob :straight to you")
        await type_line(pilot, "/close")
        await wait_for(pilot, lambda: "bob" not in app.chat.model.conversations)

        await type_line(pilot, "/ban bob")
        await bob.expect(pilot, "MODE #lobby +b bob!*@*")
        await type_line(pilot, "/unban bob!*@*")
        await bob.expect(pilot, "MODE #lobby -b bob!*@*")
        await type_line(pilot, "/kick bob out you go")
        await bob.expect(pilot, "KICK #lobby bob :out you go")
        await wait_for(pilot, lambda: "bob was kicked by alicia (out you go)" in log_text(app))

        await type_line(pilot, "/whois bob")
        await type_line(pilot, "/away lunch")
        await wait_for(pilot, lambda: "marked as away" in screen_text(app))
        await type_line(pilot, "/help kick")
        await wait_for(pilot, lambda: "/kick NICK [REASON]" in log_text(app))
        await type_line(pilot, "/help")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "HelpScreen")
        await wait_for(pilot, lambda: "/join #ROOM [KEY]" in screen_text(app))
        await pilot.press("escape")
        await type_line(pilot, "/quit bye all")
    assert app.return_code == 0
    assert our_threads(server) == []


async def test_history_and_tab_completion(server, make_app, peers):
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        bob = Peer(server.port, "bobby_tables")
        peers.append(bob)
        await bob.register(pilot)
        await bob.join(pilot, "#lobby")
        await wait_for(pilot, lambda: len(app.chat.current_conversation.members) == 2)

        await pilot.press(*"bo", "tab")
        assert app.chat.chat_input.value == "bobby_tables: "
        await pilot.press(*"hi", "enter")
        await bob.expect(pilot, "PRIVMSG #lobby :bobby_tables: hi")
        await pilot.press(*"/wh", "tab")
        assert app.chat.chat_input.value == "/who "
        await pilot.press("tab")
        assert app.chat.chat_input.value == "/whois "
        await pilot.press("ctrl+u")  # clear the line
        app.chat.chat_input.value = ""
        await pilot.press(*"second", "enter")
        await pilot.press("up")
        assert app.chat.chat_input.value == "second"
        await pilot.press("up")
        assert app.chat.chat_input.value == "bobby_tables: hi"
        await pilot.press("down")
        assert app.chat.chat_input.value == "second"
        await pilot.press("down")
        assert app.chat.chat_input.value == ""

        # A multi-line paste sends one message per line; pasted lines are text, not commands.
        app.chat.chat_input.post_message(events.Paste("one\ntwo\n/quit three"))
        await bob.expect(pilot, "PRIVMSG #lobby :/quit three")
        lines = bob.received("PRIVMSG #lobby :")
        said = [line.split("#lobby ", 1)[1].lstrip(":") for line in lines[-3:]]
        assert said == ["one", "two", "/quit three"]
        assert app.is_running


async def test_sidebar_counts_switching_and_private_messages(server, make_app, peers):
    app = make_app(server.port, notifications=True)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        await bob.join(pilot, "#lobby")
        await type_line(pilot, "/join #dev")
        await joined(pilot, app, "#dev")

        bob.send("PRIVMSG #lobby :one")
        bob.send("PRIVMSG #lobby :two")
        bob.send("PRIVMSG #lobby :alice: are you there?")
        await wait_for(pilot, lambda: app.chat.model.conversations.by_key("#lobby").unread == 3)
        assert app.chat.model.conversations.by_key("#lobby").mentions == 1
        await wait_for(pilot, lambda: "#lobby 3 !1" in screen_text(app))

        # An incoming private message opens its conversation, and rings when not focused.
        app.app_focus = False
        bob.send("PRIVMSG alice :psst, private")
        await wait_for(pilot, lambda: "bob" in app.chat.model.conversations)
        assert app.chat.model.conversations.by_key("bob").mentions == 1
        assert app.chat.model.conversations.current == "#dev"
        await wait_for(
            pilot, lambda: any("psst, private" in str(n.message) for n in notifications(app))
        )
        app.app_focus = True

        await pilot.press("alt+2")
        assert app.chat.model.conversations.current == "#lobby"
        assert app.chat.model.conversations.by_key("#lobby").unread == 0
        await wait_for(pilot, lambda: "alice: are you there?" in screen_text(app))
        await pilot.press("ctrl+down")
        assert app.chat.model.conversations.current == "#dev"
        await pilot.press("ctrl+down")
        assert app.chat.model.conversations.current == "bob"
        assert "psst, private" in screen_text(app)
        await pilot.press("ctrl+up")
        assert app.chat.model.conversations.current == "#dev"
        await pilot.press("alt+1")
        assert app.chat.model.conversations.current == SERVER_BUFFER


async def test_scrolled_up_reader_is_not_yanked_and_end_jumps(server, make_app, peers):
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        await bob.join(pilot, "#lobby")
        for i in range(60):
            bob.send(f"PRIVMSG #lobby :line {i}")
        await wait_for(pilot, lambda: "line 59" in screen_text(app))
        log = app.chat.log_view
        await pilot.press("pageup")
        await wait_for(pilot, lambda: log.scroll_y < log.max_scroll_y)
        top = log.scroll_y
        shown = screen_text(app)
        assert "line 59" not in shown
        for i in range(5):
            bob.send(f"PRIVMSG #lobby :later {i}")
        await wait_for(pilot, lambda: "5 new messages" in screen_text(app))
        assert log.scroll_y == top  # not yanked
        assert "later 4" not in screen_text(app)
        await pilot.press("end")
        await wait_for(pilot, lambda: "later 4" in screen_text(app))
        assert "new messages" not in screen_text(app)
        assert log.scroll_y == log.max_scroll_y


async def test_scrollback_is_bounded_and_relayouts_on_resize(server, make_app, peers):
    app = make_app(server.port, scrollback=40)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        await bob.join(pilot, "#lobby")
        for i in range(100):
            bob.send(f"PRIVMSG #lobby :message number {i} " + "padding " * 5)
        await wait_for(pilot, lambda: "message number 99" in screen_text(app))
        entries = app.chat.current_conversation.log.entries
        assert len(entries) == 40
        assert "message number 99" in entries[-1].plain
        assert "message number 60" in entries[0].plain
        log = app.chat.log_view
        before = log.line_count()
        # Below 100 columns the side panels fold away: 60 columns still leave the log narrower.
        await pilot.resize_terminal(60, 30)
        await wait_for(pilot, lambda: log.line_count() > before)
        await wait_for(pilot, lambda: log.scroll_y == log.max_scroll_y)
        last = log.visible_text()[-1].strip()
        assert last.endswith("padding")
        await wait_for(pilot, lambda: last in screen_text(app))
        assert all(len(line) <= 60 for line in screen_text(app).splitlines())
        app.theme = "textual-light"
        await pilot.pause()
        assert last in screen_text(app)


async def test_header_states_reconnect_and_pending_lines(make_app, peers):
    from .conftest import start_test_server

    first = start_test_server()
    port = first.port
    app = make_app(port)
    # No automatic retry: the app reconnects when the test says so (retry_now), after carol is
    # in the room, so she cannot miss the pending lines however slow the machine is.
    app.controller.client_options.update(reconnect_min=60.0, reconnect_max=60.0)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        header = lambda: screen_text(app).splitlines()[0]  # noqa: E731
        await wait_for(pilot, lambda: " connected" in header() and f"127.0.0.1:{port}" in header())
        first.stop()
        # Keep the port while the server is down, so no test running in parallel gets it.
        holder = hold_port(port)
        await wait_for(pilot, lambda: "reconnecting" in header(), what="reconnecting header")
        assert "#lobby" in header()
        await type_line(pilot, "typed while down 1")
        await type_line(pilot, "typed while down 2")
        await wait_for(pilot, lambda: "typed while down 2 (queued)" in screen_text(app))

        holder.close()
        second = start_test_server(port)
        try:
            carol = Peer(port, "carol")
            peers.append(carol)
            await carol.register(pilot)
            await carol.join(pilot, "#lobby")
            app.controller.client.retry_now()
            await carol.expect(pilot, ":alice!", timeout=15)
            await wait_for(pilot, lambda: carol.seen(" JOIN #lobby") and carol.seen(":alice!"))
            await carol.expect(pilot, "typed while down 2", timeout=15)
            said = [
                line.split("#lobby ", 1)[1].lstrip(":") for line in carol.received("PRIVMSG #lobby")
            ]
            assert said == ["typed while down 1", "typed while down 2"]
            await wait_for(pilot, lambda: "(queued)" not in screen_text(app))
            await wait_for(
                pilot, lambda: header().rstrip().endswith("ms") and " connected" in header()
            )
            await pilot.press("ctrl+q")
        finally:
            second.stop()
    assert our_threads() == []


async def test_own_messages_are_never_unread(server, make_app, peers):
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        bob = Peer(server.port, "bob")
        peers.append(bob)
        await bob.register(pilot)
        await type_line(pilot, "/msg bob hi there")
        await bob.expect(pilot, "PRIVMSG bob :hi there")
        await wait_for(
            pilot, lambda: "hi there" in conv_text(app, "bob") and not app.chat.model.pending
        )
        query = app.chat.model.conversations.get("bob")
        assert app.chat.model.conversations.current == app.chat.model.key("#lobby")
        assert (query.unread, query.mentions) == (0, 0)
        bob.send("PRIVMSG alice :hello back")
        await wait_for(pilot, lambda: query.unread == 1 and query.mentions == 1)
        await pilot.press("ctrl+q")


async def test_connect_screen_remembers_servers(server, tmp_path):
    from tui_chat.ui.recent import RecentServer, load_recent

    def make():
        return ChatApp(
            mode="connect",
            host=None,
            port=6667,
            nick=None,
            room=None,
            password=None,
            settings=Settings(nick="dora", path=tmp_path / "c.toml"),
            data_path=tmp_path / "data",
            client_options=dict(FAST_RECONNECT),
        )

    app = make()
    async with app.run_test(size=SIZE) as pilot:
        assert app.screen.__class__.__name__ == "ConnectScreen"
        assert "Host a room" in screen_text(app)
        # Only keys that work here show in the footer: no search or room switching.
        footer = screen_text(app).splitlines()[-1]
        assert "Quit" in footer and "Search" not in footer and "Prev room" not in footer
        await pilot.click("#connect-join")
        await wait_for(pilot, lambda: "Type the server to join" in screen_text(app))
        app.screen.query_one("#connect-host").value = "127.0.0.1"
        app.screen.query_one("#connect-port").value = str(server.port)
        app.screen.query_one("#connect-room").value = "garden"
        app.screen.query_one("#connect-host").focus()
        await pilot.press("enter")
        await joined(pilot, app, "#garden")
        assert app.chat.model.my_nick == "dora"
        await pilot.press("ctrl+q")
    assert load_recent(tmp_path / "data") == [
        RecentServer(host="127.0.0.1", port=server.port, nick="dora", room="#garden")
    ]
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        assert f"127.0.0.1:{server.port}  #garden  as dora" in screen_text(app)
        assert app.screen.query_one("#connect-host").value == "127.0.0.1"
        await pilot.press("ctrl+q")
    assert our_threads(server) == []


async def test_flood_arrives_in_order_while_keys_typed_meanwhile_land_in_order(
    server, make_app, peers
):
    """Network events are handled in slices that yield to keys: nothing dropped or reordered."""
    app = make_app(server.port)
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app)
        flooder = Peer(server.port, "flooder")
        peers.append(flooder)
        await flooder.register(pilot)
        await flooder.join(pilot, "#lobby")
        n = 4000
        payload = b"".join(b"PRIVMSG #lobby :flood %d end\r\n" % i for i in range(n))
        app.chat.chat_input.value = ""
        conv = app.chat.current_conversation

        def flooded() -> int:
            return sum(1 for e in conv.log.entries if e.plain.startswith("flood "))

        sender = threading.Thread(target=flooder.sock.sendall, args=(payload,), daemon=True)
        sender.start()
        typed = ""
        # Keys arrive the way a terminal delivers them (through the driver, into the app's
        # queue), one each time more of the flood has reached the model.
        for char in "abcdefghijklmnopqrst":
            seen = flooded()
            key = events.Key(char, char)
            key.set_sender(app)
            app_driver(app).send_message(key)
            typed += char
            await wait_for(pilot, lambda seen=seen: flooded() > seen or flooded() == n)
        await wait_for(pilot, lambda: flooded() == n, timeout=60, what="the whole flood")
        await wait_for(pilot, lambda: app.chat.chat_input.value == typed, what="every key typed")
        sender.join(timeout=5)
        assert [e.plain for e in conv.log.entries if e.plain.startswith("flood ")] == [
            f"flood {i} end" for i in range(n)
        ]
        assert app.chat.chat_input.value == typed
        await pilot.press("ctrl+q")
