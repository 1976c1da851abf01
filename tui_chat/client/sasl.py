"""SASL login during registration (IRCv3 ``sasl`` capability): PLAIN and EXTERNAL.

The session asks for ``sasl`` with its other capabilities; once acknowledged it holds ``CAP
END`` until the login ends, as the specification asks. PLAIN sends ``\\0account\\0password`` in
base64, cut into 400-byte ``AUTHENTICATE`` lines; EXTERNAL lets the TLS client certificate
(CertFP) speak. The password goes only into those lines: never into a log, an event or the
screen. A failure is explained and registration goes on without the login.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

CHUNK = 400  # bytes of base64 per AUTHENTICATE line (the specification's limit)
MECHANISMS = ("PLAIN", "EXTERNAL")

# What the numerics mean for someone reading the server window.
_FAILURES = {
    "902": "the account is locked or its nick is not yours to use (902)",
    "904": "the server refused the login: wrong account name or password? (904)",
    "905": "the login was too long for the server (905)",
    "906": "the login was aborted (906)",
    "907": "already logged in (907)",
}


@dataclass(frozen=True, slots=True)
class SaslConfig:
    mechanism: str = "PLAIN"  # or "EXTERNAL" (needs a TLS client certificate)
    account: str = ""
    password: str = field(default="", repr=False)


class SaslLogin:
    """One login attempt; the session feeds it the server's lines and sends what it returns."""

    def __init__(self, config: SaslConfig) -> None:
        self.config = config
        self.active = False  # AUTHENTICATE sent, the result not in yet

    def wants(self, offered: str | None) -> bool:
        """Whether to request ``sasl``, given its CAP LS value (None: not offered)."""
        if offered is None:
            return False
        # "sasl=PLAIN,EXTERNAL" (CAP 302) lists what the server takes; a bare "sasl" says nothing.
        return not offered or self.config.mechanism in offered.upper().split(",")

    def start(self) -> list[tuple[str, ...]]:
        self.active = True
        return [("AUTHENTICATE", self.config.mechanism)]

    def on_authenticate(self, challenge: str) -> list[tuple[str, ...]]:
        """The server's ``AUTHENTICATE`` (``+`` is an empty challenge): our answer."""
        if not self.active or challenge != "+":
            return [("AUTHENTICATE", "*")] if self.active else []
        if self.config.mechanism == "EXTERNAL":
            return [("AUTHENTICATE", "+")]
        secret = f"\0{self.config.account}\0{self.config.password}".encode()
        encoded = base64.b64encode(secret).decode("ascii")
        lines: list[tuple[str, ...]] = [
            ("AUTHENTICATE", encoded[i : i + CHUNK]) for i in range(0, len(encoded), CHUNK)
        ]
        if len(encoded) % CHUNK == 0:
            lines.append(("AUTHENTICATE", "+"))  # tells the server the last chunk was full
        return lines

    def finished(self) -> None:
        self.active = False


def not_offered(mechanism: str, offered: str | None) -> str:
    if offered is None:
        return "the server offers no SASL login; connected without logging in"
    return (
        f"the server does not take SASL {mechanism} (it takes {offered or 'unknown'}); "
        "connected without logging in"
    )


def explain_failure(numeric: str) -> str:
    reason = _FAILURES.get(numeric, f"the login failed ({numeric})")
    return f"SASL login: {reason}; connected without logging in"
