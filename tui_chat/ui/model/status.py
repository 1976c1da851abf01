"""The connection as the header shows it: phase, why, when the next attempt is, lag."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ConnectionStatus:
    phase: str = "disconnected"
    detail: str = ""
    retry_at: float | None = None  # time.monotonic() of the next attempt, when reconnecting
    lag: float | None = None
    server_label: str = ""  # "host:port" of the server in use
    started: bool = False  # a session was started (else "not connected")
    down_announced: bool = False  # "Disconnected" was written to the rooms already
    security: str = ""  # "TLS 1.3, pinned" / "…, verified" / "…, insecure"; "" in plaintext

    def state_text(self, now: float) -> tuple[str, bool]:
        """The header's words for the phase, and whether they are good news."""
        phase = self.phase
        if phase == "connected":
            if self.security.endswith("insecure"):
                return f"connected · {self.security} (certificate NOT checked)", False
            return ("connected · " + self.security) if self.security else "connected", True
        if phase in ("connecting", "registering"):
            return "connecting…", False
        if phase == "reconnecting":
            if self.retry_at is not None:
                seconds = max(0, round(self.retry_at - now))
                return f"reconnecting in {seconds} s", False
            return "reconnecting…", False
        if not self.started:
            return "not connected", False
        return "disconnected", False

    @property
    def shown_lag(self) -> float | None:
        return self.lag if self.phase == "connected" else None
