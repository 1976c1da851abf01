"""The invite line names the room and says a password is needed; `tui-chat join` takes it."""

from __future__ import annotations

import shlex

from tui_chat.cli import build_parser, host_port
from tui_chat.client.events import SERVER_BUFFER
from tui_chat.config import Settings
from tui_chat.ui.app import ChatApp
from tui_chat.ui.netinfo import join_hint

from .conftest import FAST_RECONNECT, conv_text, joined

SIZE = (120, 36)


def _parsed(line: str):
    words = shlex.split(line)
    assert words[:2] == ["tui-chat", "join"], line
    return build_parser().parse_args(words[1:])


async def test_hosting_a_room_with_a_password_invites_to_that_room(tmp_path):
    app = ChatApp(
        mode="host",
        host="127.0.0.1",
        port=0,
        nick="alice",
        room="#dev",
        password="sesame",
        settings=Settings(nick="alice", path=tmp_path / "c.toml"),
        data_path=tmp_path,
        client_options=dict(FAST_RECONNECT),
    )
    async with app.run_test(size=SIZE) as pilot:
        await joined(pilot, app, "#dev")
        port = app.controller.server.port
        shown = conv_text(app, SERVER_BUFFER)
        line = next(
            part.strip()
            for text in shown.splitlines()
            for part in [text.split("Others can join with:")[-1]]
            if "tui-chat join" in part
        )
        args = _parsed(line)
        assert args.room == "#dev"
        assert host_port(args.server) == ("127.0.0.1", port)
        assert "password is needed" in shown
        everything = "\n".join(conv_text(app, c.name) for c in app.chat.model.conversations)
        assert "sesame" not in everything


def test_every_invite_line_parses_back_to_its_room_and_port():
    for address, port, room in [
        ("192.168.1.5", 6667, "#lobby"),
        ("192.168.1.5", 6668, "#dev"),
        ("fe80::1", 7000, "##double"),
        ("10.0.0.1", 6667, "&local"),
        ("10.0.0.1", 6667, "#it's"),
    ]:
        args = _parsed(join_hint(address, port, room))
        assert (args.room or "#lobby") == room
        shown = f"[{address}]" if ":" in address else address
        assert host_port(args.server) == (shown.strip("[]"), port)
