"""Command line: ``tui-chat [host|join|serve]``. Parses arguments and wires the parts together.

``serve`` must not import Textual (it starts in a fraction of a second on a headless box), so
the UI is imported only by the subcommands that need it.
"""

from __future__ import annotations

import argparse
import math
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from . import __version__
from .irc.casemap import is_valid_channel, is_valid_nick
from .irc.limits import DEFAULT_PORT, DEFAULT_ROOM, DEFAULT_TLS_PORT


def _number(
    text: str, kind: type[int] | type[float], what: str, low: float, high: float = math.inf
) -> float:
    """Parse a finite int or float option in [low, high]; argparse shows the message on one
    line."""
    try:
        value: float = kind(text)
    except ValueError:
        noun = "a whole number" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"not {noun}: {text!r}") from None
    if not (low <= value <= high and math.isfinite(value)):  # NaN fails the comparison
        raise argparse.ArgumentTypeError(f"{what}: {text}")
    return value


def port_number(text: str) -> int:
    return int(_number(text, int, "port out of range 0-65535", 0, 65535))


def positive_int(text: str) -> int:
    return int(_number(text, int, "must be at least 1", 1))


def non_negative_int(text: str) -> int:
    return int(_number(text, int, "must not be negative", 0))


def non_negative_float(text: str) -> float:
    return _number(text, float, "must be a finite number, not negative", 0)


def nick_arg(text: str) -> str:
    if not is_valid_nick(text):
        raise argparse.ArgumentTypeError(
            f"not a valid nick: {text!r} "
            "(letters, digits and -[]\\`_^{|}, not starting with a digit or -)"
        )
    return text


def room_arg(text: str) -> str:
    if not text.startswith(("#", "&")):
        text = "#" + text
    if not is_valid_channel(text):
        raise argparse.ArgumentTypeError(f"not a valid room name: {text!r}")
    return text


def oper_arg(text: str) -> tuple[str, str]:
    name, sep, password = text.partition(":")
    if not sep or not name or not password:
        raise argparse.ArgumentTypeError(f"expected NAME:PASSWORD, got {text!r}")
    return name, password


def on_off(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("on", "yes", "true", "1"):
        return True
    if lowered in ("off", "no", "false", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected on or off, got {text!r}")


def host_port(text: str) -> tuple[str, int]:
    """``HOST``, ``HOST:PORT``, ``[v6]`` or ``[v6]:PORT``; a bare IPv6 literal works too."""
    from .client.address import BadAddress, split_host_port

    try:
        return split_host_port(text.strip(), DEFAULT_PORT)
    except BadAddress as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class _Parser(argparse.ArgumentParser):
    """argparse that prints one line (not the usage block) and exits 2 on a bad argument."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


COMMANDS = ("host", "join", "config", "serve")


def chosen_command(argv: list[str]) -> str | None:
    """The subcommand ``argv`` names, found without parsing: the first word that is not an
    option or ``--config``'s value; "" when there is none (bare ``tui-chat``). None when the
    line is unusual (then every subcommand is built and argparse decides)."""
    rest = iter(argv)
    for word in rest:
        if word == "--config":
            next(rest, None)
        elif word == "--":
            return None
        elif not word.startswith("-"):
            return word if word in COMMANDS else None
    return ""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``only`` (a command, or "" for none), the other subcommands
    are listed (for ``--help``) but their options are not built: a start-up builds what it
    parses (``serve`` alone has 20 options)."""
    parser = _Parser(prog="tui-chat", description="Terminal chat over IRC, with its own server.")
    parser.add_argument("--version", action="version", version=f"tui-chat {__version__}")
    parser.add_argument("--config", type=Path, help="config file (default: platform config dir)")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    def client_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--nick", type=nick_arg, help="your nick (default: config, else login)")
        p.add_argument("--room", type=room_arg, help=f"room to join (default {DEFAULT_ROOM})")
        p.add_argument("--password", help="server password")
        p.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
        p.add_argument("--no-log", action="store_true", help="write no chat logs this time")

    def tls_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--tls-port", type=port_number, default=DEFAULT_TLS_PORT, help="TLS port (default 6697)"
        )
        p.add_argument("--no-tls", action="store_true", help="no TLS port: plaintext only")
        p.add_argument(
            "--tls-cert",
            type=Path,
            metavar="PEM",
            help="certificate chain (default: a self-signed one made in the data dir)",
        )
        p.add_argument(
            "--tls-key", type=Path, metavar="PEM", help="private key (default: in --tls-cert)"
        )

    host = sub.add_parser("host", help="start a room on this machine and join it")
    if only in (None, "host"):
        _host_options(host, tls_options, client_options)
    join = sub.add_parser("join", help="join a room on another machine (any IRC server)")
    if only in (None, "join"):
        _join_options(join, client_options)
    config = sub.add_parser(
        "config", help="print the settings in effect as TOML to paste into the config file"
    )
    if only in (None, "config"):
        config.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
        config.add_argument(
            "--show-secrets", action="store_true", help="include server passwords and room keys"
        )
    serve = sub.add_parser("serve", help="run the chat server alone, without the app")
    if only in (None, "serve"):
        _serve_options(serve, tls_options)
    return parser


def _host_options(
    host: argparse.ArgumentParser,
    tls_options: Callable[[argparse.ArgumentParser], None],
    client_options: Callable[[argparse.ArgumentParser], None],
) -> None:
    host.add_argument("--bind", default="", help="address to listen on (default: all)")
    host.add_argument(
        "--port", type=port_number, default=DEFAULT_PORT, help="plaintext port (default 6667)"
    )
    tls_options(host)
    host.add_argument(
        "--data-dir",
        type=Path,
        help="where the room's history.sqlite3 is kept (default: the platform's user data dir)",
    )
    host.add_argument(
        "--no-history", action="store_true", help="keep no history (no history database is written)"
    )
    client_options(host)


def _join_options(
    join: argparse.ArgumentParser, client_options: Callable[[argparse.ArgumentParser], None]
) -> None:
    join.add_argument(
        "server",
        metavar="HOST[:PORT]|URL|NAME",
        help="address, ircs://HOST[:PORT]/ROOM#sha256=… as `host` prints it, or a server named "
        "in the config",
    )
    join.add_argument("--tls", action="store_true", help="connect with TLS (default port 6697)")
    join.add_argument(
        "--insecure",
        action="store_true",
        help="with TLS, accept any certificate (the header says so)",
    )
    client_options(join)


def _serve_options(
    serve: argparse.ArgumentParser, tls_options: Callable[[argparse.ArgumentParser], None]
) -> None:
    serve.add_argument("--bind", default="", help="address to listen on (default: all)")
    serve.add_argument(
        "--port",
        "--plain-port",
        dest="port",
        type=port_number,
        default=DEFAULT_PORT,
        help="plaintext port (default 6667)",
    )
    serve.add_argument(
        "--no-plain", action="store_true", help="no plaintext port: TLS clients only"
    )
    tls_options(serve)
    serve.add_argument("--server-name", help="server name (default: this host's name)")
    serve.add_argument("--password", help="password clients must send (PASS)")
    serve.add_argument("--motd", type=Path, help="file with the message of the day")
    serve.add_argument(
        "--oper",
        type=oper_arg,
        action="append",
        default=[],
        metavar="NAME:PASSWORD",
        help="operator credentials for OPER (repeatable)",
    )
    serve.add_argument(
        "--data-dir",
        type=Path,
        help="where history.sqlite3 is kept (default: the platform's user data dir)",
    )
    serve.add_argument(
        "--no-history", action="store_true", help="keep no history (no history database is written)"
    )
    serve.add_argument(
        "--history-days",
        type=non_negative_float,
        default=30.0,
        metavar="DAYS",
        help="forget messages older than this (default 30, 0 = never)",
    )
    serve.add_argument(
        "--history-limit",
        type=non_negative_int,
        default=10_000,
        metavar="N",
        help="messages kept per channel (default 10000, 0 = no limit)",
    )
    serve.add_argument(
        "--history-private",
        action="store_true",
        help="store private messages too (default: channels only)",
    )
    serve.add_argument(
        "--history-lag",
        type=non_negative_float,
        default=0.05,
        metavar="SECONDS",
        help=argparse.SUPPRESS,  # how long SQLite may lag the journal (tests set it long)
    )
    serve.add_argument(
        "--history-replay",
        type=non_negative_int,
        default=50,
        metavar="N",
        help="messages replayed to a client joining a channel (default 50, 0 = off)",
    )
    serve.add_argument("--max-clients", type=positive_int, default=20_000, help="default 20000")
    serve.add_argument(
        "--flood-limit",
        type=on_off,
        default=True,
        metavar="on|off",
        help="throttle clients that flood (default on)",
    )
    serve.add_argument(
        "--max-per-ip",
        type=positive_int,
        default=16,
        help="connections per address, loopback exempt (default 16)",
    )
    serve.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        default="info",
        help="what to log to stderr (default info: connections and errors)",
    )


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(only=chosen_command(words))
    args = parser.parse_args(words)
    if args.command == "serve":
        return _serve(parser, args)
    if args.command == "config":
        return _config(args)
    return _app(parser, args)


def _config(args: argparse.Namespace) -> int:
    from .config import (
        Settings,
        config_toml,
        data_dir,
        default_config_path,
        ensure_config_file,
        log_dir,
    )

    path = args.config or default_config_path()
    created = args.config is None and ensure_config_file(path)
    settings = Settings.load(path)
    state = "created with comments" if created else ("exists" if path.exists() else "missing")
    # Where things are goes in comments, so the whole output can be pasted into the file.
    header = [
        "tui-chat settings in effect; paste into the config file to keep them.",
        f"config file: {path} ({state})",
        f"log dir:     {log_dir()}",
        f"data dir:    {data_dir()}",
    ]
    if settings.problem:
        header.append(f"problem:     {settings.problem}")
    sys.stdout.write(config_toml(settings, header, secrets=args.show_secrets))
    return 0


def tls_files(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> tuple[Path, Path] | None:
    """``--tls-cert``/``--tls-key`` as (certificate, key): either names the other's file when
    it holds both; None without them. With ``--no-tls`` they are a one-line error (exit 2)."""
    if not (args.tls_cert or args.tls_key):
        return None
    if args.no_tls:
        parser.error("--tls-cert/--tls-key with --no-tls")
    cert = args.tls_cert or args.tls_key
    return cert, args.tls_key or cert


def _serve(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from .config import data_dir
    from .server import ServerConfig, run_server

    if args.no_plain and args.no_tls:
        parser.error("--no-plain and --no-tls leave nothing to listen on")
    files = tls_files(parser, args)
    data = args.data_dir or data_dir()
    config = ServerConfig(
        bind=args.bind,
        port=args.port,
        plain=not args.no_plain,
        tls_port=None if args.no_tls else args.tls_port,
        tls_cert=files[0] if files else None,
        tls_key=files[1] if files else None,
        tls_dir=data,
        server_name=args.server_name or socket.gethostname() or "tui-chat",
        password=args.password,
        motd_path=args.motd,
        opers=dict(args.oper),
        # The standalone server keeps history by default, in the user data dir; the embedded
        # one (ServerThread) only when given a data_dir.
        data_dir=data,
        history=not args.no_history,
        history_days=args.history_days,
        history_limit=args.history_limit,
        history_private=args.history_private,
        history_lag=args.history_lag,
        history_replay=args.history_replay,
        max_clients=args.max_clients,
        max_per_ip=args.max_per_ip,
        flood_limit=args.flood_limit,
    )
    return run_server(config, log_level=args.log_level.upper())


def _app(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from .config import Settings, default_config_path, ensure_config_file

    if args.config is None:
        ensure_config_file(default_config_path())
    settings = Settings.load(args.config)
    command = args.command or "connect"
    rooms = None
    tls = sasl = None
    if command == "join":
        from .client.address import BadAddress, parse_target

        named = settings.server(args.server)
        use_tls, pin = args.tls or args.insecure, None
        if named is not None:
            server_host, server_port = named.host, named.port
            use_tls = use_tls or named.tls
            if named.sasl is not None:
                from .client.sasl import SaslConfig

                sasl = SaslConfig(named.sasl, named.account or "", named.sasl_password or "")
            args.nick = args.nick or named.nick
            args.password = args.password or named.password
            if args.room is None and named.rooms:
                rooms = named.rooms  # all of them, with their keys; the first is shown
        else:
            try:
                target = parse_target(args.server, tls=use_tls)
            except BadAddress as exc:
                parser.error(f"argument HOST[:PORT]|URL|NAME: {exc}")
            server_host, server_port, pin = target.host, target.port, target.pin
            use_tls = target.tls
            args.room = args.room or target.room
        if use_tls:
            from .client.tls import TLSPolicy
            from .config import data_dir

            tls = TLSPolicy(
                verify=not args.insecure,
                pin=pin,
                pins_path=data_dir() / "known_servers",
                client_cert=named.client_cert if named is not None else None,
            )
    elif command == "host":
        server_host, server_port = args.bind, args.port
    else:
        server_host, server_port = None, DEFAULT_PORT
    # A hosted room (host, or "Host a room" on the connect screen) keeps history like serve.
    history_dir = None
    if command != "join" and not getattr(args, "no_history", False):
        from .config import data_dir

        history_dir = getattr(args, "data_dir", None) or data_dir()
    # The certificate of a hosted room is kept even without history: invites pin it.
    tls_port = tls_dir = None
    files = tls_files(parser, args) if command == "host" else None
    if (command == "host" and not args.no_tls) or command == "connect":
        # A room hosted from the connect screen listens with TLS too, on the default port.
        from .config import data_dir

        tls_port = args.tls_port if command == "host" else DEFAULT_TLS_PORT
        tls_dir = getattr(args, "data_dir", None) or data_dir()
    from .ui import run_app

    return run_app(
        mode=command,
        host=server_host,
        port=server_port,
        nick=getattr(args, "nick", None),
        room=getattr(args, "room", None),
        password=getattr(args, "password", None),
        settings=settings,
        rooms=rooms,
        log=False if getattr(args, "no_log", False) else None,
        data_dir=history_dir,
        tls=tls,
        tls_port=tls_port,
        tls_dir=tls_dir,
        sasl=sasl,
        tls_files=files,
    )


if __name__ == "__main__":
    sys.exit(main())
