"""Getting past a room's protection by INVITE or NICK: holes an audit found, now closed.

Each test is the attack as a peer would run it over loopback against the real server, and
asserts what a peer server (Ergo, solanum) answers instead.
"""

from __future__ import annotations

from tests.server.ircclient import TestClient

from .server_helpers import assert_live, connect, make_server, server  # noqa: F401

JOIN_ANSWERS = ("JOIN", "471", "473", "474", "475")


def join_answer(c: TestClient, channel: str) -> str:
    """JOIN ``channel``; the command of the server's answer (JOIN or the numeric refusing it)."""
    c.send(f"JOIN {channel}")
    return c.expect(lambda m: m.command in JOIN_ANSWERS).command


def test_a_plain_members_invite_does_not_lift_a_ban_or_key(connect):  # noqa: F811
    op, friend, banned, probe = connect("op"), connect("friend"), connect("banned"), connect("p")
    op.join("#room")
    friend.join("#room")  # an ordinary member: no operator status
    op.send("MODE #room +bk banned!*@* sesame")
    op.expect("MODE")
    assert join_answer(banned, "#room sesame") == "474"
    assert join_answer(banned, "#room") == "475"

    # In a room that is not +i any member may INVITE; Ergo then only notifies (the invite is
    # recorded for +i rooms alone) and solanum's invite passes +i and +l, never +b or +k.
    friend.send("INVITE banned #room")
    friend.expect("341")
    banned.expect("INVITE")
    assert join_answer(banned, "#room") == "475", "an ordinary member's invite lifted +k"
    assert join_answer(banned, "#room sesame") == "474", "an ordinary member's invite lifted +b"
    assert_live(probe)


def test_an_invite_is_not_handed_to_whoever_takes_the_nick_next(connect):  # noqa: F811
    op, bob = connect("op"), connect("bob")
    op.join("#inner")
    op.send("MODE #inner +i")
    op.expect("MODE")
    op.send("PRIVMSG #inner :for members only")
    op.send("INVITE bob #inner")
    op.expect("341")
    bob.expect("INVITE")
    bob.send("QUIT :gone before using it")
    bob.expect_closed()

    # Someone else takes the nick the invite was given to.
    mallory = connect("bob")
    assert join_answer(mallory, "#inner") == "473", "the invite went with the nick"
    # #inner is not +s, so NAMES lists its members to anyone: mallory must not be among them.
    mallory.send("NAMES #inner")
    listed = [m.params[-1].split() for m in mallory.collect("366") if m.command == "353"]
    assert listed and not any(nick.lstrip("@+") == "bob" for names in listed for nick in names)


def test_a_banned_member_cannot_shed_the_ban_by_changing_nick(connect):  # noqa: F811
    op, pest = connect("op"), connect("pest")
    op.join("#room")
    pest.join("#room")
    op.send("MODE #room +b pest!*@*")
    op.expect("MODE")
    pest.send("PRIVMSG #room :before")
    assert pest.expect("404").params[1] == "#room"

    # solanum and InspIRCd refuse the change while banned (435 ERR_BANNICKCHANGE); at the
    # least, the member must stay silenced under the new nick.
    pest.send("NICK clean")
    answer = pest.expect(lambda m: m.command in ("NICK", "435", "437"))
    pest.send("PRIVMSG #room :evaded the ban")
    pest.sync()
    heard = [m for m in op.sync() if m.command == "PRIVMSG"]
    assert heard == [], f"banned member spoke after NICK ({answer.command}): {heard}"
