"""Accounts on our server: REGISTER (draft/account-registration) and SASL PLAIN, the Ergo way."""

from __future__ import annotations

import base64
import sqlite3

import pytest

from tui_chat.server import ServerConfig, ServerThread

from .ircclient import TestClient

FAST = {"scrypt_n": 1 << 10}  # a cheap hash: these tests are about the protocol, not the cost
PASSWORD = "correct horse battery"


def fail_code(c: TestClient, command: str) -> tuple[str, ...]:
    msg = c.expect(lambda m: m.command == "FAIL" and m.params[0] == command)
    return msg.params[1:]


def plain(account: str, password: str, authzid: str = "") -> str:
    return base64.b64encode(f"{authzid}\0{account}\0{password}".encode()).decode()


def sasl_login(c: TestClient, account: str, password: str) -> str:
    """AUTHENTICATE PLAIN during registration; the numeric that ended it (903, 904 ...)."""
    c.send("AUTHENTICATE PLAIN")
    c.expect_params("AUTHENTICATE", "+")
    c.send(f"AUTHENTICATE {plain(account, password)}")
    return c.expect(lambda m: m.command in ("903", "904", "905", "906", "907")).command


def register_account(c: TestClient, nick: str, password: str = PASSWORD) -> None:
    c.register(nick)
    c.send(f"REGISTER * * :{password}")
    c.expect(lambda m: m.command == "REGISTER" and m.params[:2] == ("SUCCESS", nick))
    logged_in = c.expect("900")
    assert logged_in.params[2] == nick


@pytest.fixture
def fast_server(make_server) -> ServerThread:
    return make_server(**FAST)


def test_register_then_log_in_with_sasl_plain_on_a_new_connection(fast_server):
    port = fast_server.port
    alice = TestClient(port)
    try:
        register_account(alice, "alice")
    finally:
        alice.close()
    c = TestClient(port)
    try:
        c.send("CAP LS 302")
        ls = c.expect("CAP")
        offered = ls.params[-1].split()
        assert "sasl=PLAIN" in offered
        assert "draft/account-registration=before-connect" in offered
        c.send("CAP REQ :sasl")
        c.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
        c.send("NICK alice")
        c.send("USER alice 0 * :Alice")
        assert sasl_login(c, "ALICE", PASSWORD) == "903"
        got = [m for m in c.received if " 900 " in m]
        assert got and got[0].split()[4] == "alice", got
        c.send("CAP END")
        c.expect("001")
    finally:
        c.close()


def test_wrong_passwords_fail_and_enough_of_them_close_the_connection(make_server):
    server = make_server(sasl_attempts=3, auth_fail_limit=100, **FAST)
    alice = TestClient(server.port)
    register_account(alice, "alice")
    alice.close()
    c = TestClient(server.port)
    try:
        c.send("NICK bob")
        assert sasl_login(c, "alice", "not the password") == "904"
        assert sasl_login(c, "nobody", PASSWORD) == "904"  # no such account: the same answer
        assert sasl_login(c, "alice", "still wrong") == "904"
        lines = c.expect_closed()
        assert any("Too many failed logins" in line for line in lines), lines
    finally:
        c.close()


def test_failures_from_one_address_are_throttled_across_connections(make_server):
    server = make_server(auth_fail_limit=2, auth_fail_decay=3600, **FAST)
    alice = TestClient(server.port)
    register_account(alice, "alice")
    alice.close()
    for _ in range(3):  # past the limit, as for OPER and PASS
        guesser = TestClient(server.port)
        assert sasl_login(guesser, "alice", "a wrong guess") == "904"
        guesser.close()
    c = TestClient(server.port)
    try:
        # The right password is refused too until the bucket drains: guessing gains nothing.
        assert sasl_login(c, "alice", PASSWORD) == "904"
    finally:
        c.close()


def test_register_fail_codes(make_server):
    server = make_server(registrations_per_ip=10, **FAST)
    taken = TestClient(server.port)
    register_account(taken, "taken")
    c = TestClient(server.port)
    try:
        c.send(f"REGISTER * * :{PASSWORD}")
        assert fail_code(c, "REGISTER")[:2] == ("NEED_NICK", "*")
        c.register("carol")
        c.send("REGISTER * * :short")
        assert fail_code(c, "REGISTER")[:2] == ("WEAK_PASSWORD", "carol")
        c.send(f"REGISTER * * :{'x' * 301}")
        assert fail_code(c, "REGISTER")[:2] == ("UNACCEPTABLE_PASSWORD", "carol")
        c.send(f"REGISTER dave * :{PASSWORD}")
        assert fail_code(c, "REGISTER")[:2] == ("ACCOUNT_NAME_MUST_BE_NICK", "dave")
        c.send(f"REGISTER #bad * :{PASSWORD}")
        assert fail_code(c, "REGISTER")[:2] == ("BAD_ACCOUNT_NAME", "*")
        c.send("NICK TAKEN")  # the owner is on "taken": take the nick's other case, then leave
        c.expect("433")
        taken.send("NICK taken2")
        taken.expect("NICK")
        c.send("NICK TAKEN")
        c.expect("NICK")
        c.send(f"REGISTER * * :{PASSWORD}")
        assert fail_code(c, "REGISTER")[:2] == ("ACCOUNT_EXISTS", "TAKEN")
        c.send("NICK carol")
        c.expect("NICK")
        c.send(f"REGISTER carol * :{PASSWORD}")
        c.expect(lambda m: m.command == "REGISTER" and m.params[0] == "SUCCESS")
        c.send(f"REGISTER * * :{PASSWORD}")
        assert fail_code(c, "REGISTER")[:2] == ("ALREADY_AUTHENTICATED", "carol")
        c.send("VERIFY carol 1234")
        assert fail_code(c, "VERIFY")[:2] == ("ALREADY_AUTHENTICATED", "carol")
        c.send("AUTHENTICATE PLAIN")
        c.expect("907")
    finally:
        c.close()
        taken.close()


def test_verify_has_nothing_to_verify(fast_server):
    c = TestClient(fast_server.port).register("erin")
    try:
        c.send("VERIFY erin 123456")
        assert fail_code(c, "VERIFY")[:2] == ("INVALID_CODE", "erin")
    finally:
        c.close()


def test_register_before_connecting_then_finish_registration(fast_server):
    c = TestClient(fast_server.port)
    try:
        c.send("CAP LS 302")
        c.send("NICK frank")
        c.send(f"REGISTER * * :{PASSWORD}")
        c.expect(lambda m: m.command == "REGISTER" and m.params[:2] == ("SUCCESS", "frank"))
        c.expect("900")
        c.send("USER frank 0 * :Frank")
        c.send("CAP END")
        c.expect("001")
    finally:
        c.close()


def test_with_a_server_password_register_waits_for_the_connection(make_server):
    server = make_server(password="letmein", **FAST)
    c = TestClient(server.port)
    try:
        c.send("CAP LS 302")
        ls = c.expect("CAP")
        assert "draft/account-registration" in ls.params[-1].split()  # no before-connect
        c.send("NICK gina")
        c.send(f"REGISTER * * :{PASSWORD}")
        assert fail_code(c, "REGISTER")[0] == "COMPLETE_CONNECTION_REQUIRED"
    finally:
        c.close()


def test_sasl_protocol_edges(fast_server):
    port = fast_server.port
    owner = TestClient(port)
    long_password = "p" * (300 - len("\0henry\0"))  # exactly 400 base64 characters
    register_account(owner, "henry", long_password)
    owner.close()
    c = TestClient(port)
    try:
        c.send("AUTHENTICATE SCRAM-SHA-256")
        assert c.expect("908").params[1] == "PLAIN"
        c.expect("904")
        c.send("AUTHENTICATE PLAIN")
        c.expect_params("AUTHENTICATE", "+")
        c.send("AUTHENTICATE *")
        c.expect("906")
        c.send("AUTHENTICATE PLAIN")
        c.expect_params("AUTHENTICATE", "+")
        c.send(f"AUTHENTICATE {'A' * 401}")
        c.expect("905")
        c.send("AUTHENTICATE PLAIN")
        c.expect_params("AUTHENTICATE", "+")
        for _ in range(7):
            c.send(f"AUTHENTICATE {'A' * 400}")
        c.expect("905")  # past the bound on one response, however it is cut
        c.send("AUTHENTICATE PLAIN")
        c.expect_params("AUTHENTICATE", "+")
        payload = plain("henry", long_password)
        assert len(payload) == 400
        c.send(f"AUTHENTICATE {payload}")
        c.send("AUTHENTICATE +")
        c.expect("903")
    finally:
        c.close()


def test_an_exchange_left_open_is_aborted_when_registration_completes(fast_server):
    c = TestClient(fast_server.port)
    try:
        c.send("CAP LS 302")
        c.send("NICK ivan")
        c.send("USER ivan 0 * :Ivan")
        c.send("AUTHENTICATE PLAIN")
        c.expect_params("AUTHENTICATE", "+")
        c.send("CAP END")
        c.expect("906")
        c.expect("001")
    finally:
        c.close()


def test_a_login_is_answered_before_the_lines_sent_after_it(fast_server):
    """Input waits for the hash: CAP END right behind the response still finds the login done."""
    owner = TestClient(fast_server.port)
    register_account(owner, "judy")
    owner.close()
    c = TestClient(fast_server.port)
    try:
        c.send("CAP LS 302")
        c.send("NICK judy")
        c.send("USER judy 0 * :Judy")
        c.send("AUTHENTICATE PLAIN")
        c.expect_params("AUTHENTICATE", "+")
        c.send_raw(f"AUTHENTICATE {plain('judy', PASSWORD)}\r\nCAP END\r\n".encode())
        got = c.collect("001")
        commands = [m.command for m in got]
        assert "903" in commands and commands.index("903") < commands.index("001"), commands
    finally:
        c.close()


def test_accounts_survive_a_restart_and_no_password_is_stored_in_clear(tmp_path):
    config = ServerConfig(bind="127.0.0.1", port=0, data_dir=tmp_path, **FAST)
    with ServerThread(config) as server:
        c = TestClient(server.port)
        register_account(c, "kim")
        c.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("accounts"))
    assert raw and PASSWORD.encode() not in raw
    with sqlite3.connect(tmp_path / "accounts.sqlite3") as db:
        (stored,) = db.execute("SELECT password FROM accounts WHERE key = 'kim'").fetchone()
    assert stored.startswith("scrypt$1024$8$1$")
    with ServerThread(config) as server:
        c = TestClient(server.port)
        try:
            c.send("NICK kim2")
            assert sasl_login(c, "kim", PASSWORD) == "903"
        finally:
            c.close()


def test_without_history_accounts_live_in_memory_only(tmp_path):
    config = ServerConfig(bind="127.0.0.1", port=0, data_dir=tmp_path, history=False, **FAST)
    with ServerThread(config) as server:
        c = TestClient(server.port)
        register_account(c, "lee")
        c.close()
    assert not list(tmp_path.iterdir())
    with ServerThread(config) as server:
        c = TestClient(server.port)
        try:
            c.send("NICK lee2")
            assert sasl_login(c, "lee", PASSWORD) == "904"
        finally:
            c.close()


def test_registrations_from_one_address_are_limited(make_server):
    server = make_server(registrations_per_ip=2, registration_decay=3600, **FAST)
    for nick in ("mia", "ned"):
        c = TestClient(server.port)
        register_account(c, nick)
        c.close()
    c = TestClient(server.port).register("oz")
    try:
        c.send(f"REGISTER * * :{PASSWORD}")
        code, name, text = fail_code(c, "REGISTER")
        assert (code, name) == ("TEMPORARILY_UNAVAILABLE", "oz")
        assert "address" in text
    finally:
        c.close()


def test_registration_can_be_turned_off(make_server):
    server = make_server(account_registration=False, **FAST)
    c = TestClient(server.port).register("pat")
    try:
        c.send(f"REGISTER * * :{PASSWORD}")
        assert fail_code(c, "REGISTER")[:2] == ("TEMPORARILY_UNAVAILABLE", "pat")
    finally:
        c.close()
