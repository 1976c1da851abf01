"""Alerts: a bell and a desktop notification for a mention or private message while unfocused."""

from __future__ import annotations

import time

from .text import sanitize

NOTIFY_INTERVAL = 5.0  # seconds between bells/notifications while the app is not focused


class Alerts:
    """Rate-limited bell and notification (mixin of ChatApp)."""

    def _alert(self, sender: str, where: str, text: str, private: bool) -> None:
        if self.app_focus or not self.settings.notifications:
            return
        now = time.monotonic()
        if now - self._last_notify < NOTIFY_INTERVAL:
            return
        self._last_notify = now
        self.bell()
        place = "" if private else f" in {where}"
        body = sanitize(f"{sender}{place}: {text}")
        if len(body) > 200:
            body = body[:199] + "…"
        self.notify(
            body,
            title="Private message" if private else "Mention",
            markup=False,
        )
