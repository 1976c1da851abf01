"""The command table: one spec per command, every check made once by dispatch, no import cycle."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from tui_chat.server import registry

from .ircclient import TestClient

SERVER = Path(registry.__file__).resolve().parent


def _runtime_imports(path: Path) -> set[str]:
    """Modules of tui_chat.server that ``path`` imports when run (TYPE_CHECKING blocks skipped)."""
    module = ".".join(path.relative_to(SERVER.parent.parent).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    if path.name == "__init__.py":
        module = package
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            # ``from . import handlers`` names a module, not an attribute.
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    own = {_module_name(p) for p in SERVER.rglob("*.py")}
    return {m for m in found if m in own and m != module}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SERVER.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_registry_is_a_leaf_and_the_server_imports_form_no_cycle():
    graph = {_module_name(p): _runtime_imports(p) for p in SERVER.rglob("*.py")}
    assert graph["tui_chat.server.registry"] == set()
    for name, imports in graph.items():
        if name.startswith("tui_chat.server.handlers"):
            assert "tui_chat.server.server" not in imports, name
    # Depth-first search for a back edge.
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for dep in sorted(graph.get(name, ())):
            if state.get(dep) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path, name, dep]))
            if dep not in state:
                visit(dep, [*path, name])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_every_command_has_a_spec_with_a_handler():
    from tui_chat.server import server  # noqa: F401  (importing it registers the handlers)

    expected = {
        *("PASS", "NICK", "USER", "CAP", "PING", "PONG", "QUIT", "JOIN", "PART", "TOPIC"),
        *("NAMES", "LIST", "KICK", "INVITE", "PRIVMSG", "NOTICE", "TAGMSG", "AWAY", "WHO"),
        *("WHOIS", "WHOWAS", "ISON", "USERHOST", "MOTD", "LUSERS", "VERSION", "TIME", "INFO"),
        *("OPER", "KILL", "WALLOPS", "MODE", "CHATHISTORY", "REDACT", "BATCH", "SEARCH"),
        *("REGISTER", "VERIFY", "AUTHENTICATE"),
        *("SETNAME", "MONITOR"),
        "MARKREAD",
    }
    assert set(registry.COMMANDS) == expected
    for name, spec in registry.COMMANDS.items():
        assert spec.name == name and callable(spec.handler)
    oper_only = {n for n, s in registry.COMMANDS.items() if s.oper_only}
    assert oper_only == {"KILL", "WALLOPS"}


def test_dispatch_makes_every_check_of_every_spec(make_server):
    """For each spec: 451 before registration, 481 for non-operators, 461 for missing params."""
    server = make_server(flood_limit=False, garbage_limit_unregistered=1000)
    early = TestClient(server.port)
    user = TestClient(server.port)
    try:
        user.register("plain")
        for name, spec in sorted(registry.COMMANDS.items()):
            if not spec.before_registration:
                early.send(f"{name} a b c d e")
                reply = early.expect(lambda m: m.command in ("451", "461") or m.command == "PONG")
                assert reply.command == "451", name
            if spec.oper_only:
                user.send(f"{name} a b c d e")
                user.expect("481")
            elif spec.min_params:
                user.send(" ".join([name, *["x"] * (spec.min_params - 1)]))
                reply = user.expect("461")
                assert reply.params[1] == name
        user.send("PING :still-here")
        user.expect("PONG")
    finally:
        early.close()
        user.close()


def test_a_new_command_is_one_function_and_its_spec(make_server, monkeypatch):
    calls: list[tuple[str, ...]] = []

    def cmd_echo(srv, c, msg) -> None:
        calls.append(msg.params)
        srv.out.reply(c, "300", "echo", *msg.params)

    spec = registry.CommandSpec("ECHO", cmd_echo, min_params=1, oper_only=True)
    monkeypatch.setitem(registry.COMMANDS, "ECHO", spec)
    server = make_server(opers={"root": "pw"})
    c = TestClient(server.port)
    try:
        c.register("newcomer")
        c.send("ECHO hi")
        c.expect("481")  # the spec's oper_only, checked by dispatch
        c.send("OPER root pw")
        c.expect("381")
        c.send("ECHO")
        c.expect("461")
        c.send("ECHO hi there")
        reply = c.expect("300")
        assert reply.params[1:] == ("echo", "hi", "there")
        assert calls == [("hi", "there")]
    finally:
        c.close()


def test_two_handlers_for_one_command_are_refused(monkeypatch):
    monkeypatch.setattr(registry, "COMMANDS", dict(registry.COMMANDS))
    with pytest.raises(ValueError):
        registry.command("PING")(lambda srv, c, msg: None)
    spec = registry.lookup("PING")
    assert spec is not None and dataclasses.is_dataclass(spec)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.min_params = 5  # type: ignore[misc]
