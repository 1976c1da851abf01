"""/set: show the settings, and change one at runtime, saved to config.toml.

Generic over the fields of :class:`~tui_chat.config.Settings`: a field added there can be shown,
set and saved with no code here. What a change does at once is in :data:`APPLY_NOW`; a
setting without an entry is read where it is used from ``chat.settings`` (which /set replaces),
or otherwise takes effect the next time tui-chat starts, as /set then says.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ...config import ABOUT, SettingError, parse_setting, save_setting, setting_names, show_value
from ..model.ignore import IgnoreList
from .registry import command

if TYPE_CHECKING:
    from ...config import Settings
    from ..screens.chat import ChatScreen


def _theme(chat: ChatScreen, value: object) -> None:
    chat.app.theme = str(value)


def _timestamps(chat: ChatScreen, value: object) -> None:
    # The format is part of the log's layout key: the next settle (the line /set appends
    # brings one) lays every line out again, keeping the reader's place.
    chat.log_view.timestamp_format = str(value)


def _ignore(chat: ChatScreen, value: object) -> None:
    entries = value if isinstance(value, tuple) else ()
    chat.model.ignore = IgnoreList(entries, chat.model.casemapping)


def _read_when_used(chat: ChatScreen, value: object) -> None:
    """Read from ``chat.settings`` each time it matters (notifications: at each alert)."""


# Settings that take effect as soon as they are set, and how.
def _nick_column(chat: ChatScreen, value: object) -> None:
    chat.log_view.set_look(nick_column=int(str(value)))


def _smart_filter(chat: ChatScreen, value: object) -> None:
    chat.set_smart_filter(bool(value))


APPLY_NOW: dict[str, Callable[[ChatScreen, object], None]] = {
    "theme": _theme,
    "timestamp_format": _timestamps,
    "notifications": _read_when_used,
    "ignore": _ignore,
    "nick_column": _nick_column,
    "smart_filter": _smart_filter,
    "send_typing": _read_when_used,
}

_RESTART_NOTES = {
    "nick": "; /nick changes your nick now",
    "scrollback": "; conversations keep the length they had",
}


def _check_here(chat: ChatScreen, name: str, value: object) -> str | None:
    """What only the running app can check (config.py knows nothing of Textual's themes)."""
    if name == "theme" and value not in chat.app.available_themes:
        themes = ", ".join(sorted(chat.app.available_themes))
        return f"No theme named {value!r}; the themes are: {themes}."
    return None


def store_setting(chat: ChatScreen, name: str, value: object) -> str:
    """Use ``value`` for setting ``name`` from now on and save it; says where it went."""
    settings: Settings = chat.settings.with_value(name, value)
    chat.settings = settings
    app_settings = getattr(chat.app, "settings", None)
    if app_settings is not None and app_settings is not settings:
        chat.app.settings = settings  # type: ignore[attr-defined]
    path = settings.path
    if path is None:
        return "not saved (no config file in use)"
    try:
        save_setting(path, name, value)
    except (SettingError, OSError) as exc:
        return f"not saved: {exc}"
    return f"saved to {path}"


def _line(name: str, value: object) -> str:
    return f"{name} = {show_value(value)}"


@command(
    "set",
    usage="/set [NAME [VALUE]]",
    help="Show the settings, one setting, or change one (saved to config.toml).",
    args=(0, 2),
)
def set_setting(chat: ChatScreen, name: str | None = None, text: str | None = None) -> None:
    here = chat.model.conversations.current
    settings = chat.settings
    if name is None:
        where = f" (in {settings.path})" if settings.path else ""
        chat.info(here, f"Settings{where}; /set NAME VALUE changes one:")
        for setting in setting_names():
            chat.info(here, "  " + _line(setting, getattr(settings, setting)))
        return
    name = name.lower()
    if name not in setting_names():
        chat.hint(f"No setting named {name!r}; the settings are: {', '.join(setting_names())}.")
        return
    if text is None or not text.strip():
        about = ABOUT.get(name, "")
        chat.info(here, _line(name, getattr(settings, name)) + (f"  ({about})" if about else ""))
        return
    try:
        value = parse_setting(name, text)
    except SettingError as exc:
        chat.hint(f"Not set: {exc}")
        return
    problem = _check_here(chat, name, value)
    if problem:
        chat.hint(f"Not set: {problem}")
        return
    apply = APPLY_NOW.get(name)
    if apply is not None:
        apply(chat, value)
    saved = store_setting(chat, name, value)
    when = (
        "in effect now"
        if apply is not None
        else "takes effect the next time tui-chat starts" + _RESTART_NOTES.get(name, "")
    )
    chat.info(here, f"{_line(name, value)}: {when}; {saved}.", error=saved.startswith("not"))
