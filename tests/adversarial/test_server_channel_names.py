"""Room names with controls, bidi or invisible characters are refused at JOIN (479)."""

from __future__ import annotations

import pytest

from .server_helpers import connect, make_server, server  # noqa: F401

SPOOFS = [
    "#a\x01b",  # C0 (CTCP delimiter)
    "#bold\x02",  # mIRC formatting
    "#del\x7f",
    "#c1\x85x",  # C1 (NEL)
    "#evil\u202egnp.exe",  # right-to-left override
    "#iso\u2066x\u2069",
    "#mark\u200f",
    "#alm\u061c",
    "#zero\u200bwidth",
    "#bom\ufeff",
]


@pytest.mark.parametrize("name", SPOOFS)
def test_spoofing_room_names_are_refused(connect, name):  # noqa: F811
    c, watcher = connect("joiner"), connect("watcher")
    c.send(f"JOIN {name}")
    c.expect("479")
    watcher.send("LIST")
    listed = watcher.collect("323")
    assert [m for m in listed if m.command == "322"] == []


def test_ordinary_unicode_room_names_still_work(connect):  # noqa: F811
    c = connect("joiner")
    c.join("#café-日本")
