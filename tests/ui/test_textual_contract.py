"""ChatApp must not shadow the App methods Textual itself calls."""

from __future__ import annotations

import inspect

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
