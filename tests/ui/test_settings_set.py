"""/set through the real app: shows the settings, changes one at once, saves it to config.toml
without losing the user's own lines, refuses bad names and values, and is read at the next
start."""

from __future__ import annotations

import re
import tomllib

from tui_chat.config import Settings, setting_names

from .conftest import joined, log_text, screen_text, type_line, wait_for

USER_FILE = """\
# my own notes, keep me
realname = "Alice Liddell"   # as on my passport

[servers.work]
host = "irc.example.com"
"""


def _loaded_values(path):
    loaded = Settings.load(path)
    assert loaded.problem is None, loaded.problem
    values = {name: getattr(loaded, name) for name in setting_names()}
    values.pop("nick")
    return loaded, values


async def test_set_lists_every_setting_and_shows_one(server, make_app):
    app = make_app(server.port, timestamp_format="%H:%M")
    async with app.run_test(size=(120, 40)) as pilot:
        await joined(pilot, app)
        await type_line(pilot, "/set")
        await wait_for(pilot, lambda: "scrollback = 10000" in log_text(app), what="/set list")
        text = log_text(app)
        for name in setting_names():
            assert f"  {name} = " in text, name
        assert 'timestamp_format = "%H:%M"' in text
        await type_line(pilot, "/set timestamp_format")
        await wait_for(pilot, lambda: "strftime format" in log_text(app), what="/set NAME")


async def test_set_changes_theme_and_timestamps_at_once_and_keeps_the_file(
    server, make_app, tmp_path
):
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE)
    app = make_app(server.port, timestamp_format="%H:%M", theme="textual-dark")
    async with app.run_test(size=(120, 40)) as pilot:
        await joined(pilot, app)
        await type_line(pilot, "/set theme nord")
        await wait_for(pilot, lambda: app.theme == "nord", what="theme applied")
        await wait_for(pilot, lambda: "in effect now" in log_text(app), what="/set answer")

        # Seconds appear on lines already shown, not only on new ones.
        assert not re.search(r"\b\d\d:\d\d:\d\d\b", screen_text(app))
        await type_line(pilot, "/set timestamp_format %H:%M:%S")
        await wait_for(
            pilot,
            lambda: re.search(r"\b\d\d:\d\d:\d\d\b", screen_text(app)),
            what="timestamps with seconds on screen",
        )
        await type_line(pilot, "/set notifications off")
        await wait_for(pilot, lambda: app.chat.settings.notifications is False, what="notif")

    text = path.read_text()
    assert "# my own notes, keep me" in text
    data = tomllib.loads(text)
    assert data["theme"] == "nord"
    assert data["timestamp_format"] == "%H:%M:%S"
    assert data["notifications"] is False
    assert data["realname"] == "Alice Liddell"
    assert data["servers"]["work"]["host"] == "irc.example.com"


async def test_set_refuses_bad_names_and_values_and_changes_nothing(server, make_app, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE)
    app = make_app(server.port, theme="textual-dark")
    async with app.run_test(size=(120, 40)) as pilot:
        await joined(pilot, app)
        for line, why in [
            ("/set colour red", "No setting named 'colour'"),
            ("/set theme no-such-theme", "No theme named 'no-such-theme'"),
            ("/set scrollback lots", "scrollback should be a whole number"),
            ("/set scrollback 5", "between 100 and 1000000"),
            ("/set notifications maybe", "should be on or off"),
            ("/set nick 9lives", "not a valid nick"),
        ]:
            await type_line(pilot, line)
            await wait_for(pilot, lambda why=why: why in log_text(app), what=why)
        assert app.theme == "textual-dark"
        assert app.chat.settings.scrollback == 10_000
    assert path.read_text() == USER_FILE


async def test_settings_for_the_next_start_say_so_and_are_read_then(server, make_app, tmp_path):
    path = tmp_path / "config.toml"
    app = make_app(server.port, theme="textual-dark")
    async with app.run_test(size=(120, 40)) as pilot:
        await joined(pilot, app)
        await type_line(pilot, "/set scrollback 500")
        await wait_for(
            pilot, lambda: "takes effect the next time" in log_text(app), what="restart note"
        )
        await type_line(pilot, "/set theme gruvbox")
        await wait_for(pilot, lambda: app.theme == "gruvbox", what="theme")

    loaded, values = _loaded_values(path)
    assert (loaded.scrollback, loaded.theme) == (500, "gruvbox")
    again = make_app(server.port, nick="alice", **values)
    async with again.run_test(size=(120, 40)) as pilot:
        await joined(pilot, again)
        assert again.theme == "gruvbox"
        assert again.chat.model.conversations.scrollback == 500
