"""A hostile server's MONITOR lists, invites, SETNAME and CHGHOST: bounded, and data only."""

from __future__ import annotations

from client.conftest import fast_settings, running_client

from tui_chat.client.events import ChatMessage, Invited, Joined, Roster, ServerInfo

from .hostile_server import hostile_server


def test_presence_lines_from_a_hostile_server_are_bounded_and_routed():
    with (
        hostile_server() as hs,
        running_client(fast_settings("127.0.0.1", hs.port)) as (client, sink),
    ):
        sink.wait(Joined, is_self=True)
        nick = client._session.nick
        # A 730 as long as a line allows: shown as at most MAX_NAMES nicks, hosts stripped.
        many = ",".join(f"n{i}!u@h" for i in range(60)) + "," + ",".join(f"m{i}" for i in range(60))
        hs.send(f":srv 730 {nick} :{many}")
        online = sink.wait(ServerInfo, command="730")
        assert online.text.count(",") == 63 and "!" not in online.text
        hs.send(f":srv 731 {nick} :,,,")  # no names at all: nothing to show
        # An invite for someone else is a line in the room, never an invitation for us.
        hs.send(":eve!e@h INVITE mallory #lobby")
        told = sink.wait(ServerInfo, command="INVITE")
        assert told.buffer == "#lobby" and "mallory" in told.text
        # A CHGHOST for a stranger changes nothing; one without a host is ignored.
        hs.send(":ghost!g@h CHGHOST newuser newhost")
        hs.send(":ghost!g@h CHGHOST onlyuser")
        hs.send(":bob!u@h JOIN #lobby")
        hs.send(":bob!u@h CHGHOST bobby [bold]host")
        roster = sink.wait(
            Roster,
            buffer="#lobby",
            where=lambda r: any(m.userhost == "bobby@[bold]host" for m in r.members),
        )
        assert {m.nick for m in roster.members} >= {"bob"}
        hs.send(":bob!u@h PRIVMSG #lobby :after")
        sink.wait(ChatMessage, text="after")
        assert not sink.of(Invited)
        assert not [e for e in sink.of(ServerInfo) if e.command == "731"]
        assert "ghost" not in {m.nick for m in roster.members}
