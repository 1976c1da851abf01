"""A refused or missing password stops the reconnect loop and asks, masked, in the app."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import Input

from tui_chat.client.events import SERVER_BUFFER
from tui_chat.ui.screens.password import PasswordScreen

from .conftest import conv_text, joined, screen_text, start_test_server, type_line, wait_for

SIZE = (100, 30)


def _connections(server) -> int:
    return server._server.accepted


async def test_missing_password_is_asked_for_then_used(make_app):
    server = start_test_server(password="sesame")
    try:
        app = make_app(server.port)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(
                pilot, lambda: isinstance(app.screen, PasswordScreen), what="password prompt"
            )
            await wait_for(pilot, lambda: "A password is needed" in screen_text(app))
            tries = _connections(server)
            field = app.screen.query_one("#password-input", Input)
            assert field.password  # masked
            await pilot.press(*"sesame")
            assert "sesame" not in screen_text(app)
            await pilot.press("enter")
            await joined(pilot, app)
            # One attempt after the refusal, the one with the typed password: no loop.
            assert _connections(server) == tries + 1
            everything = "\n".join(conv_text(app, c.name) for c in app.chat.model.conversations)
            assert "sesame" not in everything
            assert "sesame" not in "\n".join(app.chat.chat_input.history)
    finally:
        server.stop()


async def test_wrong_password_cancelled_leaves_a_hint_and_reconnect_asks_again(make_app):
    server = start_test_server(password="sesame")
    try:
        app = make_app(server.port)
        app.controller.initial = replace(app.controller.initial, password="wrong")
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(
                pilot, lambda: isinstance(app.screen, PasswordScreen), what="password prompt"
            )
            await wait_for(pilot, lambda: "Wrong password" in screen_text(app))
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is app.chat, what="prompt closed")
            assert app.chat.model.status.phase == "disconnected"
            assert "/reconnect" in conv_text(app, SERVER_BUFFER)
            assert "disconnected" in screen_text(app)
            tries = _connections(server)
            await type_line(pilot, "/reconnect")
            await wait_for(
                pilot, lambda: isinstance(app.screen, PasswordScreen), what="asked again"
            )
            assert _connections(server) == tries + 1
            await pilot.press(*"sesame", "enter")
            await joined(pilot, app)
    finally:
        server.stop()
