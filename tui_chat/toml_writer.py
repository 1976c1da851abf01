"""A small TOML writer for the values a config file holds (the stdlib reads TOML but cannot
write it).

Strings, booleans, integers, floats, dates and times, arrays and tables, nested as TOML allows.
Every string is written as a basic string with control characters escaped, so nothing a value
holds can end a line or start a new key. What comes out reads back with :mod:`tomllib` as the
same data; the tests check that round trip.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f"}
_ESCAPES["\r"] = "\\r"


def string(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def key(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else string(name)


def value(v: object) -> str:
    """One value in TOML syntax; TypeError for a type TOML has no way to write."""
    if isinstance(v, bool):  # before int: bool is an int
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return string(v)
    if isinstance(v, datetime | date | time):
        return v.isoformat()
    if isinstance(v, Mapping):
        inner = ", ".join(f"{key(str(k))} = {value(item)}" for k, item in v.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(v, Sequence):
        return "[" + ", ".join(value(item) for item in v) + "]"
    raise TypeError(f"TOML cannot hold a {type(v).__name__}")


def _is_table_array(v: object) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(item, Mapping) for item in v)


def document(data: Mapping[str, object]) -> str:
    """A whole TOML document: plain keys first, then each table under its ``[header]``."""
    lines: list[str] = []
    _table(data, [], lines)
    return "\n".join(lines) + "\n" if lines else ""


def _table(data: Mapping[str, object], path: list[str], lines: list[str]) -> None:
    # Plain keys must come before any sub-table header, or they would land in that sub-table.
    for name, v in data.items():
        if not isinstance(v, Mapping) and not _is_table_array(v):
            lines.append(f"{key(name)} = {value(v)}")
    for name, v in data.items():
        header = ".".join(key(part) for part in [*path, name])
        if isinstance(v, Mapping):
            if lines:
                lines.append("")
            lines.append(f"[{header}]")
            _table(v, [*path, name], lines)
        elif _is_table_array(v):
            assert isinstance(v, list)
            for item in v:
                if lines:
                    lines.append("")
                lines.append(f"[[{header}]]")
                _table(item, [*path, name], lines)
