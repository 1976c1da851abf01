"""Hostile account traffic: slow hashes stay off the loop, and nothing a peer sends grows without
bound (hash queue, accounts per address and in all, SASL buffers, long names)."""

from __future__ import annotations

import base64

from tests.server.ircclient import TestClient

from .server_helpers import assert_live, make_server  # noqa: F401

PASSWORD = "correct horse battery"
SLOW = 1 << 15  # ~0.15 s of CPU per hash: eight of them on the loop would stall it past 1 s
LOGINS = 8


def plain(account: str, password: str) -> str:
    return base64.b64encode(f"\0{account}\0{password}".encode()).decode()


def register_account(port: int, nick: str) -> None:
    c = TestClient(port).register(nick)
    try:
        c.send(f"REGISTER * * :{PASSWORD}")
        c.expect("900")
    finally:
        c.close()


def open_exchange(port: int) -> TestClient:
    c = TestClient(port)
    c.send("AUTHENTICATE PLAIN")
    c.expect_params("AUTHENTICATE", "+")
    return c


def test_password_hashing_never_stalls_other_clients(make_server):  # noqa: F811
    srv = make_server(scrypt_n=SLOW, kdf_queue=LOGINS, auth_fail_limit=100)
    register_account(srv.port, "owner")
    probe = TestClient(srv.port).register("probe")
    logins = [open_exchange(srv.port) for _ in range(LOGINS)]
    try:
        for c in logins:
            c.send(f"AUTHENTICATE {plain('owner', PASSWORD)}")
        # The hashes queue on the worker; the loop answers the probe at once meanwhile.
        assert_live(probe, "while passwords are hashed")
        for c in logins:
            c.expect("903", timeout=30)
    finally:
        probe.close()
        for c in logins:
            c.close()


def test_the_hash_queue_is_bounded(make_server):  # noqa: F811
    srv = make_server(scrypt_n=SLOW, kdf_queue=2, auth_fail_limit=100)
    register_account(srv.port, "owner")
    logins = [open_exchange(srv.port) for _ in range(6)]
    try:
        for c in logins:
            c.send(f"AUTHENTICATE {plain('owner', PASSWORD)}")
        answers = [c.expect(lambda m: m.command in ("903", "904"), timeout=30) for c in logins]
        busy = [m for m in answers if m.command == "904" and "busy" in m.params[-1]]
        assert busy, [m.to_line() for m in answers]
        # Refused for load, not counted as a wrong password: the same connection may retry.
        retry = logins[answers.index(busy[0])]
        retry.send("AUTHENTICATE PLAIN")
        retry.expect_params("AUTHENTICATE", "+")
        retry.send(f"AUTHENTICATE {plain('owner', PASSWORD)}")
        retry.expect("903", timeout=30)
    finally:
        for c in logins:
            c.close()


def test_accounts_in_all_are_bounded(make_server):  # noqa: F811
    srv = make_server(scrypt_n=1 << 10, max_accounts=2, registrations_per_ip=100)
    register_account(srv.port, "one")
    register_account(srv.port, "two")
    c = TestClient(srv.port).register("three")
    try:
        c.send(f"REGISTER * * :{PASSWORD}")
        fail = c.expect("FAIL")
        assert fail.params[:3] == ("REGISTER", "TEMPORARILY_UNAVAILABLE", "three")
    finally:
        c.close()


def test_long_and_odd_input_is_refused_without_echo_or_hashing(make_server):  # noqa: F811
    srv = make_server(scrypt_n=SLOW)
    c = TestClient(srv.port).register("mallory")
    probe = TestClient(srv.port).register("probe")
    try:
        c.send(f"REGISTER {'n' * 400} * :{PASSWORD}")
        fail = c.expect("FAIL")
        assert fail.params[:3] == ("REGISTER", "BAD_ACCOUNT_NAME", "*")
        # Many attempts the server can refuse without a hash cost it no hash.
        for _ in range(30):
            c.send(f"REGISTER * * :{'x' * 301}")
        for _ in range(30):
            c.expect(lambda m: m.command == "FAIL" and m.params[1] == "UNACCEPTABLE_PASSWORD")
        assert_live(probe, "after refused registrations")
        # An AUTHENTICATE response is bounded however it is cut into lines.
        c.send("AUTHENTICATE PLAIN")
        c.expect_params("AUTHENTICATE", "+")
        for _ in range(20):
            c.send(f"AUTHENTICATE {'A' * 400}")
        c.expect("905")
        c.send(f"AUTHENTICATE {'A' * 400}")  # no exchange is open any more: a mechanism name
        c.expect("908")
    finally:
        c.close()
        probe.close()
