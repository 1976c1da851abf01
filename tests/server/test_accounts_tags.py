"""Who is logged in, for others to see: account-tag, account-notify, extended-join, WHOX, 330."""

from __future__ import annotations

import base64

import pytest

from tui_chat.server import ServerThread

from .ircclient import TestClient

PASSWORD = "correct horse battery"


@pytest.fixture
def srv(make_server) -> ServerThread:
    return make_server(scrypt_n=1 << 10)


def logged_in(port: int, nick: str, caps: tuple[str, ...] = ()) -> TestClient:
    """A registered client logged in to the account named as its nick (made first)."""
    c = TestClient(port).register(nick, caps=caps)
    c.send(f"REGISTER * * :{PASSWORD}")
    c.expect("900")
    return c


def sasl(c: TestClient, account: str) -> None:
    c.send("AUTHENTICATE PLAIN")
    c.expect_params("AUTHENTICATE", "+")
    c.send("AUTHENTICATE " + base64.b64encode(f"\0{account}\0{PASSWORD}".encode()).decode())
    c.expect("903")


def join_of(c: TestClient, nick: str):
    return c.expect(lambda m: m.command == "JOIN" and m.source.split("!")[0] == nick)


def test_messages_carry_the_senders_account_to_clients_with_account_tag(srv):
    alice = logged_in(srv.port, "alice")
    tagged = TestClient(srv.port).register("tagged", caps=("account-tag",))
    full = TestClient(srv.port).register("full", caps=("account-tag", "message-tags"))
    plain = TestClient(srv.port).register("plain")
    anon = TestClient(srv.port).register("anon")
    clients = [alice, tagged, full, plain, anon]
    try:
        for c in clients:
            c.join("#room")
        alice.send("PRIVMSG #room :hello")  # the fast path
        msg = tagged.expect("PRIVMSG")
        assert msg.tags == {"account": "alice"}
        msg = full.expect("PRIVMSG")
        assert msg.tags["account"] == "alice" and "msgid" in msg.tags
        assert plain.expect("PRIVMSG").tags == {}
        alice.send("@+draft/react=x TAGMSG #room")
        assert full.expect("TAGMSG").tags["account"] == "alice"
        alice.send("PRIVMSG tagged :psst")  # private, through the generic path
        assert tagged.expect("PRIVMSG").tags == {"account": "alice"}
        anon.send("PRIVMSG #room :no account here")
        assert tagged.expect("PRIVMSG").tags == {}
        alice.send("PRIVMSG #room :again")
        assert tagged.expect("PRIVMSG").tags == {"account": "alice"}
    finally:
        for c in clients:
            c.close()


def test_logging_in_is_announced_with_account_notify(srv):
    owner = logged_in(srv.port, "bob")
    owner.close()
    watcher = TestClient(srv.port).register("watcher", caps=("account-notify",))
    other = TestClient(srv.port).register("other")
    bob = TestClient(srv.port).register("bob")
    carol = TestClient(srv.port).register("carol")
    clients = [watcher, other, bob, carol]
    try:
        for c in clients:
            c.join("#room")
        sasl(bob, "bob")
        msg = watcher.expect("ACCOUNT")
        assert (msg.source.split("!")[0], msg.params) == ("bob", ("bob",))
        carol.send(f"REGISTER * * :{PASSWORD}")
        carol.expect("900")
        msg = watcher.expect("ACCOUNT")
        assert (msg.source.split("!")[0], msg.params) == ("carol", ("carol",))
        assert not [m for m in other.sync() if m.command == "ACCOUNT"]
    finally:
        for c in clients:
            c.close()


def test_extended_join_names_the_account_and_realname(srv):
    watcher = TestClient(srv.port).register("watcher", caps=("extended-join",))
    plain = TestClient(srv.port).register("plain")
    dave = logged_in(srv.port, "dave")
    erin = TestClient(srv.port).register("erin")
    clients = [watcher, plain, dave, erin]
    try:
        watcher.join("#room")
        plain.join("#room")
        dave.join("#room")
        assert join_of(watcher, "dave").params == ("#room", "dave", "Real dave")
        assert join_of(plain, "dave").params == ("#room",)
        erin.join("#room")
        assert join_of(watcher, "erin").params == ("#room", "*", "Real erin")
    finally:
        for c in clients:
            c.close()


def test_whox_reports_accounts(srv):
    frank = logged_in(srv.port, "frank")
    gina = TestClient(srv.port).register("gina")
    try:
        frank.join("#room")
        gina.join("#room")
        gina.send("VERSION")
        isupport = " ".join(m.to_line() for m in gina.collect("351") + gina.sync())
        assert " WHOX" in isupport
        gina.send("WHO #room %tcuihsnfdlaor,123")
        replies = gina.collect("315")
        rows = {m.params[7]: m.params[1:] for m in replies if m.command == "354"}
        assert set(rows) == {"frank", "gina"}
        token, channel, user, ip, host, server, nick, flags, hops, idle, account, oplevel, real = (
            rows["frank"]
        )
        assert (token, channel, user, nick, account, real) == (
            "123",
            "#room",
            "frank",
            "frank",
            "frank",
            "Real frank",
        )
        assert (ip, host, server, hops, oplevel) == (
            "127.0.0.1",
            "127.0.0.1",
            "test.server",
            "0",
            "n/a",
        )
        assert flags.startswith("H") and idle.isdigit()
        assert rows["gina"][10] == "0"  # no account
        gina.send("WHO frank %na")
        reply = gina.expect("354")
        assert reply.params == ("gina", "frank", "frank")
    finally:
        frank.close()
        gina.close()


def test_whois_names_the_account(srv):
    hank = logged_in(srv.port, "hank")
    ivy = TestClient(srv.port).register("ivy")
    try:
        ivy.send("WHOIS hank")
        got = ivy.collect("318")
        accounts = [m.params for m in got if m.command == "330"]
        assert accounts == [("ivy", "hank", "hank", "is logged in as")]
        ivy.send("WHOIS ivy")
        assert not [m for m in ivy.collect("318") if m.command == "330"]
    finally:
        hank.close()
        ivy.close()


def test_an_account_with_a_backslash_is_escaped_in_the_tag(srv):
    odd = logged_in(srv.port, "back\\slash")
    tagged = TestClient(srv.port).register("tagged", caps=("account-tag", "server-time"))
    try:
        odd.join("#room")
        tagged.join("#room")
        odd.send("PRIVMSG #room :hi")
        msg = tagged.expect("PRIVMSG")
        assert msg.tags["account"] == "back\\slash" and "time" in msg.tags
        assert "account=back\\\\slash" in tagged.received[-1]
    finally:
        odd.close()
        tagged.close()
