"""MONITOR replies and the modern presence notices (invite-notify, setname, chghost), put
into words. Pure functions of the message's parameters; the session routes the text."""

from __future__ import annotations

# A 730-732 line holds at most a few hundred names; a hostile server's longer list is cut.
MAX_NAMES = 64


def monitor_names(param: str) -> list[str]:
    """``bob!u@h,carol`` -> ["bob", "carol"]: the nicks of a 730/731/732 list."""
    names = [item.partition("!")[0] for item in param.split(",") if item]
    return [n for n in names if n][:MAX_NAMES]


def monitor_text(code: str, param: str) -> str | None:
    """What a MONITOR numeric says, or None for a list with no names."""
    names = monitor_names(param)
    if not names:
        return None
    joined = ", ".join(names)
    if code == "730":
        return f"Online: {joined}"
    if code == "731":
        return f"Offline: {joined}"
    return f"Monitoring: {joined}"


def invite_text(by: str, target: str, channel: str) -> str:
    return f"{by} invited {target} to {channel}"


def setname_text(nick: str, realname: str, is_self: bool) -> str:
    if is_self:
        return f"Your real name is now: {realname}"
    return f"{nick} is now known as: {realname}"


def chghost_text(nick: str, userhost: str) -> str:
    return f"{nick} is now {nick}!{userhost}"
