"""Saving one setting into config.toml (what /set does) keeps everything else in the file."""

from __future__ import annotations

import tomllib

import pytest

from tui_chat.config import (
    DEFAULT_CONFIG_TEXT,
    SettingError,
    Settings,
    ensure_config_file,
    parse_setting,
    save_setting,
    setting_names,
)

USER_FILE = """\
# my own notes, keep me
nick = "alice"   # the nick I like
ignore = [
  "spam",   # a bot
  "eggs",
]
theme = "nord"

[servers.work]
host = "irc.example.com"
theme = "not a top-level key"
"""


def test_changing_a_key_keeps_comments_and_other_keys(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE)
    save_setting(path, "theme", "gruvbox")
    text = path.read_text()
    assert "# my own notes, keep me" in text
    assert "# a bot" in text
    assert 'theme = "gruvbox"\n' in text
    data = tomllib.loads(text)
    assert data["theme"] == "gruvbox"
    assert data["servers"]["work"]["theme"] == "not a top-level key"
    assert data["ignore"] == ["spam", "eggs"]
    assert Settings.load(path).theme == "gruvbox"


def test_a_multi_line_value_is_replaced_whole(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE)
    save_setting(path, "ignore", ("*!*@bad.example",))
    text = path.read_text()
    assert '"eggs"' not in text
    assert "# my own notes, keep me" in text
    data = tomllib.loads(text)
    assert data["ignore"] == ["*!*@bad.example"]
    assert data["nick"] == "alice"


def test_a_new_key_goes_under_its_commented_example_in_the_template(tmp_path):
    path = tmp_path / "config.toml"
    ensure_config_file(path)
    save_setting(path, "timestamp_format", "%H:%M:%S")
    text = path.read_text()
    lines = text.splitlines()
    at = lines.index('timestamp_format = "%H:%M:%S"')
    assert lines[at - 1].startswith("# timestamp_format =")
    # Every comment of the template is still there.
    template_comments = [x for x in DEFAULT_CONFIG_TEXT.splitlines() if x.startswith("#")]
    assert [x for x in lines if x.startswith("#")] == template_comments
    assert Settings.load(path).timestamp_format == "%H:%M:%S"


def test_a_new_key_goes_above_the_first_table(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[servers.work]\nhost = "h"\n')
    save_setting(path, "scrollback", 500)
    data = tomllib.loads(path.read_text())
    assert data["scrollback"] == 500
    assert data["servers"] == {"work": {"host": "h"}}
    missing = tmp_path / "sub" / "new.toml"
    save_setting(missing, "log", False)
    assert tomllib.loads(missing.read_text()) == {"log": False}


def test_an_unusual_layout_is_rewritten_with_every_value_kept(tmp_path):
    path = tmp_path / "config.toml"
    # A key in single quotes is not found by its line, so a line edit would define it twice:
    # the file is rewritten from its values instead, and none may be lost.
    path.write_text(
        '# gone after a rewrite\n\'theme\' = "x"\nnick = "bob"\n'
        'servers = { work = { host = "h", port = 7000 } }\n'
    )
    save_setting(path, "theme", "nord")
    data = tomllib.loads(path.read_text())
    assert data == {
        "nick": "bob",
        "theme": "nord",
        "servers": {"work": {"host": "h", "port": 7000}},
    }


def test_a_broken_file_is_never_overwritten(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('nick = "alice"\nroom = \n')
    with pytest.raises(SettingError, match="line 2"):
        save_setting(path, "theme", "nord")
    assert path.read_text() == 'nick = "alice"\nroom = \n'


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("notifications", "off", False),
        ("notifications", "ON", True),
        ("scrollback", "500", 500),
        ("timestamp_format", "%H:%M:%S", "%H:%M:%S"),
        ("timestamp_format", '"%H:%M "', "%H:%M "),
        ("ignore", "spam, *!*@bad.example", ("spam", "*!*@bad.example")),
        ("ignore", '["a", "b"]', ("a", "b")),
        ("room", "#dev", "#dev"),
    ],
)
def test_values_as_typed(name, text, value):
    assert parse_setting(name, text) == value


@pytest.mark.parametrize(
    ("name", "text", "why"),
    [
        ("colour", "red", "No setting named 'colour'"),
        ("notifications", "maybe", "should be on or off"),
        ("scrollback", "lots", "should be a whole number"),
        ("scrollback", "5", "between 100 and 1000000"),
        ("nick", "9lives", "not a valid nick"),
        ("room", "no spaces", "not a valid room name"),
        ("timestamp_format", '"%H\\n"', "no control characters"),
        ("timestamp_format", "x" * 500, "at most 200 characters"),
        ("ignore", " ".join(f"n{i}" for i in range(101)), "at most 100 entries"),
        ("theme", '"unterminated', "not a value TOML can read"),
    ],
)
def test_bad_names_and_values_are_refused_clearly(name, text, why):
    with pytest.raises(SettingError, match=why):
        parse_setting(name, text)


def test_every_settings_field_is_a_setting():
    # Generic over the dataclass: a field added to Settings is a setting without more code.
    assert set(setting_names()) == {
        f for f in Settings.__dataclass_fields__ if f not in ("path", "problem", "servers")
    }
