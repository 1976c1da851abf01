"""Where files go, and the user's settings (``config.toml``).

Every location comes from platformdirs (app name ``tui-chat``, which honours the XDG variables)
unless overridden on the command line; tests always point them into a temporary directory.
A broken config file never stops the app: the problem is reported, naming the line, and the
defaults are used for what could not be read.
"""

from __future__ import annotations

import getpass
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from .irc.casemap import is_valid_channel, is_valid_nick, safe_nick
from .irc.limits import DEFAULT_PORT, DEFAULT_ROOM

APP_NAME = "tui-chat"


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def default_config_path() -> Path:
    return config_dir() / "config.toml"


def login_nick() -> str:
    """The login name made IRC-safe, the nick used when the config names none."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = os.environ.get("USER", "")
    return safe_nick(login)


DEFAULT_CONFIG_TEXT = """\
# tui-chat configuration. Lines starting with '#' are comments; remove the '#' to set a value.
# `tui-chat config` prints the values in effect and where this file lives.

# Your nick; the default is your login name made IRC-safe.
# nick = "alice"
# realname = "Alice Liddell"

# The room `tui-chat host` and `tui-chat join` open when --room is not given.
# room = "#lobby"

# Look and feel: a Textual theme name, and a strftime format for message timestamps.
# theme = "textual-dark"
# timestamp_format = "%H:%M"

# Lines kept per room in memory (older lines scroll out).
# scrollback = 10000

# Terminal bell and desktop-style notification on mentions and private messages.
# notifications = true

# Write a plain-text log of every room and conversation in the log directory.
# log = true

# Line up messages after a nick column this many cells wide (WeeChat style); 0: "<nick> text".
# nick_column = 0

# Hide joins, parts and quits of people who have not spoken for 5 minutes (/filter toggles).
# smart_filter = true

# Nicks whose messages you never want to see.
# ignore = ["spambot"]

# Named servers: `tui-chat join work` connects to the server below with its nick, rooms and
# password. A room may carry its key after a space.
# [servers.work]
# host = "irc.example.com"
# port = 6667
# nick = "alice"
# rooms = ["#team", "#ops secretkey"]
# password = "server password"
"""


@dataclass(frozen=True)
class NamedServer:
    """A server defined in the config file, joined with ``tui-chat join NAME``."""

    name: str
    host: str
    port: int = DEFAULT_PORT
    nick: str | None = None
    rooms: tuple[str, ...] = ()
    password: str | None = None


@dataclass(frozen=True)
class Settings:
    """The user's settings as read from config.toml, with defaults for what it leaves out."""

    nick: str = field(default_factory=login_nick)
    realname: str = "tui-chat user"
    room: str = DEFAULT_ROOM
    scrollback: int = 10_000
    timestamp_format: str = "%H:%M"
    notifications: bool = True
    theme: str = "textual-dark"
    log: bool = True
    ignore: tuple[str, ...] = ()
    nick_column: int = 0  # cells of the aligned nick column (WeeChat style); 0: none
    smart_filter: bool = True  # hide joins, parts and quits of people quiet for 5 minutes
    servers: tuple[NamedServer, ...] = ()
    path: Path | None = None
    problem: str | None = None  # why (part of) the file could not be used, shown to the user

    def server(self, name: str) -> NamedServer | None:
        return next((s for s in self.servers if s.name == name), None)

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        """Read settings; a missing file gives defaults, a broken one defaults plus a problem."""
        path = path or default_config_path()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path=path)
        except (OSError, UnicodeDecodeError) as exc:
            return cls(path=path, problem=f"cannot read {path}: {exc}; using defaults")
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            # The message names the line and column, e.g. "Invalid value (at line 3, column 8)".
            return cls(path=path, problem=f"{path}: {exc}; using defaults")
        values, problems = _read_values(raw, text)
        problem = f"{path}: " + "; ".join(problems) if problems else None
        return cls(path=path, problem=problem, **values)

    def describe(self) -> list[tuple[str, str]]:
        """(name, value) pairs of the settings in effect, for ``tui-chat config``."""
        rows = []
        for f in fields(self):
            if f.name in ("path", "problem", "servers"):
                continue
            rows.append((f.name, repr(getattr(self, f.name))))
        for server in self.servers:
            rooms = ", ".join(r.split(" ", 1)[0] for r in server.rooms) or "-"
            password = " (with password)" if server.password else ""
            rows.append(
                (
                    f"servers.{server.name}",
                    f"{server.host}:{server.port} nick={server.nick or '-'} rooms={rooms}"
                    f"{password}",
                )
            )
        return rows


def ensure_config_file(path: Path) -> bool:
    """Create a commented config file on first run; True when one was written."""
    if path.exists():
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as fh:
            fh.write(DEFAULT_CONFIG_TEXT)
    except OSError:
        return False  # a read-only home is not a reason to refuse to chat
    return True


def _line_of(text: str, key: str) -> str:
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line):
            return f"line {number}: "
    return ""


def _check(key: str, value: object) -> str | None:
    """Why a top-level value is unusable, or None when it is fine."""
    kinds = {
        "nick": str,
        "realname": str,
        "room": str,
        "scrollback": int,
        "timestamp_format": str,
        "notifications": bool,
        "theme": str,
        "log": bool,
        "ignore": list,
        "nick_column": int,
        "smart_filter": bool,
    }
    expected = kinds.get(key)
    if expected is None:
        return "unknown setting"
    names = {str: "a string", int: "a whole number", bool: "true or false", list: "a list"}
    if type(value) is not expected:
        return f"should be {names[expected]}"
    if key == "nick" and isinstance(value, str) and not is_valid_nick(value):
        return f"{value!r} is not a valid nick"
    if key == "room" and isinstance(value, str) and not is_valid_channel(value):
        return f"{value!r} is not a valid room name"
    if key == "scrollback" and isinstance(value, int) and not 100 <= value <= 1_000_000:
        return "should be between 100 and 1000000"
    if key == "nick_column" and isinstance(value, int) and not 0 <= value <= 32:
        return "should be between 0 (no column) and 32"
    if key == "ignore" and isinstance(value, list) and not all(isinstance(v, str) for v in value):
        return "should be a list of nicks"
    return None


def _read_values(raw: dict[str, Any], text: str) -> tuple[dict[str, Any], list[str]]:
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in raw.items():
        if key == "servers":
            servers, server_problems = _read_servers(value)
            values["servers"] = servers
            problems += server_problems
            continue
        why = _check(key, value)
        if why:
            problems.append(f"{_line_of(text, key)}{key}: {why} (ignored)")
        elif key == "ignore":
            values[key] = tuple(value)
        else:
            values[key] = value
    return values, problems


def _read_servers(table: object) -> tuple[tuple[NamedServer, ...], list[str]]:
    if not isinstance(table, dict):
        return (), ["servers: should be a table of [servers.NAME] sections (ignored)"]
    servers: list[NamedServer] = []
    problems: list[str] = []
    for name, entry in table.items():
        where = f"[servers.{name}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("host"), str):
            problems.append(f'{where}: needs host = "..." (ignored)')
            continue
        port = entry.get("port", DEFAULT_PORT)
        nick = entry.get("nick")
        rooms = entry.get("rooms", [])
        password = entry.get("password")
        if type(port) is not int or not 0 < port < 65536:
            problems.append(f"{where}: port should be a number from 1 to 65535 (ignored)")
            continue
        if nick is not None and not (isinstance(nick, str) and is_valid_nick(nick)):
            problems.append(f"{where}: nick {nick!r} is not valid (ignored)")
            continue
        if not isinstance(rooms, list) or not all(
            isinstance(r, str) and is_valid_channel(r.split(" ", 1)[0]) for r in rooms
        ):
            problems.append(f"{where}: rooms should be a list of room names (ignored)")
            continue
        if password is not None and not isinstance(password, str):
            problems.append(f"{where}: password should be a string (ignored)")
            continue
        servers.append(NamedServer(name, entry["host"], port, nick, tuple(rooms), password))
    return tuple(servers), problems
