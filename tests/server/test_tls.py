"""TLS on the server: the same commands over TLS and plaintext, large output, the CLI."""

from __future__ import annotations

import hashlib
import os
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from tui_chat.server import ServerConfig, ServerThread
from tui_chat.server.tls import TLSSetupError, fingerprint, self_signed

from .ircclient import TestClient


def test_tls_and_plaintext_users_chat_in_one_room(tls_server, tls_context):
    secure = TestClient(tls_server.tls_port, tls=tls_context)
    plain = TestClient(tls_server.port)
    try:
        assert tls_server.tls_port and tls_server.tls_port != tls_server.port
        assert isinstance(secure.sock, ssl.SSLSocket)
        assert secure.sock.version() in ("TLSv1.2", "TLSv1.3")
        secure.register("secure")
        plain.register("plain")
        secure.join("#room")
        plain.join("#room")
        secure.send("PRIVMSG #room :over tls")
        assert plain.expect("PRIVMSG").params == ("#room", "over tls")
        plain.send("PRIVMSG #room :over plaintext")
        assert secure.expect("PRIVMSG").params == ("#room", "over plaintext")
    finally:
        secure.close()
        plain.close()


def test_output_larger_than_one_tls_write_arrives_whole_and_in_order(tls_server, tls_context):
    """A TLS reader that lets the server's buffer grow past TLS_SEND_MAX (256 KiB) before it
    reads still gets every line once, in order: the partial-write path of the reactor."""
    reader = TestClient(tls_server.tls_port, tls=tls_context, timeout=20)
    sender = TestClient(tls_server.port, timeout=20)
    try:
        reader.register("reader")
        sender.register("sender")
        reader.join("#big")
        sender.join("#big")
        reader.expect(lambda m: m.command == "JOIN" and (m.source or "").startswith("sender!"))
        body = "x" * 380
        count = 1500  # ~ 640 KB of PRIVMSG lines: more than twice TLS_SEND_MAX, under SendQ
        for start in range(0, count, 100):
            sender.send_raw(
                b"".join(
                    f"PRIVMSG #big :{i} {body}\r\n".encode() for i in range(start, start + 100)
                )
            )
        sender.sync(timeout=20)  # the server has relayed everything before this PONG
        last = f"{count - 1} {body}"
        lines = reader.collect(lambda m: m.command == "PRIVMSG" and m.params[1] == last)
        got = [int(m.params[1].split()[0]) for m in lines if m.command == "PRIVMSG"]
        assert got == list(range(count))
    finally:
        reader.close()
        sender.close()


def test_server_config_without_certificate_or_directory_is_refused():
    server = ServerThread(ServerConfig(bind="127.0.0.1", port=0, tls_port=0))
    with pytest.raises(TLSSetupError, match="--tls-cert"):
        server.start()
    server.stop()


def _serve(tmp_path: Path, *args: str, timeout: float = 30) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tui_chat", "serve", "--bind", "127.0.0.1", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


def _banner(proc: subprocess.Popen[str]) -> dict[str, str]:
    lines = {}
    for _ in range(3):
        line = proc.stdout.readline().strip()
        key, _, value = line.rpartition(" ")
        lines[key] = value
    return lines


def test_serve_makes_a_self_signed_certificate_once_and_prints_its_fingerprint(tmp_path):
    data = tmp_path / "data"
    fingerprints = []
    for _ in range(2):  # the second run keeps the first run's certificate
        proc = _serve(tmp_path, "--port", "0", "--tls-port", "0", "--data-dir", str(data))
        try:
            banner = _banner(proc)
            plain_port = int(banner["listening on"].rsplit(":", 1)[1])
            tls_port = int(banner["listening with TLS on"].rsplit(":", 1)[1])
            printed = banner["TLS certificate SHA-256"]
            cert = data / "tls-cert.pem"
            key = data / "tls-key.pem"
            assert printed == fingerprint(cert)
            assert key.stat().st_mode & 0o077 == 0, "the private key is readable by others"
            # What a pinning client checks: the certificate the server presents.
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            with (
                socket.create_connection(("127.0.0.1", tls_port), timeout=10) as raw,
                context.wrap_socket(raw) as tls,
            ):
                presented = tls.getpeercert(binary_form=True)
            assert presented is not None
            assert hashlib.sha256(presented).hexdigest() == printed
            TestClient(plain_port).close()
            fingerprints.append(printed)
        finally:
            _stop(proc)
    assert fingerprints[0] == fingerprints[1]


def test_serve_no_plain_listens_with_tls_only(tmp_path, tls_files):
    cert, key = tls_files
    proc = _serve(
        tmp_path, "--no-plain", "--tls-port", "0", "--tls-cert", str(cert), "--tls-key", str(key)
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith("listening with TLS on 127.0.0.1:"), first
        port = int(first.rsplit(":", 1)[1])
        context = ssl.create_default_context(cafile=str(cert))
        c = TestClient(port, tls=context)
        try:
            c.register("only")
        finally:
            c.close()
    finally:
        _stop(proc)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--tls-cert", "missing.pem"), "cannot read missing.pem: no such file"),
        (("--tls-cert", "garbage.pem"), "cannot use certificate garbage.pem"),
        (("--no-plain", "--no-tls"), "leave nothing to listen on"),
        (("--no-tls", "--tls-cert", "x.pem"), "--tls-cert/--tls-key with --no-tls"),
    ],
)
def test_serve_bad_tls_options_fail_with_one_line_and_status_2(tmp_path, args, message):
    (tmp_path / "garbage.pem").write_text("not a certificate\n")
    proc = _serve(tmp_path, "--port", "0", "--tls-port", "0", *args)
    try:
        proc.wait(timeout=30)
        err = proc.stderr.read()
        assert proc.returncode == 2, err
        assert err.count("\n") == 1 and message in err, err
        assert "Traceback" not in err
    finally:
        _stop(proc)


def test_serve_reports_which_port_is_busy(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = _serve(tmp_path, "--port", "0", "--tls-port", str(port), "--data-dir", "d")
        try:
            proc.wait(timeout=30)
            err = proc.stderr.read()
        finally:
            _stop(proc)
    assert proc.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err, err
    assert os.path.exists(tmp_path / "d" / "tls-cert.pem")


def test_fingerprint_reads_the_first_certificate_of_a_file_with_text_around_it(tmp_path, tls_files):
    """`openssl ca` writes a text dump before the PEM, and a chain file holds several: the
    fingerprint is the first certificate's, as OpenSSL serves it."""
    cert, _ = tls_files
    pem = cert.read_text()
    other, _ = self_signed(tmp_path / "other", "other")
    chain = tmp_path / "chain.pem"
    chain.write_text("Certificate:\n    Data: (a dump)\n" + pem + other.read_text())
    der = ssl.PEM_cert_to_DER_cert(pem)
    assert fingerprint(chain) == hashlib.sha256(der).hexdigest() == fingerprint(cert)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("no certificate here\n")
    with pytest.raises(TLSSetupError, match="cannot read certificate"):
        fingerprint(garbage)
