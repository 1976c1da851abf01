"""Recently used servers for the connect screen: a small JSON file in the user data dir."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

MAX_RECENT = 10
FILE_NAME = "recent_servers.json"


@dataclass(frozen=True, slots=True)
class RecentServer:
    host: str
    port: int
    nick: str
    room: str

    @property
    def label(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}  {self.room}  as {self.nick}"


def load_recent(directory: Path) -> list[RecentServer]:
    """The remembered servers, newest first; a missing or broken file gives an empty list."""
    try:
        raw = json.loads((directory / FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    servers: list[RecentServer] = []
    if not isinstance(raw, list):
        return servers
    for item in raw[:MAX_RECENT]:
        try:
            server = RecentServer(
                host=str(item["host"]),
                port=int(item["port"]),
                nick=str(item["nick"]),
                room=str(item["room"]),
            )
        except (KeyError, TypeError, ValueError):
            continue
        servers.append(server)
    return servers


def remember(directory: Path, server: RecentServer) -> None:
    """Put ``server`` first in the list (dropping an older entry for the same host and port)."""
    servers = [server] + [
        s
        for s in load_recent(directory)
        if (s.host.lower(), s.port) != (server.host.lower(), server.port)
    ]
    try:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / FILE_NAME
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps([asdict(s) for s in servers[:MAX_RECENT]], indent=1), "utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # remembering is a convenience; never fail a connection over it
