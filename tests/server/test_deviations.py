"""Protocol deviations a strict client would hit (issue 11), checked against the real server."""

from __future__ import annotations

import pytest


def test_user_with_empty_realname_gets_461(connect):
    c = connect()
    c.send("NICK alice")
    c.send("USER al 0 * :")
    err = c.expect(lambda m: m.command in ("461", "001"))
    assert err.command == "461" and err.params[1] == "USER"
    # Still unregistered, and a proper USER afterwards completes registration.
    c.send("USER al 0 * :Alice Liddell")
    c.expect("001")


def _who_nicks(c, target: str) -> set[str]:
    c.send(f"WHO {target}")
    got = c.collect("315")
    return {m.params[5] for m in got if m.command == "352"}


def _names(c, target: str) -> set[str]:
    c.send(f"NAMES {target}")
    got = c.collect("366")
    return {n.lstrip("@+") for m in got if m.command == "353" for n in m.params[-1].split()}


def test_invisible_user_hidden_only_from_those_sharing_no_channel(connect):
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    alice.send("MODE alice +i")
    alice.expect("MODE")
    alice.join("#room")
    alice.join("#side")
    bob.join("#side")  # shares #side with alice, not #room
    carol.join("#room")
    assert "alice" in _who_nicks(bob, "#room")
    assert "alice" in _names(bob, "#room")
    assert "alice" in _who_nicks(carol, "#room")  # a member of the room itself
    assert "alice" in _names(carol, "#room")
    stranger = connect("dave")
    assert "alice" not in _who_nicks(stranger, "#room")
    assert "alice" not in _names(stranger, "#room")
    assert "carol" in _who_nicks(stranger, "#room")


@pytest.mark.parametrize("key", ["two words", "   ", ""])
def test_mode_k_with_a_key_join_cannot_carry_gets_696(connect, key):
    alice = connect("alice")
    alice.join("#room")
    alice.send(f"MODE #room +k :{key}")
    err = alice.expect(lambda m: m.command in ("696", "MODE"))
    assert err.command == "696"
    assert err.params[1:4] == ("#room", "k", "*")
    bob = connect("bob")
    bob.join("#room")  # no key was set


def test_chantypes_advertised_is_what_join_and_history_treat_as_rooms(connect):
    from tui_chat.server.history import is_channel

    c = connect()
    c.send("NICK alice")
    c.send("USER al 0 * :Alice")
    burst = c.collect(lambda m: m.command in ("376", "422"))
    tokens = [p for m in burst if m.command == "005" for p in m.params[1:-1]]
    chantypes = next(t.partition("=")[2] for t in tokens if t.startswith("CHANTYPES="))
    assert chantypes == "#"
    for prefix in "#&":
        c.send(f"JOIN {prefix}room")
        answer = c.expect(lambda m: m.command in ("JOIN", "476", "479"))
        assert (answer.command == "JOIN") == (prefix in chantypes)
        # History files a target under a room or a private conversation by the same rule.
        assert is_channel(f"{prefix}room") == (prefix in chantypes)


def _targmax(c) -> dict[str, int]:
    c.send("VERSION")  # the server resends ISUPPORT after VERSION
    burst = c.collect("351")
    burst += c.collect(lambda m: m.command == "005" and "TARGMAX" in " ".join(m.params))
    token = next(p for m in burst if m.command == "005" for p in m.params if p[:8] == "TARGMAX=")
    pairs = (item.partition(":") for item in token[8:].split(","))
    return {cmd: int(n) for cmd, _, n in pairs if n}


def test_kick_and_names_take_several_targets_as_targmax_says(connect):
    op = connect("op")
    targmax = _targmax(op)
    kick_max, names_max = targmax.get("KICK", 1), targmax.get("NAMES", 1)
    assert kick_max >= 2 and names_max >= 2
    victims = [connect(f"v{i}") for i in range(kick_max)]
    op.join("#room")
    for v in victims:
        v.join("#room")
    op.send(f"KICK #room {','.join(v.nick for v in victims)} :out")
    kicked = {op.expect("KICK").params[1] for _ in victims}
    assert kicked == {v.nick for v in victims}
    rooms = [f"#r{i}" for i in range(names_max)]
    for room in rooms:
        op.join(room)
    op.send(f"NAMES {','.join(rooms)}")
    ended = [op.expect("366").params[1] for _ in rooms]
    assert ended == rooms


@pytest.mark.parametrize("command", ["KICK #room", "NAMES", "WHOIS"])
def test_more_targets_than_targmax_get_407_and_nothing_is_done(connect, command):
    op = connect("op")
    limit = _targmax(op)[command.split()[0]]
    op.join("#room")
    victim = connect("victim")
    victim.join("#room")
    # One real target among too many: the request is refused whole, not cut at the limit.
    names = ["victim"] if command != "NAMES" else ["#room"]
    names += [f"x{i}" for i in range(limit)]
    op.send(f"{command} {','.join(names)}")
    assert op.expect("407").params[1] == ",".join(names)
    replies = [m.command for m in op.sync()]
    assert not {"KICK", "353", "366", "311", "318", "401"} & set(replies)


@pytest.mark.parametrize(
    ("line", "context", "description"),
    [
        ("CHATHISTORY", "*", "Insufficient parameters"),
        ("CHATHISTORY FETCH #h * 10", "FETCH", "Unknown command"),
        ("CHATHISTORY LATEST #h *", "LATEST", "Insufficient parameters"),
        ("CHATHISTORY LATEST #h * 10 extra", "LATEST", "Too many parameters"),
    ],
)
def test_chathistory_syntax_errors_are_invalid_params(
    make_server, tmp_path, line, context, description
):
    # The current IRCv3 chathistory text: a syntactically invalid command (unknown subcommand,
    # missing or excess parameters) is FAIL CHATHISTORY INVALID_PARAMS <the given command>.
    from .ircclient import TestClient

    server = make_server(data_dir=tmp_path / "data")
    c = TestClient(server.port)
    try:
        c.register("alice", caps=("batch", "server-time", "message-tags"))
        c.join("#h")
        c.send(line)
        fail = c.expect(lambda m: m.command in ("FAIL", "BATCH"))
        assert fail.params == ("CHATHISTORY", "INVALID_PARAMS", context, description)
    finally:
        c.close()
