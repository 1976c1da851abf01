"""Ban exceptions (+e) and invite exceptions (+I), honoured by JOIN, listed like bans."""

from __future__ import annotations

from .ircclient import TestClient


def _isupport(c) -> set[str]:
    c.send("VERSION")
    got = c.collect(lambda m: m.command == "005" and "NETWORK" in " ".join(m.params))
    return {t for m in got if m.command == "005" for t in m.params[1:-1]}


def _join_result(c, channel: str) -> str:
    c.send(f"JOIN {channel}")
    return c.expect(lambda m: m.command in ("366", "473", "474")).command


def test_ban_exception_lets_a_banned_user_join_and_speak(connect):
    op = connect("op")
    op.join("#r")
    assert {"EXCEPTS=e", "INVEX=I", "CHANMODES=beI,k,l,imnst"} <= _isupport(op)
    op.send("MODE #r +be *!*@127.0.0.1 bob!*@*")
    assert op.expect("MODE").params == ("#r", "+be", "*!*@127.0.0.1", "bob!*@*")
    bob, carol = connect("bob"), connect("carol")
    assert _join_result(carol, "#r") == "474"
    assert _join_result(bob, "#r") == "366"
    bob.send("PRIVMSG #r :excepted")
    assert op.expect("PRIVMSG").params == ("#r", "excepted")
    op.send("MODE #r e")
    got = op.collect("349")
    assert [m.params[2] for m in got if m.command == "348"] == ["bob!*@*"]
    op.send("MODE #r -e bob!*@*")
    op.expect("MODE")
    bob.send("PRIVMSG #r :now banned")
    assert bob.expect("404").params[1] == "#r"


def test_invite_exception_lets_matching_users_past_plus_i(connect):
    op = connect("op")
    op.join("#r")
    op.send("MODE #r +iI carol!*@*")
    assert op.expect("MODE").params == ("#r", "+iI", "carol!*@*")
    carol, dave = connect("carol"), connect("dave")
    assert _join_result(dave, "#r") == "473"
    assert _join_result(carol, "#r") == "366"
    op.send("MODE #r I")
    got = op.collect("347")
    assert [m.params[2] for m in got if m.command == "346"] == ["carol!*@*"]
    # The exception lists are for operators; the ban list stays open to all.
    carol.send("MODE #r I")
    assert carol.expect(lambda m: m.command in ("346", "347", "482")).command == "482"
    carol.send("MODE #r b")
    carol.expect("368")


def test_exceptions_come_back_with_a_restored_room(make_server, tmp_path):
    data = tmp_path / "data"
    first = make_server(data_dir=data)
    op = TestClient(first.port).register("op")
    try:
        op.join("#keep")
        op.send("MODE #keep +iI *!*@127.0.0.1")
        op.expect("MODE")
        op.send("PRIVMSG #keep :kept")  # a room's state is kept while it has history
        op.sync()
    finally:
        op.close()
    first.stop()
    second = make_server(data_dir=data)
    op2 = TestClient(second.port).register("op")
    try:
        # The room comes back +i; only its restored invite exception lets anyone in.
        assert _join_result(op2, "#keep") == "366"
        op2.send("MODE #keep I")
        got = op2.collect("347")
        assert [m.params[2] for m in got if m.command == "346"] == ["*!*@127.0.0.1"]
    finally:
        op2.close()
