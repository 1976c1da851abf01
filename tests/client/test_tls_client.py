"""The client over TLS against the real server: pinned, verified, insecure, and refused."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui_chat.client.events import ChatMessage, ConnectionState, Joined, Registered, ServerInfo
from tui_chat.client.tls import PinStore, TLSPolicy
from tui_chat.server import ServerConfig, ServerThread
from tui_chat.server.tls import fingerprint, self_signed

from .conftest import fast_settings, running_client

OTHER_FINGERPRINT = "ab" * 32


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> dict[str, Path]:
    """A self-signed certificate (what `host` makes), and a CA with a leaf for 127.0.0.1 and
    one for another name, made with the openssl command like the server's own."""
    d = tmp_path_factory.mktemp("certs")
    cert, key = self_signed(d / "self")
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)  # noqa: E731
    run(
        *("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
        *("-keyout", str(d / "ca.key"), "-out", str(d / "ca.pem"), "-days", "2"),
        *("-subj", "/CN=test CA"),
    )
    for name, san in (("good", "IP:127.0.0.1"), ("wrong", "DNS:elsewhere.example")):
        run(
            *("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
            *("-keyout", str(d / f"{name}.key"), "-out", str(d / f"{name}.csr")),
            *("-subj", f"/CN={name}"),
        )
        (d / f"{name}.ext").write_text(f"subjectAltName={san}\n")
        run(
            *("x509", "-req", "-in", str(d / f"{name}.csr"), "-CA", str(d / "ca.pem")),
            *("-CAkey", str(d / "ca.key"), "-CAcreateserial", "-days", "2"),
            *("-extfile", str(d / f"{name}.ext"), "-out", str(d / f"{name}.pem")),
        )
    # Expired: signed by the same CA for 127.0.0.1, valid for one day in 2020 (`openssl ca`
    # takes explicit dates, `x509 -req` does not).
    (d / "index.txt").write_text("")
    (d / "serial").write_text("1000\n")
    (d / "ca.cnf").write_text(
        "[ca]\ndefault_ca = default\n[default]\n"
        f"database = {d / 'index.txt'}\nnew_certs_dir = {d}\nserial = {d / 'serial'}\n"
        "default_md = sha256\npolicy = anything\ncopy_extensions = copy\n"
        "[anything]\ncommonName = supplied\n"
    )
    run(
        *("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
        *("-keyout", str(d / "expired.key"), "-out", str(d / "expired.csr")),
        *("-subj", "/CN=expired", "-addext", "subjectAltName=IP:127.0.0.1"),
    )
    run(
        *("ca", "-batch", "-config", str(d / "ca.cnf"), "-cert", str(d / "ca.pem")),
        *("-keyfile", str(d / "ca.key"), "-in", str(d / "expired.csr")),
        *("-out", str(d / "expired.pem"), "-startdate", "20200101000000Z"),
        *("-enddate", "20200102000000Z"),
    )
    return {
        "expired": d / "expired.pem",
        "expired.key": d / "expired.key",
        "self": cert,
        "self.key": key,
        "ca": d / "ca.pem",
        **{n: d / f"{n}.pem" for n in ("good", "wrong")},
        **{f"{n}.key": d / f"{n}.key" for n in ("good", "wrong")},
    }


def tls_server(cert: Path, key: Path) -> ServerThread:
    return ServerThread(
        ServerConfig(bind="127.0.0.1", port=0, tls_port=0, tls_cert=cert, tls_key=key)
    ).start()


@pytest.fixture
def self_signed_server(certs) -> Iterator[ServerThread]:
    server = tls_server(certs["self"], certs["self.key"])
    try:
        yield server
    finally:
        server.stop()


def states(sink) -> list[ConnectionState]:
    return sink.of(ConnectionState)


def test_invite_pin_connects_chats_and_is_remembered(self_signed_server, certs, tmp_path):
    pins = tmp_path / "known_servers"
    pin = fingerprint(certs["self"])
    policy = TLSPolicy(pin=pin, pins_path=pins)
    settings = fast_settings("127.0.0.1", self_signed_server.tls_port, nick="alice", tls=policy)
    with running_client(settings) as (alice, asink):
        asink.wait(Joined, is_self=True)
        connected = asink.wait(ConnectionState, phase="connected")
        assert connected.security in ("TLS 1.3, pinned", "TLS 1.2, pinned")
        plain = fast_settings("127.0.0.1", self_signed_server.port, nick="bob")
        with running_client(plain) as (bob, bsink):
            bsink.wait(Joined, is_self=True)
            assert bsink.wait(ConnectionState, phase="connected").security == ""
            alice.say("#lobby", "sealed")
            assert bsink.wait(ChatMessage, text="sealed").sender == "alice"
            bob.say("#lobby", "and back")
            assert asink.wait(ChatMessage, text="and back").sender == "bob"
    assert PinStore(pins).get(f"127.0.0.1:{self_signed_server.tls_port}") == pin
    # Trust on first use: the remembered pin is enough the next time, without an invite.
    remembered = TLSPolicy(pins_path=pins)
    again = fast_settings("127.0.0.1", self_signed_server.tls_port, nick="carol", tls=remembered)
    with running_client(again) as (_, sink):
        assert "pinned" in sink.wait(ConnectionState, phase="connected").security


def _refused(sink, text: str) -> ConnectionState:
    """The client stopped with ``text`` and tried exactly once."""
    final = sink.wait(ConnectionState, phase="disconnected")
    assert text in final.detail, final.detail
    assert text in sink.wait(ServerInfo, level="error").text
    assert [s.phase for s in states(sink)].count("connecting") == 1, "it tried again"
    assert not sink.of(Registered)
    return final


def test_a_certificate_that_is_not_the_invites_is_refused_once(self_signed_server, tmp_path):
    policy = TLSPolicy(pin=OTHER_FINGERPRINT, pins_path=tmp_path / "known_servers")
    settings = fast_settings("127.0.0.1", self_signed_server.tls_port, tls=policy)
    with running_client(settings) as (_, sink):
        _refused(sink, "is not the one in the invite")
    assert not (tmp_path / "known_servers").exists()


def test_a_changed_certificate_is_refused_with_a_warning(self_signed_server, tmp_path):
    pins = tmp_path / "known_servers"
    address = f"127.0.0.1:{self_signed_server.tls_port}"
    PinStore(pins).remember(address, OTHER_FINGERPRINT)
    settings = fast_settings(
        "127.0.0.1", self_signed_server.tls_port, tls=TLSPolicy(pins_path=pins)
    )
    with running_client(settings) as (_, sink):
        final = _refused(sink, "CHANGED")
        assert str(pins) in final.detail
    assert PinStore(pins).get(address) == OTHER_FINGERPRINT  # the old pin is kept


def test_an_unpinned_self_signed_certificate_is_refused(self_signed_server):
    settings = fast_settings("127.0.0.1", self_signed_server.tls_port, tls=TLSPolicy())
    with running_client(settings) as (_, sink):
        _refused(sink, "is not trusted")


def test_insecure_connects_and_says_so(self_signed_server):
    settings = fast_settings("127.0.0.1", self_signed_server.tls_port, tls=TLSPolicy(verify=False))
    with running_client(settings) as (_, sink):
        sink.wait(Registered)
        assert sink.wait(ConnectionState, phase="connected").security.endswith(", insecure")


def test_a_certificate_from_a_trusted_ca_is_verified(certs, monkeypatch):
    # OpenSSL's default trust store honours SSL_CERT_FILE: the test CA stands in for the
    # system's, read when the client makes its context.
    monkeypatch.setenv("SSL_CERT_FILE", str(certs["ca"]))
    server = tls_server(certs["good"], certs["good.key"])
    try:
        settings = fast_settings("127.0.0.1", server.tls_port, tls=TLSPolicy())
        with running_client(settings) as (_, sink):
            sink.wait(Registered)
            assert sink.wait(ConnectionState, phase="connected").security.endswith(", verified")
    finally:
        server.stop()


def test_a_certificate_for_another_host_is_refused(certs, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certs["ca"]))
    server = tls_server(certs["wrong"], certs["wrong.key"])
    try:
        settings = fast_settings("127.0.0.1", server.tls_port, tls=TLSPolicy())
        with running_client(settings) as (_, sink):
            final = _refused(sink, "is not trusted")
            assert "mismatch" in final.detail.lower() or "127.0.0.1" in final.detail
    finally:
        server.stop()


def test_an_expired_certificate_is_refused(certs, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certs["ca"]))
    server = tls_server(certs["expired"], certs["expired.key"])
    try:
        settings = fast_settings("127.0.0.1", server.tls_port, tls=TLSPolicy())
        with running_client(settings) as (_, sink):
            final = _refused(sink, "is not trusted")
            assert "expired" in final.detail, final.detail
    finally:
        server.stop()


def test_a_handshake_that_times_out_is_retried():
    """A peer that accepts TCP and never answers the ClientHello: retried with backoff."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        settings = fast_settings(
            "127.0.0.1", listener.getsockname()[1], tls=TLSPolicy(), connect_timeout=0.3
        )
        with running_client(settings) as (_, sink):
            sink.wait(ConnectionState, phase="reconnecting", detail="TLS handshake timed out")
            mark = len(sink.events)
            sink.wait(
                ConnectionState, phase="reconnecting", detail="TLS handshake timed out", after=mark
            )
            assert [s.phase for s in states(sink)].count("connecting") >= 2
    finally:
        stop.set()
        listener.close()
        thread.join(5)
        for conn in accepted:
            conn.close()


def test_pin_store_is_bounded_and_keeps_the_newest(tmp_path):
    from tui_chat.client.tls import MAX_PINS

    store = PinStore(tmp_path / "known_servers")
    for i in range(MAX_PINS + 5):
        store.remember(f"10.0.{i // 256}.{i % 256}:6697", f"{i:064x}")
    pins = store.load()
    assert len(pins) == MAX_PINS
    assert "10.0.0.0:6697" not in pins
    assert (
        pins[f"10.0.{(MAX_PINS + 4) // 256}.{(MAX_PINS + 4) % 256}:6697"] == f"{MAX_PINS + 4:064x}"
    )
