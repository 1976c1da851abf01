"""Where files go, and the user's settings (``config.toml``).

Every location comes from platformdirs (app name ``tui-chat``, which honours the XDG variables)
unless overridden on the command line; tests always point them into a temporary directory.
A broken config file never stops the app: the problem is reported, naming the line, and the
defaults are used for what could not be read.
"""

from __future__ import annotations

import contextlib
import functools
import getpass
import os
import re
import tempfile
import typing
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from . import toml_writer
from .irc.casemap import is_valid_channel, is_valid_nick, safe_nick
from .irc.limits import DEFAULT_PORT, DEFAULT_ROOM, DEFAULT_TLS_PORT
from .irc.mask import MAX_MASK_LEN

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

# Let others see "alice is typing…" while you type (on servers with message-tags).
# send_typing = true

# People whose messages you never want to see: nicks, or nick!user@host masks with * and ?.
# ignore = ["spambot", "*!*@spam.example"]

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
    tls: bool = False  # tls = true: connect with TLS (port 6697 unless port says otherwise)
    # SASL login: sasl = "PLAIN" (account, sasl_password) or "EXTERNAL" (client_cert, over TLS).
    sasl: str | None = None
    account: str | None = None
    sasl_password: str | None = field(default=None, repr=False)
    client_cert: Path | None = None  # PEM with the certificate and its key


SASL_MECHANISMS = ("PLAIN", "EXTERNAL")  # what client/sasl.py speaks


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
    send_typing: bool = True  # tell others when you are typing (IRCv3 +typing)
    servers: tuple[NamedServer, ...] = ()
    path: Path | None = None
    problem: str | None = None  # why (part of) the file could not be used, shown to the user

    def with_value(self, name: str, value: object) -> Settings:
        """A copy with one setting changed (``value`` already checked by :func:`parse_setting`)."""
        changes: dict[str, Any] = {name: value}
        return replace(self, **changes)

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
        import tomllib  # only with a file to read: a start-up without one does not load it

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


# -- the settings, generically: their names, kinds and checks ------------------------------

# Fields of Settings that are not settings a user writes as a top-level key.
_NOT_SETTINGS = frozenset({"path", "problem", "servers"})

# Entries in the ignore list: each is matched against every message, so the count is bounded.
MAX_IGNORES = 100
MAX_TEXT_SETTING = 200  # characters in a string setting (a timestamp format, a realname)

# What each setting does: the comments of `tui-chat config` and the help of /set. A setting
# missing here still works everywhere; it only goes without an explanation.
ABOUT: dict[str, str] = {
    "nick": "Your nick; the default is your login name made IRC-safe.",
    "realname": "The real name others see in /whois.",
    "room": "The room `tui-chat host` and `tui-chat join` open when --room is not given.",
    "scrollback": "Lines kept per room in memory (older lines scroll out), 100 to 1000000.",
    "timestamp_format": "A strftime format for message timestamps, such as %H:%M:%S.",
    "notifications": "Bell and notification on mentions and private messages when unfocused.",
    "theme": "A Textual theme name, such as textual-dark, nord or gruvbox.",
    "log": "Write a plain-text log of every room and conversation in the log directory.",
    "ignore": "People whose messages are hidden: nicks or nick!user@host masks (* and ?).",
    "nick_column": "Line messages up after a nick column this many cells wide, 0 to 32 (0: off).",
    "smart_filter": "Hide joins, parts and quits of people who have not spoken for 5 minutes.",
    "send_typing": "Let others see when you are typing (on servers with message-tags).",
}


class SettingError(ValueError):
    """A setting name or value that cannot be used; the message is for the user."""


@functools.cache
def _kinds() -> dict[str, Any]:
    hints = typing.get_type_hints(Settings)
    return {f.name: hints[f.name] for f in fields(Settings) if f.name not in _NOT_SETTINGS}


def setting_names() -> tuple[str, ...]:
    """The settings a user can write or /set, in the order the dataclass declares them."""
    return tuple(_kinds())


def _choices(kind: Any) -> tuple[object, ...] | None:
    return typing.get_args(kind) if typing.get_origin(kind) is typing.Literal else None


def _kind_words(kind: Any) -> str:
    choices = _choices(kind)
    if choices is not None:
        return "one of " + ", ".join(str(c) for c in choices)
    if typing.get_origin(kind) is tuple:
        return "a list of strings"
    words = {str: "a string", int: "a whole number", bool: "true or false", float: "a number"}
    return words.get(kind, "a value")


def _check(key: str, value: object) -> str | None:
    """Why a top-level value is unusable, or None when it is fine."""
    kind = _kinds().get(key)
    if kind is None:
        return "unknown setting"
    choices = _choices(kind)
    if choices is not None:
        if value not in choices:
            return f"should be {_kind_words(kind)}"
    elif typing.get_origin(kind) is tuple:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            return f"should be {_kind_words(kind)}"
    elif kind is float:
        if type(value) not in (int, float):
            return "should be a number"
    elif type(value) is not kind:
        return f"should be {_kind_words(kind)}"
    if isinstance(value, str) and len(value) > MAX_TEXT_SETTING:
        return f"should be at most {MAX_TEXT_SETTING} characters"
    if key == "nick" and isinstance(value, str) and not is_valid_nick(value):
        return f"{value!r} is not a valid nick"
    if key == "room" and isinstance(value, str) and not is_valid_channel(value):
        return f"{value!r} is not a valid room name"
    if key == "scrollback" and isinstance(value, int) and not 100 <= value <= 1_000_000:
        return "should be between 100 and 1000000"
    if key == "timestamp_format" and isinstance(value, str) and not value.isprintable():
        return "should have no control characters"
    if key == "ignore" and isinstance(value, list | tuple):
        if len(value) > MAX_IGNORES:
            return f"should hold at most {MAX_IGNORES} entries"
        bad = next((v for v in value if not valid_ignore_entry(v)), None)
        if bad is not None:
            return f"{bad!r} is not a nick or nick!user@host mask"
    if key == "nick_column" and isinstance(value, int) and not 0 <= value <= 32:
        return "should be between 0 (no column) and 32"
    return None


def valid_ignore_entry(entry: str) -> bool:
    """A nick or a ``nick!user@host`` mask: one printable word, no longer than a mask may be."""
    return 0 < len(entry) <= MAX_MASK_LEN and entry.isprintable() and " " not in entry


_TRUE = frozenset({"on", "true", "yes", "1"})
_FALSE = frozenset({"off", "false", "no", "0"})


def parse_setting(name: str, text: str) -> object:
    """The value ``text`` (as typed after ``/set NAME``) gives setting ``name``, checked.

    A value may be written as in the file (``"%H:%M"``, ``["a", "b"]``, ``true``) or plainly
    (``%H:%M``, ``a b``, ``on``). Raises :class:`SettingError` with a message for the user.
    """
    kind = _kinds().get(name)
    if kind is None:
        raise SettingError(f"No setting named {name!r}; the settings are: {', '.join(_kinds())}.")
    text = text.strip()
    value: object
    if text[:1] in ('"', "[", "'"):
        import tomllib

        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            raise SettingError(f"{name}: {text!r} is not a value TOML can read.") from None
    elif kind is bool:
        lowered = text.lower()
        if lowered not in _TRUE | _FALSE:
            raise SettingError(f"{name} should be on or off, not {text!r}.")
        value = lowered in _TRUE
    elif kind is int or kind is float:
        try:
            value = kind(text)
        except ValueError:
            raise SettingError(f"{name} should be {_kind_words(kind)}, not {text!r}.") from None
    elif typing.get_origin(kind) is tuple:
        value = [word for word in re.split(r"[\s,]+", text) if word]
    else:
        value = text
    why = _check(name, value)
    if why:
        raise SettingError(f"{name} {why}.")
    return tuple(value) if isinstance(value, list) else value


# -- writing the file ------------------------------------------------------------------------


def save_setting(path: Path, name: str, value: object) -> None:
    """Write one top-level setting into the config file, keeping the rest of it.

    Only the lines of that key change (a commented example ``# name = ...`` gets the new line
    under it), so the user's comments and layout survive. If that edit does not read back as
    exactly the old settings plus this one (an unusual layout), the whole file is written anew
    from its values, which keeps every value but drops the comments. A file that does not parse
    is never touched. Raises :class:`SettingError` (or OSError) when it cannot be saved.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingError(f"cannot read {path}: {exc}") from None
    import tomllib

    try:
        old = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingError(f"{path} has an error ({exc}); fix it, then try again") from None
    stored = list(value) if isinstance(value, tuple) else value
    wanted = {**old, name: stored}
    edited = _edit_line(text, name, toml_writer.value(stored))
    if edited is None or _parses_as(edited) != wanted:
        try:
            edited = toml_writer.document(wanted)
        except TypeError as exc:
            raise SettingError(f"cannot rewrite {path}: {exc}") from None
        if _parses_as(edited) != wanted:
            raise SettingError(f"cannot write {name} into {path} safely")
    _write_atomically(path, edited)


def _parses_as(text: str) -> dict[str, Any] | None:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


def _edit_line(text: str, name: str, value: str) -> str | None:
    """``text`` with ``name = value`` in place of the key's lines, or None if it cannot tell
    where they are."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    new_line = f"{toml_writer.key(name)} = {value}\n"
    # Top-level keys live above the first [table] header.
    end = next((i for i, line in enumerate(lines) if line.lstrip().startswith("[")), len(lines))
    key_re = re.compile(rf"\s*(?:{re.escape(name)}|\"{re.escape(name)}\")\s*=")
    for i in range(end):
        if key_re.match(lines[i]):
            # A value may span lines (an array): it ends where the lines read as TOML.
            for j in range(i, end):
                if _parses_as("".join(lines[i : j + 1])) is not None:
                    return "".join([*lines[:i], new_line, *lines[j + 1 :]])
            return None
    example_re = re.compile(rf"\s*#\s*{re.escape(name)}\s*=")
    at = next((i + 1 for i in range(end) if example_re.match(lines[i])), end)
    extra = ["\n"] if at == end and at < len(lines) else []
    return "".join([*lines[:at], new_line, *extra, *lines[at:]])


def _write_atomically(path: Path, text: str) -> None:
    # A crash half-way must leave the old file, not half a new one.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# -- `tui-chat config` ---------------------------------------------------------------------


def _comment(text: str) -> str:
    """A comment line whatever ``text`` holds: a newline in a path or a key from the file
    must not end the comment and leave the rest as TOML."""
    return "# " + "".join(ch if ch.isprintable() else "?" for ch in text)


def config_toml(settings: Settings, header: list[str], *, secrets: bool = False) -> str:
    """The settings in effect as a TOML file, each with a comment saying what it does.

    Passwords and room keys are left out unless ``secrets``: the output is often pasted or
    shown to someone, and the file keeps them anyway.
    """
    out = [_comment(line) for line in header]
    for name in setting_names():
        out.append("")
        if ABOUT.get(name):
            out.append(_comment(ABOUT[name]))
        current = getattr(settings, name)
        out.append(f"{toml_writer.key(name)} = {toml_writer.value(_plain(current))}")
    for server in settings.servers:
        out += ["", f"[{toml_writer.key('servers')}.{toml_writer.key(server.name)}]"]
        out.append(f"host = {toml_writer.string(server.host)}")
        out.append(f"port = {server.port}")
        if server.nick is not None:
            out.append(f"nick = {toml_writer.string(server.nick)}")
        rooms = server.rooms if secrets else tuple(r.split(" ", 1)[0] for r in server.rooms)
        if rooms != server.rooms:
            out.append(_comment("room keys not shown (tui-chat config --show-secrets)"))
        out.append(f"rooms = {toml_writer.value(list(rooms))}")
        if server.password is not None:
            if secrets:
                out.append(f"password = {toml_writer.string(server.password)}")
            else:
                out.append(_comment("password = ... (set; tui-chat config --show-secrets)"))
        if server.tls:
            out.append("tls = true")
        if server.sasl is not None:
            out.append(f"sasl = {toml_writer.string(server.sasl)}")
        if server.account is not None:
            out.append(f"account = {toml_writer.string(server.account)}")
        if server.sasl_password is not None:
            if secrets:
                out.append(f"sasl_password = {toml_writer.string(server.sasl_password)}")
            else:
                out.append(_comment("sasl_password = ... (set; tui-chat config --show-secrets)"))
        if server.client_cert is not None:
            out.append(f"client_cert = {toml_writer.string(str(server.client_cert))}")
    return "\n".join(out) + "\n"


def show_value(value: object) -> str:
    """A setting's value as the config file spells it."""
    return toml_writer.value(_plain(value))


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


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
        elif isinstance(value, list):
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
        tls = entry.get("tls", False)
        port = entry.get("port", DEFAULT_TLS_PORT if tls is True else DEFAULT_PORT)
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
        if not isinstance(tls, bool):
            problems.append(f"{where}: tls should be true or false (ignored)")
            continue
        sasl = entry.get("sasl")
        account = entry.get("account")
        sasl_password = entry.get("sasl_password")
        client_cert = entry.get("client_cert")
        if sasl is not None and (not isinstance(sasl, str) or sasl.upper() not in SASL_MECHANISMS):
            problems.append(f'{where}: sasl should be "PLAIN" or "EXTERNAL" (ignored)')
            continue
        if any(v is not None and not isinstance(v, str) for v in (account, sasl_password)):
            problems.append(f"{where}: account and sasl_password should be strings (ignored)")
            continue
        if client_cert is not None and not isinstance(client_cert, str):
            problems.append(f"{where}: client_cert should be a file name (ignored)")
            continue
        if sasl is not None and sasl.upper() == "PLAIN" and not (account and sasl_password):
            problems.append(f'{where}: sasl = "PLAIN" needs account and sasl_password (ignored)')
            continue
        if sasl is not None and sasl.upper() == "EXTERNAL" and not (tls and client_cert):
            problems.append(f'{where}: sasl = "EXTERNAL" needs tls and client_cert (ignored)')
            continue
        servers.append(
            NamedServer(
                name,
                entry["host"],
                port,
                nick,
                tuple(rooms),
                password,
                tls,
                sasl.upper() if sasl else None,
                account,
                sasl_password,
                Path(client_cert).expanduser() if client_cert else None,
            )
        )
    return tuple(servers), problems
