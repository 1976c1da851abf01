"""`tui-chat config` prints TOML that reads back as the settings in effect, and the TOML
writer behind it and behind /set round-trips through tomllib."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cli.test_cli import run_cli
from tui_chat import toml_writer
from tui_chat.config import Settings

CONFIG = """\
# my settings
nick = "al_ice"
realname = "Al \\"the\\" Ice \\\\ \\t tab, ünïcödé"
scrollback = 500
timestamp_format = "%H:%M:%S"
notifications = false
theme = "nord"
ignore = ["spam", "*!*@bad.example"]

[servers.work]
host = "irc.example.com"
port = 7000
nick = "al"
rooms = ["#team", "#ops sekrit"]
password = "hunter2"

[servers."odd name"]
host = "::1"

[servers.libera]
host = "irc.libera.chat"
tls = true
sasl = "PLAIN"
account = "al"
sasl_password = "sasl-hunter3"

[servers.oftc]
host = "irc.oftc.net"
tls = true
sasl = "EXTERNAL"
client_cert = "/home/al/oftc.pem"
"""


def _values(s: Settings) -> tuple:
    return (s.nick, s.realname, s.room, s.scrollback, s.timestamp_format, s.notifications,
            s.theme, s.log, s.ignore, s.servers)  # fmt: skip


def test_config_prints_toml_that_reads_back_as_the_same_settings(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    original = Settings.load(path)
    assert original.problem is None

    result = run_cli("config", "--config", str(path), "--show-secrets", home=tmp_path)
    assert result.returncode == 0, result.stderr
    printed = tomllib.loads(result.stdout)  # the whole output, comments and all, is TOML
    assert printed["realname"] == 'Al "the" Ice \\ \t tab, ünïcödé'
    assert printed["ignore"] == ["spam", "*!*@bad.example"]
    pasted = tmp_path / "pasted.toml"
    pasted.write_text(result.stdout)
    again = Settings.load(pasted)
    assert again.problem is None
    assert _values(again) == _values(original)
    # Each setting is explained in a comment just above it.
    assert "# A strftime format for message timestamps" in result.stdout


def test_config_leaves_secrets_out_unless_asked(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    result = run_cli("config", "--config", str(path), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "hunter2" not in result.stdout and "sekrit" not in result.stdout
    assert "sasl-hunter3" not in result.stdout
    servers = tomllib.loads(result.stdout)["servers"]
    work = servers["work"]
    assert work["rooms"] == ["#team", "#ops"]
    assert "password" not in work
    assert servers["libera"] == {
        "host": "irc.libera.chat",
        "port": 6697,
        "rooms": [],
        "tls": True,
        "sasl": "PLAIN",
        "account": "al",
    }


def test_config_output_stays_toml_whatever_the_file_and_paths_hold(tmp_path):
    # A quoted key with a newline is named in the problem line; a newline in a directory
    # name appears in the header. Neither may break out of its comment.
    odd_home = tmp_path / "home\nnick = 'injected'"
    path = tmp_path / "config.toml"
    path.write_text('"bad\\nkey = 1" = 2\nroom = "#ok"\n')
    result = run_cli("config", "--config", str(path), home=odd_home)
    assert result.returncode == 0, result.stderr
    printed = tomllib.loads(result.stdout)
    assert printed["room"] == "#ok"
    assert printed["nick"] != "injected"
    assert "unknown setting" in result.stdout


def test_config_bad_option_is_one_line_and_exit_2(tmp_path):
    result = run_cli("config", "--show-secret-sauce", home=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "unrecognized arguments" in result.stderr
    # The option that exists is accepted.
    ok = run_cli("config", "--show-secrets", home=tmp_path)
    assert ok.returncode == 0, ok.stderr
    tomllib.loads(ok.stdout)


_keys = st.text(min_size=1, max_size=12)
_scalars = (
    st.text(max_size=40)
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.dates()
    | st.datetimes(timezones=st.just(UTC))
)
_values_st = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_keys, _values_st, max_size=6))
def test_writer_round_trips_through_tomllib(data):
    text = toml_writer.document(data)
    assert tomllib.loads(text) == data


def test_writer_writes_arrays_of_tables_and_dates():
    data = {
        "a": 1,
        "servers": [{"host": "x", "more": {"k": [1, 2]}}, {"host": "y"}],
        "when": date(2026, 1, 2),
        "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "t": {"u": {"v": "w\x00\x7f\u2028"}},
    }
    assert tomllib.loads(toml_writer.document(data)) == data
