"""Server replies that carry numbers and times (WHOIS, WHO, LUSERS), put into words.

Pure functions of the reply's parameters: the session routes the text, this module only
phrases it. Every number is parsed with bounds, and a
reply that does not have the expected shape gets ``None`` (the session then shows it as is).
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from tui_chat.irc.numbers import parse_decimal

_UNITS = (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1))
_MAX_SECONDS = 1 << 40  # beyond any clock; keeps datetime and arithmetic in range


def duration_words(seconds: int) -> str:
    """``3725`` -> "1 hour 2 minutes": the largest unit and the next one down, as people say it."""
    rest = max(0, seconds)
    for i, (name, size) in enumerate(_UNITS):
        if rest < size and size > 1:
            continue
        count, rest = divmod(rest, size)
        words = [_plural(count, name)]
        if i + 1 < len(_UNITS):
            next_name, next_size = _UNITS[i + 1]
            if rest // next_size:
                words.append(_plural(rest // next_size, next_name))
        return " ".join(words)
    return "0 seconds"  # not reached: the last unit always matches


def _plural(count: int, name: str) -> str:
    return f"{count} {name}" if count == 1 else f"{count} {name}s"


def date_words(timestamp: int) -> str | None:
    """A Unix time as a local date and time ("2026-11-29 13:40"), None if out of range."""
    with contextlib.suppress(OverflowError, OSError, ValueError):
        return f"{datetime.fromtimestamp(timestamp).astimezone():%Y-%m-%d %H:%M}"
    return None


def whois_idle(params: tuple[str, ...]) -> str | None:
    """317 ``<me> <nick> <idle> [<signon>] :seconds idle, signon time``."""
    if len(params) < 4:
        return None
    nick = params[1]
    idle = parse_decimal(params[2], 0, _MAX_SECONDS)
    if idle is None:
        return None
    text = f"{nick}: {duration_words(idle)} idle"
    signon = parse_decimal(params[3], 0, _MAX_SECONDS) if len(params) > 4 else None
    when = date_words(signon) if signon is not None else None
    if when is not None:
        text += f", signed on {when}"
    return text


def whois_user(params: tuple[str, ...], was: bool = False) -> str | None:
    """311/314 ``<me> <nick> <user> <host> * :<realname>``."""
    if len(params) < 6:
        return None
    nick, user, host, realname = params[1], params[2], params[3], params[-1]
    return f"{nick} {'was' if was else 'is'} {user}@{host} ({realname})"


def whois_server(params: tuple[str, ...]) -> str | None:
    """312 ``<me> <nick> <server> :<info>``."""
    if len(params) < 4:
        return None
    return f"{params[1]} is on {params[2]} ({params[3]})"


def whois_channels(params: tuple[str, ...]) -> str | None:
    """319 ``<me> <nick> :<channels>``."""
    if len(params) < 3:
        return None
    return f"{params[1]} is in {params[2].strip()}"


def whois_account(params: tuple[str, ...]) -> str | None:
    """330 ``<me> <nick> <account> :is logged in as``."""
    if len(params) < 4:
        return None
    return f"{params[1]} is logged in as {params[2]}"


def who_reply(params: tuple[str, ...]) -> str | None:
    """352 ``<me> <channel> <user> <host> <server> <nick> <flags> :<hops> <realname>``."""
    if len(params) < 8:
        return None
    channel, user, host, _server, nick, flags = params[1:7]
    _hops, _, realname = params[7].partition(" ")
    state = "away" if flags.startswith("G") else "here"
    extra = [state]
    if "*" in flags:
        extra.append("IRC operator")
    rank = flags[1:].replace("*", "")
    where = f"{channel} " if channel and channel != "*" else ""
    return f"{where}{rank}{nick} ({user}@{host}) {', '.join(extra)}: {realname}".rstrip(": ")


def user_counts(params: tuple[str, ...], scope: str) -> str | None:
    """265/266 ``<me> [<current> <max>] :Current local users: 3, max: 5``."""
    if len(params) >= 4:
        current = parse_decimal(params[1], 0, _MAX_SECONDS)
        most = parse_decimal(params[2], 0, _MAX_SECONDS)
        if current is not None and most is not None:
            return f"{scope} users: {current} now, {most} at most"
    if len(params) >= 2:
        return params[-1]  # the text form only
    return None
