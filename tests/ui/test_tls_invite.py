"""A hosted room over TLS: the invite line carries the room and the certificate's fingerprint,
and a second app that follows it joins over TLS with the certificate pinned."""

from __future__ import annotations

import re

from tests.client.conftest import free_port
from tui_chat.client.address import parse_target
from tui_chat.client.events import SERVER_BUFFER
from tui_chat.client.tls import PinStore, TLSPolicy
from tui_chat.ui.hosting import start_server

from .conftest import conv_text, joined, screen_text, type_line, wait_for

SIZE = (120, 36)


async def test_the_invite_line_joins_over_tls_with_the_certificate_pinned(tmp_path, make_app):
    server = start_server("127.0.0.1", 0, None, None, tls_port=0, tls_dir=tmp_path / "host")
    host = make_app(server.port, room="#dev", mode="host", app_options={"server": server})
    async with host.run_test(size=SIZE) as host_pilot:
        await joined(host_pilot, host, "#dev")
        hint = conv_text(host, SERVER_BUFFER)
        fingerprint = server.tls_fingerprint
        assert fingerprint is not None
        invite = f"tui-chat join ircs://127.0.0.1:{server.tls_port}/dev#sha256={fingerprint}"
        assert invite in hint, hint
        colons = ":".join(fingerprint.upper()[i : i + 2] for i in range(0, 64, 2))
        assert f"-tls_pinned_cert {colons} 127.0.0.1 {server.tls_port}" in hint
        assert f"ports {server.tls_port} (TLS) and {server.port}" in hint

        # /share puts the whole line on the clipboard (the log wraps it mid-fingerprint).
        await type_line(host_pilot, "/share")
        await wait_for(host_pilot, lambda: host.clipboard == invite, what="the invite copied")
        assert "/share copies the first line" in hint

        url = re.search(r"tui-chat join (\S+)", hint)
        assert url is not None
        target = parse_target(url[1])
        assert (target.tls, target.room, target.pin) == (True, "#dev", fingerprint)
        pins = tmp_path / "known_servers"
        guest = make_app(
            target.port,
            nick="bob",
            room=target.room,
            app_options={"host": target.host, "tls": TLSPolicy(pin=target.pin, pins_path=pins)},
        )
        async with guest.run_test(size=SIZE) as guest_pilot:
            await joined(guest_pilot, guest, "#dev")
            await wait_for(
                guest_pilot,
                lambda: re.search(r"connected · TLS 1\.[23], pinned", screen_text(guest)),
                what="the header saying TLS and pinned",
            )
            await type_line(guest_pilot, "hello over tls")
            await wait_for(host_pilot, lambda: "hello over tls" in screen_text(host))
            await guest_pilot.press("ctrl+q")
        assert PinStore(pins).get(f"127.0.0.1:{server.tls_port}") == fingerprint
        await host_pilot.press("ctrl+q")


async def test_a_wrong_pin_stops_with_a_clear_message_and_no_retry(tmp_path, make_app):
    server = start_server("127.0.0.1", 0, None, None, tls_port=0, tls_dir=tmp_path / "host")
    try:
        pin = TLSPolicy(pin="0" * 64, pins_path=tmp_path / "known_servers")
        guest = make_app(server.tls_port, nick="bob", room="#dev", app_options={"tls": pin})
        async with guest.run_test(size=SIZE) as pilot:
            await wait_for(
                pilot,
                lambda: "is not the one in the invite" in screen_text(guest),
                what="the refusal on screen",
            )
            await wait_for(pilot, lambda: "disconnected" in screen_text(guest))
            assert "reconnecting" not in screen_text(guest)
            await pilot.press("ctrl+q")
    finally:
        server.stop()


async def test_share_says_so_when_not_hosting(make_app):
    from tui_chat.server import ServerConfig, ServerThread

    server = ServerThread(ServerConfig(bind="127.0.0.1", port=0)).start()
    try:
        app = make_app(server.port, nick="bob", room="#dev")
        async with app.run_test(size=SIZE) as pilot:
            await joined(pilot, app, "#dev")
            await type_line(pilot, "/share")
            await wait_for(pilot, lambda: "Not hosting a room" in screen_text(app))
            assert app.clipboard == ""
            await pilot.press("ctrl+q")
    finally:
        server.stop()


async def test_a_room_hosted_from_the_connect_screen_listens_with_tls_too(tmp_path, make_app):
    app = make_app(
        6667,
        nick="dora",
        mode="connect",
        app_options={"host": None, "server_tls": (0, tmp_path / "tls")},
    )
    app.controller.host_bind = "127.0.0.1"  # tests listen on the loopback only
    async with app.run_test(size=SIZE) as pilot:
        assert app.screen.__class__.__name__ == "ConnectScreen"
        app.screen.query_one("#connect-host").value = "127.0.0.1"
        # The form takes 1-65535: an ephemeral port the kernel just handed out and let go.
        app.screen.query_one("#connect-port").value = str(free_port())
        app.screen.query_one("#connect-host").focus()
        await pilot.press("ctrl+o")
        await joined(pilot, app)
        server = app.controller.server
        assert server is not None and server.tls_port and server.tls_fingerprint
        hint = conv_text(app, SERVER_BUFFER)
        assert f"ircs://127.0.0.1:{server.tls_port}/lobby#sha256={server.tls_fingerprint}" in hint
        assert (tmp_path / "tls" / "tls-cert.pem").exists()
        await pilot.press("ctrl+q")


def test_host_takes_its_certificate_from_tls_cert_and_tls_key(monkeypatch, tmp_path, capsys):
    """`tui-chat host --tls-cert/--tls-key` serves that certificate; a missing one is one line
    and exit status 2, before the full-screen app starts."""
    from tui_chat.cli import main
    from tui_chat.server.tls import fingerprint, self_signed
    from tui_chat.ui import app as app_module

    seen = {}

    def fake_run(self):
        seen["fingerprint"] = self.controller.server.tls_fingerprint
        return 0

    monkeypatch.setattr(app_module.ChatApp, "run", fake_run)
    cert, key = self_signed(tmp_path / "mine", "chat.example")
    config = tmp_path / "c.toml"
    config.write_text("")
    host = ["--config", str(config), "host", "--bind", "127.0.0.1", "--port", "0", "--no-log"]
    host += ["--tls-port", "0", "--no-history", "--data-dir", str(tmp_path / "data")]
    assert main([*host, "--tls-cert", str(cert), "--tls-key", str(key)]) == 0
    assert seen["fingerprint"] == fingerprint(cert)
    assert not (tmp_path / "data" / "tls-cert.pem").exists()  # no self-signed one was made

    assert main([*host, "--tls-cert", str(tmp_path / "missing.pem")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.pem: no such file" in err, err
