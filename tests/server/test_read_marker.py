"""Read markers (draft/read-marker) on our server: per account, shared by its connections."""

from __future__ import annotations

import pytest

from tui_chat.server import ServerThread

from .ircclient import TestClient
from .test_accounts import FAST, PASSWORD, register_account, sasl_login

CAP = "draft/read-marker"
T1 = "timestamp=2026-01-02T03:04:05.678Z"
T2 = "timestamp=2026-01-02T03:04:06.000Z"


def log_in(port: int, nick: str, account: str, caps: tuple[str, ...] = (CAP,)) -> TestClient:
    """A client registered as ``nick`` and logged in (SASL PLAIN) to ``account``."""
    c = TestClient(port)
    c.send("CAP LS 302")
    c.send(f"CAP REQ :{' '.join(('sasl', *caps))}")
    c.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
    c.send(f"NICK {nick}")
    c.send(f"USER {nick} 0 * :{nick}")
    assert sasl_login(c, account, PASSWORD) == "903"
    c.send("CAP END")
    c.expect("001")
    c.expect(lambda m: m.command in ("376", "422"))
    c.nick = nick
    return c


def markread(c: TestClient, target: str) -> tuple[str, ...]:
    msg = c.expect(lambda m: m.command == "MARKREAD" and m.params[0] == target)
    return msg.params


def fail(c: TestClient) -> tuple[str, ...]:
    return c.expect(lambda m: m.command == "FAIL" and m.params[0] == "MARKREAD").params[1:]


def quiet(c: TestClient) -> list[str]:
    """Lines ``c`` got up to a PING round trip, MARKREADs among them."""
    return [line for line in c.sync() if " MARKREAD " in line]


@pytest.fixture
def srv(make_server) -> ServerThread:
    return make_server(**FAST)


@pytest.fixture
def account(srv) -> str:
    c = TestClient(srv.port)
    try:
        register_account(c, "alice")
    finally:
        c.close()
    return "alice"


@pytest.fixture
def clients():
    made: list[TestClient] = []
    yield made
    for c in made:
        c.close()


def test_a_marker_set_on_one_connection_reaches_the_other_and_not_a_stranger(
    srv, account, clients, connect
):
    one = log_in(srv.port, "alice", account)
    two = log_in(srv.port, "alice_", account)
    stranger = connect("bob", caps=(CAP,))
    clients += [one, two]
    assert CAP in one.received[0] or any(CAP in line for line in one.received)
    one.send(f"MARKREAD #room {T1}")
    assert markread(one, "#room") == ("#room", T1)
    assert markread(two, "#room") == ("#room", T1)
    assert quiet(stranger) == []


def test_an_older_or_equal_marker_is_answered_with_the_stored_one_and_not_sent_on(
    srv, account, clients
):
    one = log_in(srv.port, "alice", account)
    two = log_in(srv.port, "alice_", account)
    clients += [one, two]
    one.send(f"MARKREAD #room {T2}")
    markread(one, "#room")
    markread(two, "#room")
    for older in (T1, T2):
        one.send(f"MARKREAD #Room {older}")
        assert markread(one, "#Room") == ("#Room", T2)
    assert quiet(two) == []


def test_get_answers_the_stored_marker_or_a_star(srv, account, clients):
    one = log_in(srv.port, "alice", account)
    clients.append(one)
    one.send("MARKREAD bob")
    assert markread(one, "bob") == ("bob", "*")
    one.send(f"MARKREAD bob {T1}")
    markread(one, "bob")
    one.send("MARKREAD BOB")
    assert markread(one, "BOB") == ("BOB", T1)


def test_join_sends_the_marker_before_the_end_of_names(srv, account, clients):
    one = log_in(srv.port, "alice", account)
    clients.append(one)
    one.send("JOIN #fresh")
    got = one.collect(lambda m: m.command == "366")
    assert [m.params for m in got if m.command == "MARKREAD"] == [("#fresh", "*")]
    one.send(f"MARKREAD #room {T1}")
    markread(one, "#room")
    one.send("JOIN #ROOM")
    got = one.collect(lambda m: m.command == "366")
    commands = [m.command for m in got]
    assert commands.index("JOIN") < commands.index("MARKREAD") < commands.index("366")
    assert [m.params for m in got if m.command == "MARKREAD"] == [("#ROOM", T1)]


def test_a_connection_without_the_capability_gets_replies_but_no_broadcasts(srv, account, clients):
    plain = log_in(srv.port, "alice", account, caps=())
    other = log_in(srv.port, "alice_", account)
    clients += [plain, other]
    other.send(f"MARKREAD #room {T1}")
    markread(other, "#room")
    assert quiet(plain) == []
    plain.send(f"MARKREAD #room {T2}")
    assert markread(plain, "#room") == ("#room", T2)
    assert markread(other, "#room") == ("#room", T2)
    plain.send("JOIN #room")
    assert [m for m in plain.collect(lambda m: m.command == "366") if m.command == "MARKREAD"] == []


def test_without_an_account_markread_is_refused_and_join_says_star(connect):
    c = connect("bob", caps=(CAP,))
    c.send(f"MARKREAD #room {T1}")
    assert fail(c) == ("ACCOUNT_REQUIRED", "#room", "Log in to an account to keep read markers")
    c.send("MARKREAD #room")
    assert fail(c)[0] == "ACCOUNT_REQUIRED"
    c.send("JOIN #room")
    got = c.collect(lambda m: m.command == "366")
    assert [m.params for m in got if m.command == "MARKREAD"] == [("#room", "*")]


def test_fail_codes(srv, account, clients):
    one = log_in(srv.port, "alice", account)
    clients.append(one)
    one.send("MARKREAD")
    assert fail(one) == ("NEED_MORE_PARAMS", "Missing parameters")
    one.send(f"MARKREAD #bad,name {T1}")
    assert fail(one) == ("INVALID_PARAMS", "*", "Invalid target")
    one.send("MARKREAD #room *")
    assert fail(one) == ("INVALID_PARAMS", "#room", "Invalid timestamp")
    one.send("MARKREAD #room 2026-01-02T03:04:05.678Z")
    assert fail(one) == ("INVALID_PARAMS", "#room", "Invalid timestamp")
    one.send("MARKREAD #room")
    assert markread(one, "#room") == ("#room", "*")


def test_a_future_marker_is_clamped_to_now(srv, account, clients):
    one = log_in(srv.port, "alice", account)
    clients.append(one)
    one.send("MARKREAD #room timestamp=2999-01-01T00:00:00.000Z")
    stamp = markread(one, "#room")[1]
    assert stamp.startswith("timestamp=20") and stamp < "timestamp=2999"


def test_markers_outlive_the_connections_in_memory(srv, account):
    one = log_in(srv.port, "alice", account)
    one.send(f"MARKREAD #room {T1}")
    markread(one, "#room")
    one.send("QUIT")
    one.expect_closed()
    one.close()
    again = log_in(srv.port, "alice", account)
    try:
        again.send("MARKREAD #room")
        assert markread(again, "#room") == ("#room", T1)
    finally:
        again.close()


def test_markers_are_kept_in_the_data_dir_across_a_restart(make_server, tmp_path):
    first = make_server(data_dir=tmp_path, **FAST)
    c = TestClient(first.port)
    register_account(c, "alice")
    c.close()
    one = log_in(first.port, "alice", "alice")
    one.send(f"MARKREAD #room {T1}")
    markread(one, "#room")
    one.close()
    first.stop(timeout=5.0)
    second = make_server(data_dir=tmp_path, **FAST)
    again = log_in(second.port, "alice", "alice")
    try:
        again.send("MARKREAD #room")
        assert markread(again, "#room") == ("#room", T1)
    finally:
        again.close()
