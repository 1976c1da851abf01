"""Named servers in config.toml with TLS and SASL: read, checked, and refused with a reason."""

from __future__ import annotations

from pathlib import Path

from tui_chat.config import Settings

CONFIG = """
[servers.libera]
host = "irc.libera.chat"
tls = true
sasl = "plain"
account = "alice"
sasl_password = "s3cret"

[servers.oftc]
host = "irc.oftc.net"
tls = true
sasl = "EXTERNAL"
client_cert = "~/certs/oftc.pem"

[servers.lan]
host = "10.0.0.5"

[servers.nopass]
host = "x.example"
sasl = "PLAIN"
account = "alice"

[servers.external-plain]
host = "y.example"
sasl = "EXTERNAL"
client_cert = "c.pem"

[servers.badmech]
host = "z.example"
sasl = "SCRAM-SHA-256"

[servers.badtls]
host = "w.example"
tls = "yes"
"""


def test_named_servers_with_tls_and_sasl(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    settings = Settings.load(path)
    libera = settings.server("libera")
    assert libera is not None
    assert (libera.port, libera.tls, libera.sasl, libera.account) == (6697, True, "PLAIN", "alice")
    assert libera.sasl_password == "s3cret"
    assert "s3cret" not in repr(libera)
    oftc = settings.server("oftc")
    assert oftc is not None and oftc.sasl == "EXTERNAL"
    assert oftc.client_cert == Path("~/certs/oftc.pem").expanduser()
    lan = settings.server("lan")
    assert lan is not None and (lan.port, lan.tls, lan.sasl) == (6667, False, None)
    for name in ("nopass", "external-plain", "badmech", "badtls"):
        assert settings.server(name) is None, name
    problem = settings.problem or ""
    assert 'sasl = "PLAIN" needs account and sasl_password' in problem
    assert 'sasl = "EXTERNAL" needs tls and client_cert' in problem
    assert 'sasl should be "PLAIN" or "EXTERNAL"' in problem
    assert "tls should be true or false" in problem
