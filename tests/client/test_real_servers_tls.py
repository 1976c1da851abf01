"""The client over TLS against real IRC servers (ngircd and InspIRCd from Debian): the
certificate pinned by its fingerprint, a chat with a plaintext user, and the header's words."""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tui_chat.client.events import ChatMessage, ConnectionState, Joined, Registered
from tui_chat.client.tls import TLSPolicy
from tui_chat.server.tls import fingerprint, self_signed

from .conftest import fast_settings, free_port, require_binary, running_client, server_process
from .test_real_servers import INSPIRCD_CONF, NGIRCD_CONF, _inspircd_moduledir

NGIRCD_TLS = """\
[SSL]
    CertFile = {cert}
    KeyFile = {key}
    Ports = {tls_port}
"""

INSPIRCD_TLS = """\
<module name="ssl_gnutls">
<sslprofile name="clients" provider="gnutls" certfile="{cert}" keyfile="{key}" hash="sha256"
            requestclientcert="no">
<bind address="127.0.0.1" port="{tls_port}" type="clients" sslprofile="clients">
"""


def _ngircd(tmp: Path, cert: Path, key: Path, tls_port: int) -> Callable[[int], list[str]]:
    exe = require_binary("/usr/sbin/ngircd")

    def argv(port: int) -> list[str]:
        conf = tmp / f"ngircd-{port}.conf"
        text = NGIRCD_CONF.format(port=port, tmp=tmp, uid=os.getuid(), gid=os.getgid())
        conf.write_text(text + NGIRCD_TLS.format(cert=cert, key=key, tls_port=tls_port))
        return [exe, "-n", "-f", str(conf)]

    return argv


def _inspircd(tmp: Path, cert: Path, key: Path, tls_port: int) -> Callable[[int], list[str]]:
    exe = require_binary("/usr/sbin/inspircd")

    def argv(port: int) -> list[str]:
        conf = tmp / f"inspircd-{port}.conf"
        text = INSPIRCD_CONF.format(port=port, tmp=tmp, moduledir=_inspircd_moduledir())
        conf.write_text(text + INSPIRCD_TLS.format(cert=cert, key=key, tls_port=tls_port))
        cmd = [exe, "--nofork", "--config", str(conf)]
        if os.geteuid() == 0:
            cmd.append("--runasroot")
        return cmd

    return argv


def _wait_for_tls_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)  # the daemons give no readiness signal; bounded by the deadline
    raise AssertionError(f"nothing listens on TLS port {port}")


@pytest.fixture(params=["ngircd", "inspircd"])
def tls_peer(request, tmp_path) -> Iterator[tuple[str, int, int, str]]:
    """(name, plaintext port, TLS port, certificate SHA-256) of a running peer server."""
    cert, key = self_signed(tmp_path / "tls", "irc.test")
    os.chmod(key, 0o644)  # the daemons may drop privileges before reading it
    tls_port = free_port()
    make = {"ngircd": _ngircd, "inspircd": _inspircd}[request.param]
    with server_process(make(tmp_path, cert, key, tls_port), tmp_path) as port:
        _wait_for_tls_port(tls_port)
        yield request.param, port, tls_port, fingerprint(cert)


def test_the_client_chats_over_tls_on_a_real_server(tls_peer, tmp_path):
    name, port, tls_port, pin = tls_peer
    policy = TLSPolicy(pin=pin, pins_path=tmp_path / "known_servers")
    secure = fast_settings("127.0.0.1", tls_port, nick="secure", rooms=("#tls",), tls=policy)
    plain = fast_settings("127.0.0.1", port, nick="plain", rooms=("#tls",))
    with running_client(secure) as (alice, asink), running_client(plain) as (bob, bsink):
        asink.wait(Registered)
        state = asink.wait(ConnectionState, phase="connected")
        assert state.security.startswith("TLS 1.") and state.security.endswith("pinned"), name
        asink.wait(Joined, is_self=True)
        bsink.wait(Joined, is_self=True)
        alice.say("#tls", f"hello over TLS on {name}")
        assert bsink.wait(ChatMessage, text=f"hello over TLS on {name}").sender == "secure"
        bob.say("#tls", "and back in plaintext")
        assert asink.wait(ChatMessage, text="and back in plaintext").sender == "plain"
