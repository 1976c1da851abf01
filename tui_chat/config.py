"""Where files go, and the user's settings.

Every location comes from platformdirs (app name ``tui-chat``) unless overridden on the command
line; tests always point them into a temporary directory.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from .irc.casemap import safe_nick
from .irc.limits import DEFAULT_ROOM

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
    path: Path | None = None
    problem: str | None = None  # why the file could not be used, shown to the user

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        """Read settings; a missing file gives defaults, a broken one defaults plus a problem."""
        path = path or default_config_path()
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path=path)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            return cls(path=path, problem=f"{path}: {exc}; using defaults")
        known = {
            "nick": str,
            "realname": str,
            "room": str,
            "scrollback": int,
            "timestamp_format": str,
            "notifications": bool,
            "theme": str,
        }
        values = {}
        problems = []
        for key, value in raw.items():
            expected = known.get(key)
            if expected is None:
                continue
            if type(value) is not expected:
                problems.append(f"{key} should be {expected.__name__}")
                continue
            values[key] = value
        problem = f"{path}: " + "; ".join(problems) + "; using defaults there" if problems else None
        return cls(path=path, problem=problem, **values)
