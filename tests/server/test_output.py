"""Every write to a client goes through server/output.py's Output, which keeps streams in order."""

from __future__ import annotations

import ast
from pathlib import Path

from tui_chat.server import output

SERVER = Path(output.__file__).resolve().parent


def _writes(path: Path) -> list[str]:
    """Appends to a client's output buffer or dirty list in ``path`` (line: code)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.AugAssign)
            and isinstance(node.target, ast.Attribute)
            and node.target.attr == "outbuf"
        ) or (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "append"
            and ast.unparse(node.func.value).endswith("dirty")
        ):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_only_output_appends_to_client_buffers():
    """A write elsewhere could overtake a pending channel batch: lines out of order."""
    offenders = {
        str(path.relative_to(SERVER)): writes
        for path in sorted(SERVER.rglob("*.py"))
        if path.name != "output.py" and (writes := _writes(path))
    }
    assert offenders == {}
    assert _writes(SERVER / "output.py")  # the check does see writes where they are


def test_channel_lines_and_membership_keep_order(connect):
    """Lines batched for a channel reach the members of the moment, before what follows."""
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    alice.join("#order")
    bob.join("#order")
    # One packet, handled in one loop pass: relayed lines (batched) around alice leaving and
    # coming back. bob sees them in the order alice sent them.
    alice.send_raw(
        b"PRIVMSG #order :one\r\nPRIVMSG #order :two\r\nPART #order\r\n"
        b"JOIN #order\r\nPRIVMSG #order :three\r\nPRIVMSG #order :four\r\n"
    )
    seen = bob.collect(lambda m: m.command == "PRIVMSG" and m.params[1] == "four")
    events = [(m.command, m.params[-1]) for m in seen if m.command in ("PRIVMSG", "PART", "JOIN")]
    assert events == [
        ("PRIVMSG", "one"),
        ("PRIVMSG", "two"),
        ("PART", "#order"),
        ("JOIN", "#order"),
        ("PRIVMSG", "three"),
        ("PRIVMSG", "four"),
    ]
    carol.join("#order")
    alice.send("PRIVMSG #order :five")
    assert carol.expect("PRIVMSG").params[1] == "five"  # nothing from before carol joined
