"""Every knob of the server in one frozen structure (Ergo-style: limits and defaults together)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..irc.limits import DEFAULT_PORT

VERSION = f"tui-chat-{__version__}"  # as RPL_MYINFO and VERSION name this server
# One server, so no "&" (server-local) channels: they would only add a second namespace for
# lookalike room names. ISUPPORT, JOIN and history all use this one value.
CHANTYPES = "#"


@dataclass(frozen=True)
class ServerConfig:
    bind: str = ""  # "" = all interfaces (dual-stack IPv6 when available)
    port: int = DEFAULT_PORT  # the plaintext port; 0 = ephemeral
    plain: bool = True  # False: no plaintext listener (--no-plain)
    # TLS listens on tls_port (None: no TLS listener; 0: ephemeral) with tls_cert/tls_key, or,
    # without them, with a self-signed certificate kept in tls_dir (made on first run).
    tls_port: int | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_dir: Path | None = None
    server_name: str = "tui-chat.local"
    network: str = "tui-chat"
    password: str | None = None
    motd_path: Path | None = None
    opers: dict[str, str] = field(default_factory=dict)  # name -> password
    # History lives in data_dir / "history.sqlite3". None means no history at all: tests and
    # the embedded app never write into the user's real data dir unless they ask to
    # (``tui-chat serve`` passes the platformdirs default).
    data_dir: Path | None = None
    history: bool = True  # False: --no-history, even with a data_dir
    history_days: float = 30  # 0 = no age limit
    history_limit: int = 10_000  # per channel; 0 = no count limit
    history_private: bool = False  # store private messages too
    history_replay: int = 50  # messages replayed on JOIN; 0 = off
    chathistory_max: int = 500  # most messages one CHATHISTORY request returns (ISUPPORT)
    history_prune_interval: float = 60.0  # seconds between retention passes
    history_checkpoint_interval: float = 2.0  # seconds between checks whether a checkpoint is due
    # Seconds SQLite may lag the history journal (HistoryStore.settle); reads never see a lag.
    history_lag: float = 0.05
    max_clients: int = 20_000
    max_per_ip: int = 16
    # Loopback is exempt so one machine can run benchmarks; tests turn this off to hit the limit.
    exempt_loopback: bool = True
    flood_limit: bool = True
    # Token bucket: a client may send flood_burst commands at once, then flood_rate per second.
    flood_burst: int = 20
    flood_rate: float = 5.0
    # TAGMSG (typing notifications) also draws on its own bucket, per target: it carries up to
    # 4 KB of client tags to every member, and a typist sends one per 3 s. Past it, dropped.
    tagmsg_burst: int = 10
    tagmsg_rate: float = 1.0
    registration_timeout: float = 30.0
    ping_interval: float = 90.0
    ping_timeout: float = 150.0
    sendq_limit: int = 1 << 20
    # A wrong OPER password holds that client's input for base * 2**(failures-1) seconds.
    oper_fail_delay: float = 1.0
    # Wrong OPER or connection passwords per source address (a leaky bucket, so it decays):
    # past auth_fail_limit, every attempt from there is refused, right password or not, until
    # one failure per auth_fail_decay seconds has drained. Many connections guess no faster.
    auth_fail_limit: int = 5
    auth_fail_decay: float = 30.0
    whowas_size: int = 1000
    # Malformed lines (bad UTF-8, NUL, unknown or premature commands): a registered client is
    # closed when more than garbage_limit arrive within garbage_window seconds (a leaky bucket,
    # so a long-lived client's rare mistakes never add up); before registration, which is
    # bounded by registration_timeout anyway, garbage_limit_unregistered in all.
    garbage_limit: int = 20
    garbage_window: float = 10.0
    garbage_limit_unregistered: int = 10
    # draft/multiline: what one batch may hold (the CAP value says so), and how long it may stay
    # open before it is dropped.
    multiline_max_bytes: int = 8192
    multiline_max_lines: int = 100
    multiline_timeout: float = 60.0
    # Closed connections get this long to read their ERROR line before the socket is dropped.
    close_linger: float = 2.0
    # Accounts (draft/account-registration, SASL PLAIN): stored in data_dir when history is
    # kept there, else in memory for the server's lifetime.
    account_registration: bool = True  # False: REGISTER refused, existing accounts still log in
    scrypt_n: int = 1 << 14  # scrypt cost (a power of two): ~80 ms per hash, off the loop thread
    max_accounts: int = 10_000
    # New accounts per source address (an IPv6 /64 is one): a leaky bucket that holds
    # registrations_per_ip and drains one per registration_decay seconds.
    registrations_per_ip: int = 3
    registration_decay: float = 1200.0
    sasl_attempts: int = 3  # failed logins on one connection before it is closed
    kdf_queue: int = 16  # password hashes queued or running at once; past it, "try later"
    # A registered account's name is a reserved nick: anyone else holding it is renamed after
    # nick_grace seconds unless they log in to it (0: the nick is refused to them outright).
    nick_enforcement: bool = True
    nick_grace: float = 30.0
    # Read markers (draft/read-marker) kept per account; past it the least recently set goes.
    read_markers_per_account: int = 500
