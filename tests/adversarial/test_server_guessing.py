"""Password guessing is throttled per address, not just per connection."""

from __future__ import annotations

from tests.server.ircclient import TestClient

from .server_helpers import assert_live, make_server  # noqa: F401

GUESSERS = 8  # more than the default limit of 5 failures per address


def test_oper_guesses_from_many_connections(make_server):  # noqa: F811
    srv = make_server(opers={"admin": "right"})
    clients: list[TestClient] = []
    try:
        probe = TestClient(srv.port).register("probe")
        clients.append(probe)
        for i in range(GUESSERS):
            g = TestClient(srv.port).register(f"guess{i}")
            clients.append(g)
            g.send("OPER admin wrong")
            g.expect(lambda m: m.command in ("464", "491"))
            assert_live(probe, "while passwords are guessed")
        late = TestClient(srv.port).register("late")
        clients.append(late)
        late.send("OPER admin right")  # the right one, but from a throttled address
        late.expect("491")
        assert not [line for line in late.received if " 381 " in line]
    finally:
        for c in clients:
            c.close()


def test_connection_password_guesses_from_many_connections(make_server):  # noqa: F811
    srv = make_server(password="right")
    clients: list[TestClient] = []
    try:
        probe = TestClient(srv.port).register("probe", password="right")
        clients.append(probe)
        for i in range(GUESSERS):
            g = TestClient(srv.port)
            clients.append(g)
            g.send("PASS wrong")
            g.send(f"NICK guess{i}")
            g.send("USER g 0 * :g")
            g.expect("464")
            g.expect_closed()
            assert_live(probe, "while passwords are guessed")
        late = TestClient(srv.port)
        clients.append(late)
        late.send("PASS right")
        late.send("NICK late")
        late.send("USER l 0 * :l")
        assert "Too many" in late.expect("464").params[-1]
        late.expect_closed()
    finally:
        for c in clients:
            c.close()
