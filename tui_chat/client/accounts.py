"""Account registration from the client (``draft/account-registration``): the server's answers
to ``REGISTER``, put into words. The password is never part of them."""

from __future__ import annotations

from tui_chat.irc import Message


def register_reply(msg: Message) -> str:
    """``REGISTER SUCCESS <account> :<message>`` or ``REGISTER VERIFICATION_REQUIRED ...``."""
    result, account = msg.param(0).upper(), msg.param(1)
    if result == "SUCCESS":
        return (
            f"Account {account} registered; you are logged in to it. To log in to it"
            f' automatically, give this server sasl = "PLAIN", account = "{account}" and'
            " sasl_password in its [servers.NAME] table of config.toml."
        )
    if result == "VERIFICATION_REQUIRED":
        return f"Account {account} needs verifying: {msg.params[-1]}"
    return " ".join(msg.params)
