"""SASL login during registration, against a scripted server over a real socket."""

from __future__ import annotations

import base64
import ssl

import pytest

from tui_chat.client.events import Registered, ServerInfo
from tui_chat.client.sasl import SaslConfig
from tui_chat.client.tls import TLSPolicy
from tui_chat.server.tls import self_signed

from .conftest import FakeConn, FakeServer, fast_settings, running_client


def negotiate(conn: FakeConn, offer: str) -> list[str]:
    """Play CAP LS with ``offer``; return the capabilities the client requested."""
    assert conn.expect("CAP").params[:2] == ("LS", "302")
    conn.expect("NICK")
    conn.expect("USER")
    conn.send(f":irc.test CAP * LS :{offer}")
    req = conn.expect("CAP")
    assert req.param(0) == "REQ"
    conn.send(f":irc.test CAP * ACK :{req.param(1)}")
    return req.param(1).split()


def welcome(conn: FakeConn, nick: str = "alice") -> None:
    conn.send(f":irc.test 001 {nick} :Welcome", f":irc.test 376 {nick} :End of MOTD")


def secret_lines(conn: FakeConn) -> str:
    """The AUTHENTICATE payload the client sends after the server's '+', decoded."""
    chunks = []
    while True:
        msg = conn.expect("AUTHENTICATE")
        chunk = msg.param(0)
        if chunk != "+":
            chunks.append(chunk)
        if len(chunk) < 400:
            break
    return base64.b64decode("".join(chunks)).decode()


def no_secret_anywhere(sink, password: str) -> None:
    for event in sink.events:
        assert password not in repr(event), f"the password reached an event: {event!r}"


def test_plain_login_holds_cap_end_until_the_server_says_success(fake_server: FakeServer):
    password = "correct horse battery staple"
    sasl = SaslConfig("PLAIN", "alice-account", password)
    settings = fast_settings("127.0.0.1", fake_server.port, sasl=sasl)
    with running_client(settings) as (_, sink):
        conn = fake_server.accept()
        assert "sasl" in negotiate(conn, "server-time sasl=PLAIN,EXTERNAL")
        assert conn.expect("AUTHENTICATE").param(0) == "PLAIN"
        conn.send("AUTHENTICATE +")
        assert secret_lines(conn) == f"\0alice-account\0{password}"
        conn.send(
            ":irc.test 900 alice alice!u@h alice-account :You are now logged in as alice-account",
            ":irc.test 903 alice :SASL authentication successful",
        )
        assert conn.expect("CAP").param(0) == "END"
        # CAP END came only after 903: the login ran inside capability negotiation.
        assert conn.received[-1] == "CAP END"
        assert conn.received.index("CAP END") > conn.received.index("AUTHENTICATE PLAIN")
        welcome(conn)
        sink.wait(Registered)
        assert sink.wait(ServerInfo, text="Logged in as alice-account")
        no_secret_anywhere(sink, password)


def test_a_password_of_exactly_400_base64_bytes_ends_with_a_plus(fake_server: FakeServer):
    password = "p" * (300 - len("\0acct\0"))  # 300 bytes -> 400 base64 characters
    settings = fast_settings(
        "127.0.0.1", fake_server.port, sasl=SaslConfig("PLAIN", "acct", password)
    )
    with running_client(settings):
        conn = fake_server.accept()
        negotiate(conn, "sasl")
        conn.expect("AUTHENTICATE")
        conn.send("AUTHENTICATE +")
        first = conn.expect("AUTHENTICATE").param(0)
        assert len(first) == 400
        assert conn.expect("AUTHENTICATE").param(0) == "+"
        assert base64.b64decode(first).decode() == f"\0acct\0{password}"


@pytest.mark.parametrize(
    ("numeric", "explained"),
    [("904", "wrong account name or password"), ("902", "locked"), ("906", "aborted")],
)
def test_a_failed_login_is_explained_and_registration_goes_on(
    fake_server: FakeServer, numeric, explained
):
    settings = fast_settings(
        "127.0.0.1", fake_server.port, sasl=SaslConfig("PLAIN", "acct", "hunter2-secret")
    )
    with running_client(settings) as (_, sink):
        conn = fake_server.accept()
        negotiate(conn, "sasl=PLAIN")
        conn.expect("AUTHENTICATE")
        conn.send("AUTHENTICATE +")
        conn.expect("AUTHENTICATE")
        conn.send(f":irc.test {numeric} alice :SASL authentication failed")
        assert conn.expect("CAP").param(0) == "END"
        welcome(conn)
        sink.wait(Registered)
        info = sink.wait(ServerInfo, level="error", where=lambda e: explained in e.text)
        assert "connected without logging in" in info.text
        no_secret_anywhere(sink, "hunter2-secret")


def test_a_server_without_sasl_or_the_mechanism_is_said_so(fake_server: FakeServer):
    settings = fast_settings("127.0.0.1", fake_server.port, sasl=SaslConfig("EXTERNAL", "", ""))
    with running_client(settings) as (_, sink):
        conn = fake_server.accept()
        assert "sasl" not in negotiate(conn, "server-time sasl=PLAIN")
        assert conn.expect("CAP").param(0) == "END"
        welcome(conn)
        sink.wait(Registered)
        info = sink.wait(ServerInfo, level="error", where=lambda e: "SASL EXTERNAL" in e.text)
        assert "it takes PLAIN" in info.text


def test_external_presents_the_client_certificate_and_answers_plus(tmp_path):
    """SASL EXTERNAL over TLS: the server sees our certificate (CertFP) and gets '+'."""
    server_cert, server_key = self_signed(tmp_path / "server")
    client_cert, client_key = self_signed(tmp_path / "client", "alice")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(server_cert, server_key)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cafile=str(client_cert))
    fake = FakeServer()
    seen: dict[str, bytes | None] = {}
    try:
        policy = TLSPolicy(verify=False, client_cert=client_cert, client_key=client_key)
        settings = fast_settings("127.0.0.1", fake.port, tls=policy, sasl=SaslConfig("EXTERNAL"))
        with running_client(settings) as (_, sink):
            conn = fake.accept()
            conn.sock = context.wrap_socket(conn.sock, server_side=True)
            seen["cert"] = conn.sock.getpeercert(binary_form=True)
            negotiate(conn, "sasl=EXTERNAL")
            assert conn.expect("AUTHENTICATE").param(0) == "EXTERNAL"
            conn.send("AUTHENTICATE +")
            assert conn.expect("AUTHENTICATE").param(0) == "+"
            conn.send(":irc.test 903 alice :SASL authentication successful")
            assert conn.expect("CAP").param(0) == "END"
            welcome(conn)
            sink.wait(Registered)
    finally:
        fake.close()
    assert seen["cert"] == ssl.PEM_cert_to_DER_cert(client_cert.read_text())
