"""Typing notifications (the IRCv3 ``+typing`` client tag): when to send them, and who is typing.

Both halves are plain state machines with the time passed in, so they are tested without a
clock and owned by whichever thread uses them (the UI, which sees the keys and draws the line).

The spec's numbers: a client sends no ``+typing`` notification within 3 seconds of another to
the same target; a receiver assumes the sender is typing until a message arrives from them,
they leave, ``done`` comes, 6 seconds pass after ``active`` or 30 after ``paused``.
"""

from __future__ import annotations

from typing import Literal

TYPING_TAG = "+typing"
TypingState = Literal["active", "paused", "done"]
STATES: frozenset[str] = frozenset({"active", "paused", "done"})

SEND_INTERVAL = 3.0  # no two notifications to one target closer than this (spec: MUST)
# Sent "paused" after this long without an edit: before the 6 s a receiver keeps "active",
# so the indicator goes on (as paused) while the text waits in the input.
PAUSE_AFTER = 5.0
ACTIVE_EXPIRY = 6.0
PAUSED_EXPIRY = 30.0
# Targets left (switched away from) whose "done" waits for the 3 s pace: a few at most.
MAX_LEAVING = 8
# Typers remembered across all conversations: a hostile server can invent nicks, so the oldest
# notification is forgotten past this.
MAX_TYPERS = 256
NEVER = float("-inf")


# Plain classes, not dataclasses: building a dataclass at import costs ~4 M instructions, and
# this module loads before the app's first frame (issue 12).
class _Target:
    __slots__ = ("edited_at", "name", "sent", "sent_at", "wanted")

    def __init__(self, name: str) -> None:
        self.name = name
        self.wanted: TypingState | None = None  # what the input says now
        self.sent: TypingState | None = None  # what the target's members were last told
        self.sent_at = NEVER
        self.edited_at = NEVER


class TypingPacer:
    """What to send as the user edits the input of one conversation at a time.

    Each call returns the ``(target, state)`` notifications to send now. ``active`` goes out on
    an edit and again every 3 s while edits go on; ``paused`` once after 5 s without one;
    ``done`` once when the text is cleared or turns into a /command, or the user moves to
    another conversation with text typed. A sent message needs no ``done``: receiving it ends
    the sender's typing. Anything the 3 s pace holds back goes out from :meth:`tick`.
    """

    def __init__(self, interval: float = SEND_INTERVAL, pause_after: float = PAUSE_AFTER) -> None:
        self.interval = interval
        self.pause_after = pause_after
        self._current: _Target | None = None
        self._leaving: dict[str, _Target] = {}

    def edited(self, target: str, text: str, now: float) -> list[tuple[str, TypingState]]:
        """The input of ``target`` now holds ``text``."""
        out = self._switch(target, now)
        t = self._current
        assert t is not None
        if not text or (text.startswith("/") and not text.startswith("//")):
            t.wanted = "done"
        else:
            t.wanted = "active"
            t.edited_at = now
        self._step(t, now, out)
        return out

    def sent(self, target: str) -> None:
        """A message went to ``target``: its members stop showing us as typing by themselves."""
        for t in (self._current, self._leaving.pop(target, None)):
            if t is not None and t.name == target:
                t.wanted = t.sent = None

    def left(self, now: float) -> list[tuple[str, TypingState]]:
        """The user moved away from the conversation being typed in (or turned sending off)."""
        out: list[tuple[str, TypingState]] = []
        t, self._current = self._current, None
        if t is not None:
            self._leave(t, now, out)
        return out

    def tick(self, now: float) -> list[tuple[str, TypingState]]:
        """Called about once a second: ``paused`` after a pause, and what the pace held back."""
        out: list[tuple[str, TypingState]] = []
        t = self._current
        if t is not None:
            if t.wanted == "active" and now - t.edited_at >= self.pause_after:
                t.wanted = "paused"
            self._step(t, now, out)
        for name, lt in list(self._leaving.items()):
            self._step(lt, now, out)
            if lt.wanted is None or lt.sent == "done" or lt.sent is None:
                del self._leaving[name]
        return out

    def _switch(self, target: str, now: float) -> list[tuple[str, TypingState]]:
        out: list[tuple[str, TypingState]] = []
        t = self._current
        if t is not None and t.name == target:
            return out
        if t is not None:
            self._leave(t, now, out)
        # Back to a target left a moment ago: its pace (sent_at) still holds.
        self._current = self._leaving.pop(target, None) or _Target(target)
        return out

    def _leave(self, t: _Target, now: float, out: list[tuple[str, TypingState]]) -> None:
        if t.sent not in ("active", "paused"):
            return
        t.wanted = "done"
        if not self._step(t, now, out):  # held back by the pace: sent from tick()
            if len(self._leaving) >= MAX_LEAVING:
                del self._leaving[next(iter(self._leaving))]
            self._leaving[t.name] = t

    def _step(self, t: _Target, now: float, out: list[tuple[str, TypingState]]) -> bool:
        """Send what ``t`` wants if it is due and the pace allows; True if it was sent."""
        if now - t.sent_at < self.interval:
            return False
        wanted = t.wanted
        if wanted == "active":
            due = t.sent != "active" or t.edited_at > t.sent_at
        elif wanted == "paused":
            due = t.sent == "active"
        elif wanted == "done":
            due = t.sent in ("active", "paused")
        else:
            due = False
        if not due or wanted is None:
            return False
        t.sent, t.sent_at = wanted, now
        out.append((t.name, wanted))
        return True


class _Typer:
    __slots__ = ("nick", "paused", "until")

    def __init__(self, nick: str, paused: bool, until: float) -> None:
        self.nick = nick
        self.paused = paused
        self.until = until


class TypingTracker:
    """Who is typing where, from received notifications; expires them by the spec's times.

    Conversations and nicks are given as keys (casefolded by the caller) with the nick as shown.
    """

    def __init__(self, limit: int = MAX_TYPERS) -> None:
        self.limit = limit
        self._typers: dict[tuple[str, str], _Typer] = {}

    def __len__(self) -> int:
        return len(self._typers)

    def notified(self, where: str, key: str, nick: str, state: str, now: float) -> bool:
        """A ``+typing`` notification; True when what is shown for ``where`` may have changed."""
        ident = (where, key)
        if state == "done" or state not in STATES:
            return self._typers.pop(ident, None) is not None
        paused = state == "paused"
        until = now + (PAUSED_EXPIRY if paused else ACTIVE_EXPIRY)
        typer = self._typers.get(ident)
        if typer is not None:  # updated in place: the order shown is the order they began
            changed = typer.paused != paused or typer.nick != nick
            typer.nick, typer.paused, typer.until = nick, paused, until
            return changed
        if len(self._typers) >= self.limit:
            del self._typers[next(iter(self._typers))]
        self._typers[ident] = _Typer(nick, paused, until)
        return True

    def stopped(self, where: str, key: str) -> bool:
        """``key`` spoke in, or left, ``where``."""
        return self._typers.pop((where, key), None) is not None

    def gone(self, key: str) -> bool:
        """``key`` quit (or changed nick): typing nowhere any more."""
        if not self._typers:  # the usual case, and a netsplit's thousand quits cost nothing
            return False
        idents = [ident for ident in self._typers if ident[1] == key]
        for ident in idents:
            del self._typers[ident]
        return bool(idents)

    def left_all(self, where: str) -> bool:
        """We left ``where`` (or lost the connection to it): nobody is typing there."""
        if not self._typers:
            return False
        idents = [ident for ident in self._typers if ident[0] == where]
        for ident in idents:
            del self._typers[ident]
        return bool(idents)

    def clear(self) -> bool:
        had = bool(self._typers)
        self._typers.clear()
        return had

    def expire(self, now: float) -> bool:
        """Forget notifications past their time; True if any went."""
        idents = [ident for ident, t in self._typers.items() if t.until <= now]
        for ident in idents:
            del self._typers[ident]
        return bool(idents)

    def typing_in(self, where: str, now: float) -> list[tuple[str, bool]]:
        """``(nick, paused)`` of those typing in ``where``, in the order they began."""
        return [
            (t.nick, t.paused) for (w, _), t in self._typers.items() if w == where and t.until > now
        ]
