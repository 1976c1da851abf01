"""No name of ours reuses one Textual defines on App, Screen, Widget, MessagePump or DOMNode.

ChatApp._closing (our set of rooms) once overwrote MessagePump._closing and froze the app after
/close. Overriding a documented public hook (compose, on_mount, render, action_quit...) is how
Textual is meant to be used: those are listed in PUBLIC_HOOKS; every other clash fails, and so
does any instance attribute of ours that lands on a Textual name.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

from textual.app import App
from textual.dom import DOMNode
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.widget import Widget

import tui_chat.ui as ui_package
from tui_chat.ui import textual_compat

from .demo import DemoApp

PUBLIC_HOOKS = frozenset(
    {
        "BINDINGS",
        "COMPONENT_CLASSES",
        "CSS",
        "DEFAULT_CSS",
        "CSS_PATH",
        "ENABLE_COMMAND_PALETTE",
        "TITLE",
        "action_dismiss",
        "action_end",
        "action_quit",
        "check_action",
        "compose",
        "get_content_height",
        "get_default_screen",
        "notify_style_update",
        "on_click",
        "on_mount",
        "on_ready",
        "on_resize",
        "on_unmount",
        "render",
        "render_line",
        "watch_scroll_y",
    }
)
TEXTUAL_BASES = (App, Screen, Widget, MessagePump, DOMNode)


def textual_names() -> set[str]:
    names: set[str] = set()
    for cls in TEXTUAL_BASES:
        names |= set(dir(cls))
    return names


def our_classes() -> list[type]:
    for info in pkgutil.walk_packages(ui_package.__path__, ui_package.__name__ + "."):
        importlib.import_module(info.name)
    found: set[type] = set()
    for module_name, module in list(importlib.sys.modules.items()):  # type: ignore[attr-defined]
        if not module_name.startswith("tui_chat.ui") or module is textual_compat:
            continue
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if obj.__module__.startswith("tui_chat.ui") and issubclass(obj, MessagePump):
                found.add(obj)
    return sorted(found, key=lambda c: c.__qualname__)


def generated(cls: type) -> set[str]:
    """What Textual's metaclass machinery puts in every subclass's namespace."""
    return set(vars(type("Probe", (textual_base(cls),), {})))


def test_our_classes_define_no_textual_name_except_public_hooks():
    taken = textual_names()
    clashes = [
        f"{cls.__module__}.{cls.__qualname__}.{name}"
        for cls in our_classes()
        for name in set(vars(cls)) - generated(cls)
        if not name.startswith("__")
        and name in taken
        and name not in PUBLIC_HOOKS
        and not name.startswith(("on_", "watch_", "action_", "_on_"))
    ]
    assert clashes == []


def test_handler_like_names_of_ours_are_public_hooks_not_private_textual_ones():
    # A private Textual handler (_on_key, _watch_value...) overridden outside textual_compat
    # (where FastInput overrides Input's mouse handlers, each with its reason).
    taken = textual_names()
    clashes = [
        f"{cls.__qualname__}.{name}"
        for cls in our_classes()
        if cls.__module__ != textual_compat.__name__
        for name in set(vars(cls)) - generated(cls)
        if name.startswith("_") and not name.startswith("__") and name in taken
    ]
    assert clashes == []


def textual_base(cls: type) -> type:
    return next(c for c in cls.__mro__ if c.__module__.startswith("textual"))


async def test_no_instance_attribute_lands_on_a_textual_name():
    # What Textual itself sets on a running App, its Screen and a mounted Widget.
    async with App().run_test() as pilot:
        widget = Widget()
        await pilot.app.mount(widget)
        taken = textual_names() | set(vars(pilot.app)) | set(vars(pilot.app.screen))
        taken |= set(vars(widget))
    app = DemoApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("ctrl+f")  # mounts the search bar and results too
        await pilot.pause()
        nodes = [app, *app.screen_stack, *app.screen.walk_children(with_self=False)]
        ours = [n for n in nodes if type(n).__module__.startswith(("tui_chat", "tests"))]
        # The same Textual base classes, mounted bare: the attributes they set themselves.
        bases = {textual_base(type(n)) for n in ours}
        base_attrs: dict[type, set[str]] = {App: set(vars(App()))}
        host = pilot.app
        for base in bases - {App}:
            if issubclass(base, Screen):
                base_attrs[base] = set(vars(host.screen))
                continue
            try:
                bare = base()
            except TypeError:
                bare = None
            if bare is not None:
                await host.screen.mount(bare)
                base_attrs[base] = set(vars(bare))
                await bare.remove()
        clashes = sorted(
            f"{type(n).__qualname__}.{name}"
            for n in ours
            for name in vars(n)
            if name in taken
            and name not in base_attrs.get(textual_base(type(n)), set())
            and name not in set(vars(host.screen)) | set(vars(host))
        )
        await pilot.press("escape", "ctrl+q")
    assert clashes == []


async def test_no_attribute_our_code_assigns_on_self_is_a_textual_name():
    """Every ``self.NAME = ...`` in a method of our App/Screen/Widget classes: Textual sets
    names like ``_closing`` on every instance, so only the source tells whose a name is."""
    import ast

    async with App().run_test() as pilot:
        widget = Widget()
        await pilot.app.mount(widget)
        taken = textual_names() | set(vars(pilot.app)) | set(vars(pilot.app.screen))
        taken |= set(vars(widget))
    pumps = {cls.__qualname__: cls for cls in our_classes()}
    clashes = []
    for path in Path(ui_package.__file__).parent.rglob("*.py"):
        if path.name == "textual_compat.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ClassDef) or node.name not in pumps:
                continue
            for sub in ast.walk(node):
                targets = (
                    sub.targets
                    if isinstance(sub, ast.Assign)
                    else [sub.target]
                    if isinstance(sub, ast.AnnAssign | ast.AugAssign)
                    else []
                )
                for target in targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == "self"
                        and target.attr in taken
                        and target.attr not in SETTABLE
                    ):
                        clashes.append(f"{path.name}:{sub.lineno} self.{target.attr}")
    assert clashes == []


# Public Textual attributes that are meant to be assigned (styles and state Textual exposes).
SETTABLE = frozenset(
    {
        "border_title",
        "cursor_blink",
        "cursor_position",
        "display",
        "highlighted",
        "theme",
        "value",
        "virtual_size",
    }
)
