"""ChatApp must not shadow the App methods Textual itself calls."""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap

from textual.app import App

from tui_chat.ui.app import ChatApp


def test_no_private_app_method_is_redefined_with_another_signature():
    # Textual's stdout/stderr capture calls app._flush(stderr=...) whenever anything in the
    # process (a logging handler, a library's print) flushes; a same-named method of ours with
    # another signature raises there. Check ChatApp and the mixins it is built from.
    ours = ChatApp.__mro__[: ChatApp.__mro__.index(App)]
    clashes = [
        f"{cls.__name__}.{name}"
        for cls in ours
        for name, method in vars(cls).items()
        if name.startswith("_")
        and not name.startswith("__")
        and callable(getattr(App, name, None))
        and callable(method)
        and inspect.signature(method) != inspect.signature(getattr(App, name))
    ]
    assert clashes == []


# -- no name of ours shadows one Textual uses ------------------------------------------------
#
# ChatApp once kept the rooms being closed in ``self._closing``, Textual's "this pump is shutting
# down" flag: after /close the app dropped every key and message for good. Any attribute or
# method our App/Screen/Widget subclasses define (in the class body or as ``self.X = ...``
# anywhere in their code, mixins included) must not be a name Textual uses, except the hooks
# Textual asks subclasses to override and its public reactives/properties, which we may set.

# Hooks Textual documents for overriding (the ``on_``/``action_``/``watch_`` families too).
OVERRIDE_HOOKS = frozenset(
    {
        "BINDINGS",
        "COMPONENT_CLASSES",
        "CSS_PATH",
        "DEFAULT_CSS",
        "ENABLE_COMMAND_PALETTE",
        "TITLE",
        "can_focus",
        "can_focus_children",
        "check_action",
        "compose",
        "notify_style_update",
        "render",
        "render_line",
    }
)
# Private Textual methods we override on purpose, each calling or replacing the original knowingly.
PRIVATE_OVERRIDES = frozenset(
    {
        ("ChatInput", "_on_key"),  # resets Tab completion, then calls Input._on_key
        ("ChatInput", "_on_paste"),  # multi-line paste, else Input._on_paste
        ("ChatInput", "_watch_value"),  # Input._watch_value minus the layout per keystroke
    }
)


def _is_hook(name: str) -> bool:
    return name in OVERRIDE_HOOKS or name.startswith(("on_", "action_", "watch_", "_on_"))


def _our_classes() -> list[type]:
    from textual.message_pump import MessagePump

    import tui_chat.ui.message_log
    import tui_chat.ui.screens
    import tui_chat.ui.search_actions
    import tui_chat.ui.widgets  # noqa: F401  (loads every widget module)

    found: set[type] = set()
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("tui_chat.ui"):
            continue
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and issubclass(obj, MessagePump)
                and obj.__module__.startswith("tui_chat")
            ):
                found.add(obj)
    return sorted(found, key=lambda c: c.__qualname__)


def _self_assigned(cls: type) -> set[str]:
    """Every ``self.X`` assigned (plain, augmented, annotated, tuple) in ``cls``'s own source."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    # A private override that copies Textual's method sets Textual's own attributes, knowingly.
    copied = {
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and (cls.__name__, node.name) in PRIVATE_OVERRIDES
    }
    for node in copied:
        node.body = []
    names: set[str] = set()
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        while targets:
            target = targets.pop()
            if isinstance(target, ast.Tuple | ast.List):
                targets.extend(target.elts)
            elif (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                names.add(target.attr)
    return names


def _textual_base(cls: type) -> type:
    return next(k for k in cls.__mro__ if k.__module__.startswith("textual."))


def _textual_names(base: type, instance_names: set[str]) -> set[str]:
    from textual.app import App
    from textual.dom import DOMNode
    from textual.message_pump import MessagePump
    from textual.screen import Screen
    from textual.widget import Widget

    names = set(instance_names)
    for cls in (base, App, Screen, Widget, MessagePump, DOMNode):
        names |= set(dir(cls))
    return names


def _settable_api(base: type, name: str) -> bool:
    """A public reactive or property of Textual's: assigning it is using the API, not shadowing."""
    attr = inspect.getattr_static(base, name, None)
    return not name.startswith("_") and hasattr(type(attr), "__set__")


async def _textual_instance_names() -> dict[type, set[str]]:
    """Instance attributes Textual itself sets, from plain running instances of each base."""
    from textual.app import App
    from textual.screen import ModalScreen, Screen

    bases = {_textual_base(cls) for cls in _our_classes()}
    widgets = [b() for b in bases if not issubclass(b, App | Screen)]
    names: dict[type, set[str]] = {}

    class Plain(App[None]):
        def compose(self):
            yield from widgets

    app = Plain()
    async with app.run_test() as pilot:
        modal = ModalScreen[None]()
        await app.push_screen(modal)
        await pilot.pause()
        names[App] = set(vars(app))
        names[Screen] = set(vars(app.screen_stack[0]))
        names[ModalScreen] = set(vars(modal))
        for widget in widgets:
            names[type(widget)] = set(vars(widget))
    return names


async def test_no_attribute_or_method_shadows_a_textual_name(make_app, server):
    from textual.app import App
    from textual.screen import ModalScreen, Screen

    instance_names = await _textual_instance_names()
    clashes = []
    for cls in _our_classes():
        base = _textual_base(cls)
        if issubclass(base, App):
            kind: type = App
        elif issubclass(base, ModalScreen):
            kind = ModalScreen
        elif issubclass(base, Screen):
            kind = Screen
        else:
            kind = base
        textual = _textual_names(base, instance_names.get(kind, set()))
        metaclass_made = set(vars(type("Probe", (base,), {})))
        for own in cls.__mro__[: cls.__mro__.index(base)]:
            if own.__module__.startswith("textual."):
                continue
            defined = (set(vars(own)) - metaclass_made) | _self_assigned(own)
            for name in sorted(defined & textual):
                if name.startswith("__") or (_is_hook(name) and not name.startswith("_on_")):
                    continue
                if (cls.__name__, name) in PRIVATE_OVERRIDES or _settable_api(base, name):
                    continue
                clashes.append(f"{own.__qualname__}.{name}")

    # The running app too: whatever it grew at run time must not be a Textual class attribute.
    app = make_app(server.port)
    async with app.run_test() as pilot:
        await pilot.pause()
        grown = set(vars(app)) - instance_names[App]
        textual = _textual_names(App, set())
        clashes += [
            f"ChatApp instance .{name}"
            for name in sorted(grown & textual)
            if not _settable_api(App, name)
        ]
        await pilot.press("ctrl+q")
    assert sorted(set(clashes)) == []
