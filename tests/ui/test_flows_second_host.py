"""A second host on the same data directory says, in the app, that it keeps no history."""

from __future__ import annotations

from tui_chat.client.events import SERVER_BUFFER
from tui_chat.config import Settings
from tui_chat.server import ServerConfig, ServerThread
from tui_chat.ui.app import ChatApp

from .conftest import FAST_RECONNECT, conv_text, joined, screen_text, wait_for

SIZE = (120, 36)


async def test_a_second_host_on_a_locked_history_warns_inside_the_app(tmp_path):
    data = tmp_path / "data"
    first = ServerThread(ServerConfig(bind="127.0.0.1", port=0, data_dir=data)).start()
    try:
        assert first.history_error is None
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
            server_data_dir=data,
        )
        async with app.run_test(size=SIZE) as pilot:
            await joined(pilot, app)
            shown = conv_text(app, SERVER_BUFFER)
            assert "History is off" in shown and "--data-dir" in shown
            # Also in the room, where the user looks once joined.
            await wait_for(pilot, lambda: "History is off" in screen_text(app))
    finally:
        first.stop()
