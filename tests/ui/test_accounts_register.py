"""/register through the real app on the real server: the account is made and logged in to,
and the password never comes back with Up."""

from __future__ import annotations

import pytest

from tests.client.conftest import server_process
from tests.client.test_real_servers import SERVERS
from tests.server.ircclient import TestClient
from tui_chat.client.events import SERVER_BUFFER
from tui_chat.ui.widgets.user_list import ACCOUNT_MARK

from .conftest import conv_text, joined, screen_text, start_test_server, type_line, wait_for

PASSWORD = "hunter2 is long enough"


async def test_register_makes_an_account_and_logs_in(make_app):
    server = start_test_server(scrypt_n=1 << 10)
    try:
        app = make_app(server.port, nick="alice")
        async with app.run_test(size=(120, 30)) as pilot:  # wide enough for the user list
            await joined(pilot, app)
            await type_line(pilot, f"/register {PASSWORD}")
            await wait_for(
                pilot,
                lambda: "Account alice registered" in conv_text(app, SERVER_BUFFER),
                what="the registration's answer",
            )
            server_text = conv_text(app, SERVER_BUFFER)
            assert "Logged in as alice" in server_text
            # Our own entry in the user list is marked too (servers tell only the others).
            await wait_for(
                pilot, lambda: f"alice{ACCOUNT_MARK}" in screen_text(app), what="alice ✓"
            )
            assert PASSWORD not in server_text and PASSWORD not in conv_text(app, "#lobby")
            assert all(PASSWORD not in line for line in app.chat.chat_input.history)
            await pilot.press("up")
            assert PASSWORD not in app.chat.chat_input.value
            # The server agrees: alice is logged in to the account alice.
            probe = TestClient(server.port).register("probe")
            try:
                probe.send("WHOIS alice")
                got = probe.collect("318")
                assert [m.params[2] for m in got if m.command == "330"] == ["alice"]
            finally:
                probe.close()
            await type_line(pilot, f"/register {PASSWORD}")
            await wait_for(
                pilot,
                lambda: "ALREADY_AUTHENTICATED" in conv_text(app, SERVER_BUFFER),
                what="the refusal of a second registration",
            )
    finally:
        server.stop()


@pytest.mark.parametrize("peer", ["miniircd", "ngircd"])
async def test_register_on_a_server_without_accounts_is_refused_plainly(make_app, tmp_path, peer):
    """Servers without draft/account-registration answer 421: shown, password not, chat goes on."""
    argv = SERVERS[peer](tmp_path)
    with server_process(argv, tmp_path) as port:
        app = make_app(port, nick="alice")
        async with app.run_test() as pilot:
            await joined(pilot, app)
            await type_line(pilot, f"/register {PASSWORD}")
            await wait_for(
                pilot,
                lambda: "REGISTER" in conv_text(app, SERVER_BUFFER),
                what="the server's refusal",
            )
            assert PASSWORD not in conv_text(app, SERVER_BUFFER)
            assert PASSWORD not in conv_text(app, "#lobby")
            assert app.chat.model.status.phase == "connected"


async def test_the_user_list_marks_who_is_logged_in(make_app):
    server = start_test_server(scrypt_n=1 << 10)
    peers: list[TestClient] = []
    try:
        for nick in ("zoe", "yan"):
            peer = TestClient(server.port).register(nick)
            peers.append(peer)
            peer.join("#lobby")
        zoe, yan = peers
        zoe.send(f"REGISTER * * :{PASSWORD}")
        zoe.expect("900")
        app = make_app(server.port, nick="alice")
        async with app.run_test(size=(120, 30)) as pilot:
            await joined(pilot, app)
            await wait_for(pilot, lambda: f"zoe{ACCOUNT_MARK}" in screen_text(app), what="zoe ✓")
            assert f"yan{ACCOUNT_MARK}" not in screen_text(app)
            yan.send(f"REGISTER * * :{PASSWORD}")
            await wait_for(pilot, lambda: f"yan{ACCOUNT_MARK}" in screen_text(app), what="yan ✓")
    finally:
        for peer in peers:
            peer.close()
        server.stop()
