"""One module per topic, one function per IRC command; importing this registers them all.

A new command is one function decorated with :func:`..registry.command` in the module of its
topic (or a new module listed here) and one test.
"""

from . import (
    accounts,
    channels,
    chathistory,
    messages,
    modes,
    monitor,
    multiline,
    oper,
    queries,
    read_marker,
    redaction,
    registration,
    search,
    setname,
)

__all__ = [
    "accounts",
    "channels",
    "chathistory",
    "messages",
    "modes",
    "monitor",
    "multiline",
    "oper",
    "queries",
    "read_marker",
    "redaction",
    "registration",
    "search",
    "setname",
]
