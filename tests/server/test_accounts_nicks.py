"""Nick enforcement: a registered account's nick is reserved for whoever logs in to it."""

from __future__ import annotations

import base64

from .ircclient import TestClient

PASSWORD = "correct horse battery"
GRACE = 0.3  # seconds; the server's default is 30


def make_account(port: int, nick: str) -> None:
    c = TestClient(port).register(nick)
    try:
        c.send(f"REGISTER * * :{PASSWORD}")
        c.expect("900")
    finally:
        c.close()


def log_in(c: TestClient, account: str) -> None:
    c.send("AUTHENTICATE PLAIN")
    c.expect_params("AUTHENTICATE", "+")
    c.send("AUTHENTICATE " + base64.b64encode(f"\0{account}\0{PASSWORD}".encode()).decode())
    c.expect("903")


def renamed(c: TestClient, old: str) -> str:
    msg = c.expect(lambda m: m.command == "NICK" and m.source.split("!")[0] == old)
    return msg.params[0]


def test_someone_else_on_a_registered_nick_is_warned_then_renamed(make_server):
    # Long enough for both to join the room first, so the witness sees the rename.
    server = make_server(scrypt_n=1 << 10, nick_grace=1.0)
    make_account(server.port, "alice")
    witness = TestClient(server.port).register("witness")
    impostor = TestClient(server.port).register("alice")
    try:
        notice = impostor.expect("NOTICE")
        assert "registered account" in notice.params[-1]
        witness.join("#room")
        impostor.join("#room")
        guest = renamed(impostor, "alice")
        assert guest.startswith("Guest") and guest != "alice"
        assert renamed(witness, "alice") == guest  # a real NICK change, seen by peers
        impostor.send("NICK alice")  # taking it again starts a new grace period
        impostor.expect(lambda m: m.command == "NICK" and m.params[0] == "alice")
        assert renamed(impostor, "alice").startswith("Guest")
    finally:
        witness.close()
        impostor.close()


def test_logging_in_within_the_grace_period_keeps_the_nick(make_server):
    server = make_server(scrypt_n=1 << 10, nick_grace=GRACE)
    make_account(server.port, "carol")
    make_account(server.port, "control")
    owner = TestClient(server.port).register("carol")
    try:
        owner.expect("NOTICE")
        log_in(owner, "carol")
        # A second holder whose grace starts later: once it is renamed, carol's grace has
        # ended too, and the sweep has looked at her.
        control = TestClient(server.port).register("control")
        renamed(control, "control")
        control.close()
        assert not [m for m in owner.sync() if m.command == "NICK"]
    finally:
        owner.close()


def test_logging_in_while_connecting_means_no_warning(make_server):
    server = make_server(scrypt_n=1 << 10, nick_grace=GRACE)
    make_account(server.port, "dora")
    make_account(server.port, "control")
    owner = TestClient(server.port)
    try:
        owner.send("CAP LS 302")
        owner.send("NICK dora")
        owner.send("USER dora 0 * :Dora")
        log_in(owner, "dora")
        owner.send("CAP END")
        owner.expect("001")
        control = TestClient(server.port).register("control")
        renamed(control, "control")
        control.close()
        got = owner.sync()
        assert not [m for m in got if m.command in ("NICK", "NOTICE")], [m.to_line() for m in got]
    finally:
        owner.close()


def test_with_no_grace_the_nick_is_refused(make_server):
    server = make_server(scrypt_n=1 << 10, nick_grace=0)
    make_account(server.port, "erin")
    other = TestClient(server.port).register("frank")
    late = TestClient(server.port)
    try:
        other.send("NICK erin")
        assert other.expect("433").params[1] == "erin"
        late.send("NICK erin")
        late.send("USER erin 0 * :Erin")
        welcome = late.expect("001")
        assert welcome.params[0].startswith("Guest")
    finally:
        other.close()
        late.close()


def test_enforcement_can_be_turned_off(make_server):
    server = make_server(scrypt_n=1 << 10, nick_grace=0, nick_enforcement=False)
    make_account(server.port, "gwen")
    other = TestClient(server.port).register("hank")
    try:
        other.send("NICK gwen")
        other.expect(lambda m: m.command == "NICK" and m.params[0] == "gwen")
    finally:
        other.close()
