"""Reading config.toml: defaults, typed values, named servers, and problems named by line."""

from __future__ import annotations

from tui_chat.config import DEFAULT_CONFIG_TEXT, NamedServer, Settings, ensure_config_file


def test_missing_file_gives_defaults(tmp_path):
    settings = Settings.load(tmp_path / "none.toml")
    assert settings.problem is None
    assert settings.room == "#lobby"
    assert settings.scrollback == 10_000
    assert settings.log is True


def test_commented_template_is_valid_and_changes_nothing(tmp_path):
    path = tmp_path / "config.toml"
    assert ensure_config_file(path)
    assert not ensure_config_file(path)  # never overwrites
    assert path.read_text() == DEFAULT_CONFIG_TEXT
    settings = Settings.load(path)
    assert settings.problem is None
    assert settings.describe() == Settings(path=path).describe()


def test_values_and_named_servers(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        'nick = "alice"\nscrollback = 500\nnotifications = false\nignore = ["spam"]\n'
        '[servers.work]\nhost = "irc.example.com"\nport = 7000\nnick = "al"\n'
        'rooms = ["#team", "#ops key"]\npassword = "pw"\n'
    )
    settings = Settings.load(path)
    assert settings.problem is None
    assert (settings.nick, settings.scrollback, settings.notifications) == ("alice", 500, False)
    assert settings.ignore == ("spam",)
    assert settings.server("work") == NamedServer(
        "work", "irc.example.com", 7000, "al", ("#team", "#ops key"), "pw"
    )
    assert settings.server("home") is None


def test_bad_values_are_named_by_line_and_the_rest_still_applies(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        'realname = "Al"\nnick = "9lives"\nscrollback = "lots"\n[servers.x]\nport = 1\n'
    )
    settings = Settings.load(path)
    assert settings.realname == "Al"
    assert settings.nick != "9lives"
    assert settings.scrollback == 10_000
    assert "line 2: nick" in settings.problem
    assert "line 3: scrollback" in settings.problem
    assert "[servers.x]: needs host" in settings.problem


def test_syntax_error_names_the_line_and_uses_defaults(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('nick = "alice"\n\nroom = \n')
    settings = Settings.load(path)
    assert "line 3" in settings.problem
    assert settings.nick != "alice"
