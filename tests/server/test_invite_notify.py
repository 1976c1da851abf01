"""invite-notify: those who could have invited see the INVITE instead of a server notice."""

from __future__ import annotations


def test_invite_notify_reaches_ops_of_an_invite_only_room(connect):
    alice = connect("alice", caps=("invite-notify",))
    op2 = connect("op2", caps=("invite-notify",))
    member = connect("member", caps=("invite-notify",))
    oldop = connect("oldop")  # no capability: keeps the notice
    guest = connect("guest")
    for c in (alice, op2, member, oldop):
        c.join("#room")
    alice.send("MODE #room +i")
    alice.send("MODE #room +oo op2 oldop")
    alice.expect(lambda m: m.command == "MODE" and m.params[1] == "+oo")
    alice.send("INVITE guest #room")
    alice.expect("341")
    seen = op2.expect("INVITE")
    assert seen.source.startswith("alice!") and seen.params == ("guest", "#room")
    notice = oldop.expect("NOTICE")
    assert "alice invited guest" in notice.params[-1]
    assert guest.expect("INVITE").params == ("guest", "#room")
    # A plain member of a +i room could not have invited: told nothing.
    assert not [m for m in member.sync() if m.command in ("INVITE", "NOTICE")]
    # The inviter is not told twice.
    assert not [m for m in alice.sync() if m.command == "INVITE"]


def test_invite_notify_reaches_every_member_of_an_open_room(connect):
    alice = connect("alice")
    member = connect("member", caps=("invite-notify",))
    connect("guest")
    alice.join("#open")
    member.join("#open")
    alice.send("INVITE guest #open")
    assert member.expect("INVITE").params == ("guest", "#open")
