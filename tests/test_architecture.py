"""The import rules of README's Architecture section, as a checked contract.

Every import statement in tui_chat/ (function-level ones included) is resolved to the module it
names, and each layer may only reach the layers below it:

    ui      -> client, server (to host a room), irc, config
    client  -> irc
    server  -> irc
    irc     -> nothing of ours

and nothing below `ui` imports Textual or Rich.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tui_chat"

# layer -> layers of ours it may import ("tui_chat" is the root package: __version__ only)
ALLOWED: dict[str, set[str]] = {
    "irc": {"irc"},
    "client": {"client", "irc", "tui_chat"},
    "server": {"server", "irc", "tui_chat"},
    "ui": {"ui", "client", "server", "irc", "config", "tui_chat"},
}
UI_FRAMEWORKS = {"textual", "rich"}


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path = PACKAGE) -> list[tuple[int, str]]:
    """Every absolute module name an import in ``path`` reaches, with its line."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
    return found


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "tui_chat":
        return None
    return parts[1] if len(parts) > 1 else "tui_chat"


def violations(root: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        own_layer = layer_of(module_name(path, root))
        if own_layer not in ALLOWED:
            continue  # cli.py, config.py, __main__.py wire the layers together
        for line, target in imported_modules(path, root):
            where = f"{path.relative_to(root.parent)}:{line} imports {target}"
            target_layer = layer_of(target)
            if target_layer is None:
                if own_layer != "ui" and target.split(".")[0] in UI_FRAMEWORKS:
                    found.append(f"{where}: only ui may import Textual or Rich")
            elif target_layer not in ALLOWED[own_layer]:
                found.append(f"{where}: {own_layer} may not import {target_layer}")
    return found


def test_every_import_follows_the_layering() -> None:
    assert violations() == []


def test_the_checker_catches_a_broken_rule(tmp_path: Path) -> None:
    # The contract is only as good as its checker: plant each kind of violation in a copy.
    fake = tmp_path / "tui_chat"
    for layer in ("irc", "client", "server"):
        (fake / layer).mkdir(parents=True)
        (fake / layer / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "client" / "bad.py").write_text("def f():\n    from ..server import state\n")
    (fake / "server" / "bad.py").write_text("import textual.app\n")
    (fake / "irc" / "bad.py").write_text("from tui_chat.client import events\n")
    found = violations(fake)
    assert len(found) == 3, found
    assert any("client may not import server" in v for v in found)
    assert any("only ui may import Textual" in v for v in found)
    assert any("irc may not import client" in v for v in found)


@pytest.mark.parametrize("module", ["tui_chat.server", "tui_chat.client.client", "tui_chat.cli"])
def test_headless_layers_load_without_textual(module: str) -> None:
    # `tui-chat serve` on a box with no terminal must not pay for (or need) the UI stack.
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m in {UI_FRAMEWORKS!r}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
