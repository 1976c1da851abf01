"""Every key binding in tui_chat/ui and every row of the help screen's key table has a test in
tests/terminal that presses it as a terminal sends it (marked with ``covers(...)``).

A new Binding or help row without such a test fails here: add the test (and the bytes to
``harness.KEYS``) rather than an exception.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

from textual.binding import Binding

import tui_chat.ui as ui_package
from tui_chat.ui.screens.help import KEYS as HELP_KEYS


def binding_names() -> set[str]:
    """The id of every Binding declared in tui_chat.ui (``Class:key`` when it has none)."""
    names: set[str] = set()
    for info in pkgutil.walk_packages(ui_package.__path__, ui_package.__name__ + "."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            for binding in cls.__dict__.get("BINDINGS", ()):
                if isinstance(binding, Binding):
                    names.add(binding.id or f"{cls.__qualname__}:{binding.key}")
    return names


def covered_names() -> set[str]:
    names: set[str] = set()
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        module = importlib.import_module(f"{__package__}.{path.stem}")
        for _, function in inspect.getmembers(module, inspect.isfunction):
            for mark in getattr(function, "pytestmark", ()):
                if mark.name == "covers":
                    names.update(mark.args)
    return names


def test_every_binding_and_help_row_is_pressed_in_a_terminal_test() -> None:
    wanted = binding_names() | {f"help:{key}" for key, _ in HELP_KEYS}
    assert len(wanted) > 20  # the walk found the app's bindings
    covered = covered_names()
    assert sorted(wanted - covered) == []
    assert sorted(covered - wanted) == []  # no test claims a key that is gone
