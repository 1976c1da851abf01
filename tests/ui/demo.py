"""A ChatApp fed with a fixed script of client events: deterministic screens for snapshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui_chat.client import events as ev
from tui_chat.config import Settings
from tui_chat.ui.app import ChatApp
from tui_chat.ui.controller import ConnectionPlan
from tui_chat.ui.messages import NetworkEvents

T0 = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
NOWHERE = Path("/nonexistent/tui-chat-demo")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def script() -> tuple[ev.Event, ...]:
    members = (
        ev.Member(nick="alice", prefixes="@"),
        ev.Member(nick="bob", prefixes="+"),
        ev.Member(nick="carol"),
        ev.Member(nick="dave", away=True),
        ev.Member(nick="erin"),
    )
    return (
        ev.ConnectionState(phase="connected", server="chat.example:6667", time=at(0)),
        ev.Registered(nick="alice", server_name="chat.example", network="tui-chat", time=at(0)),
        ev.ServerInfo(buffer=ev.SERVER_BUFFER, text="Welcome to tui-chat, alice", time=at(0)),
        ev.Joined(buffer="#lobby", nick="alice", is_self=True, time=at(0)),
        ev.Topic(
            buffer="#lobby",
            topic="Friday: \x02demo day\x02, bring snacks",
            setter="bob",
            time=at(0),
        ),
        ev.Roster(buffer="#lobby", members=members[:4], time=at(0)),
        ev.ChatMessage(buffer="#lobby", sender="bob", text="morning all", time=at(1)),
        ev.ChatMessage(buffer="#lobby", sender="carol", text="hi bob! coffee is on", time=at(2)),
        ev.ChatMessage(
            buffer="#lobby", sender="bob", text="grabs a mug", kind="action", time=at(3)
        ),
        ev.Joined(buffer="#lobby", nick="erin", userhost="erin@10.0.0.7", time=at(4)),
        ev.Roster(buffer="#lobby", members=members, time=at(4)),
        ev.ChatMessage(
            buffer="#lobby",
            sender="erin",
            text="alice: is the build green? the release notes need a last look before "
            "we tag it, and the screenshots should be regenerated too",
            is_mention=True,
            time=at(5),
        ),
        ev.ChatMessage(
            buffer="#lobby",
            sender="alice",
            text="erin: green, tagging now",
            is_self=True,
            time=at(6),
        ),
        ev.NickChanged(old="carol", new="caroline", buffers=("#lobby",), time=at(7)),
        ev.Roster(
            buffer="#lobby",
            members=(*members[:2], ev.Member(nick="caroline"), *members[3:]),
            time=at(7),
        ),
        ev.ChatMessage(
            buffer="#lobby",
            sender="chat.example",
            text="Server restarts at noon",
            kind="notice",
            time=at(8),
        ),
        ev.Joined(buffer="#dev", nick="alice", is_self=True, time=at(9)),
        ev.Roster(buffer="#dev", members=(ev.Member(nick="alice", prefixes="@"),), time=at(9)),
        ev.ChatMessage(buffer="#dev", sender="bob", text="PR is up", time=at(10)),
        ev.ChatMessage(
            buffer="#dev", sender="bob", text="alice: review please?", is_mention=True, time=at(10)
        ),
        ev.ChatMessage(buffer="bob", sender="bob", text="got a minute after lunch?", time=at(11)),
        ev.PendingMessage(
            pending_id="p1", buffer="#lobby", text="brb, network is flaky", time=at(12)
        ),
        ev.Lag(seconds=0.042, time=at(12)),
    )


class DemoApp(ChatApp):
    """No network: the session is "started" by posting the script."""

    cursor_blink = False

    def __init__(self, mode: str = "join", data_path: Path = NOWHERE) -> None:
        super().__init__(
            mode=mode,
            host="chat.example",
            port=6667,
            nick="alice",
            room="#lobby",
            password=None,
            settings=Settings(nick="alice", path=NOWHERE / "config.toml"),
            data_path=data_path,
        )

    def start_session(self, plan: ConnectionPlan) -> None:
        model = self.chat.model
        model.status.started = True
        model.status.server_label = "chat.example:6667"
        model.switch_on_join.add("#lobby")
        self.chat.post_message(NetworkEvents(script()))
