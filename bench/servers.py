"""Start the IRC servers under test as subprocesses, and read their CPU time and memory.

Every server listens on 127.0.0.1 with a port chosen for it, has its flood protection and
connection limits switched off or raised as far as its configuration allows, and runs in its own
process group so that `stop()` can always take it down. Temporary configs live in a
`tempfile.TemporaryDirectory` owned by the `RunningServer`.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
START_TIMEOUT = 15.0


class ServerUnavailable(Exception):
    """The server is not installed (shown as such in the table, not an error)."""


class ServerStartError(Exception):
    """The server is installed but did not start listening in time."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _find(*candidates: str | Path) -> str | None:
    for candidate in candidates:
        path = Path(candidate)
        if path.is_absolute():
            if path.exists() and os.access(path, os.X_OK):
                return str(path)
        elif found := shutil.which(str(candidate)):
            return found
    return None


@dataclass
class RunningServer:
    name: str
    proc: subprocess.Popen
    host: str
    port: int
    tmp: tempfile.TemporaryDirectory
    stderr_path: Path
    notes: list[str] = field(default_factory=list)
    tls: bool = False  # addr is a TLS port: clients handshake first

    @property
    def addr(self) -> tuple[str, int]:
        return self.host, self.port

    def alive(self) -> bool:
        return self.proc.poll() is None

    def cpu_seconds(self) -> float:
        """utime + stime of the server process (all its threads), from /proc/<pid>/stat."""
        with open(f"/proc/{self.proc.pid}/stat", "rb") as f:
            stat = f.read()
        fields = stat[stat.rindex(b")") + 2 :].split()
        # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def rss_kib(self) -> int:
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def exit_info(self) -> str:
        """Why the server died: its exit status and the last meaningful line it wrote."""
        code = self.proc.poll()
        tail = ""
        try:
            lines = [
                ln.strip()
                for ln in self.stderr_path.read_text(errors="replace").splitlines()
                if ln.strip()
            ]
            if lines:
                tail = lines[-1][:160]
        except OSError:
            pass
        status = f"exit status {code}" if code is not None else "still running"
        return f"{status}{': ' + tail if tail else ''}"

    def stop(self) -> None:
        try:
            if self.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGTERM)
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(timeout=5)
            else:
                # The leader exited; make sure nothing it forked lingers.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
        finally:
            for stream in (self.proc.stdout, self.proc.stderr):
                if stream is not None:
                    stream.close()
            self.tmp.cleanup()


def _spawn(argv: list[str], tmp: tempfile.TemporaryDirectory, *, pipe_stdout: bool = False):
    """Start `argv` in its own session; stderr (and stdout unless piped) go to a log file."""
    stderr_path = Path(tmp.name) / "server.log"
    stderr_file = open(stderr_path, "wb")  # noqa: SIM115 - handed to the child
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if pipe_stdout else stderr_file,
            stderr=stderr_file,
            cwd=tmp.name,
            start_new_session=True,
        )
    finally:
        stderr_file.close()
    return proc, stderr_path


def _wait_connectable(server: RunningServer, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise ServerStartError(f"{server.name} exited: {server.exit_info()}")
        try:
            with socket.create_connection(server.addr, timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise ServerStartError(f"{server.name} did not accept connections within {timeout:.0f} s")


def _discard(stream) -> None:
    try:
        while stream.read(65536):
            pass
    except (OSError, ValueError):
        pass


def start_tui_chat(
    history: bool = True,
    tls: bool = False,
    max_clients: int = 20_000,
    data_dir: Path | None = None,
) -> RunningServer:
    """tui-chat as `tui-chat serve` runs by default, with history (in a temporary data dir);
    ``history=False`` adds --no-history, for the history on/off comparison. The plaintext port
    is measured, unless ``tls``: then the TLS port (self-signed certificate in the data dir).
    ``max_clients``: the connections phase sets it to exactly what it fills.
    ``data_dir``: an existing data dir instead of a fresh one (the history-at-size phase)."""
    exe = _find(VENV_BIN / "tui-chat", "tui-chat")
    if exe is None or not (REPO / "tui_chat" / "server" / "__init__.py").exists():
        raise ServerUnavailable("not installed (tui_chat/server missing)")
    tmp = tempfile.TemporaryDirectory(prefix="bench-tui-chat-")
    help_text = subprocess.run(
        [exe, "serve", "--help"], capture_output=True, text=True, timeout=30
    ).stdout
    argv = [exe, "serve", "--bind", "127.0.0.1", "--port", "0", "--flood-limit", "off"]
    argv += os.environ.get("BENCH_TUI_CHAT_ARGS", "").split()  # investigation aid
    if profile := os.environ.get("BENCH_PROFILE_DIR"):
        # Investigation aid: run the server under cProfile; it writes the profile when it exits
        # on SIGTERM. Not used by `make bench`.
        out = Path(profile) / f"tui-chat-{int(time.time() * 1000)}.prof"
        argv = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "tui_chat", *argv[1:]]
    if not history:
        argv.append("--no-history")
    elif "--data-dir" in help_text:
        argv += ["--data-dir", str(data_dir or Path(tmp.name) / "data")]
    if tls:
        argv += ["--tls-port", "0", "--data-dir", str(Path(tmp.name) / "data")]
    elif "--no-tls" in help_text:
        argv.append("--no-tls")  # the plaintext figures; TLS is measured on its own
    if "--max-clients" in help_text:
        argv += ["--max-clients", str(max_clients)]
    proc, stderr_path = _spawn(argv, tmp, pipe_stdout=True)
    server = RunningServer("tui-chat", proc, "127.0.0.1", 0, tmp, stderr_path, tls=tls)
    banner = rb"listening with TLS on " if tls else rb"listening on "
    address = re.compile(re.escape(banner) + rb"\[?([0-9a-fA-F.:]+?)\]?:(\d+)")
    deadline = time.monotonic() + START_TIMEOUT
    buf = b""
    try:
        fd = proc.stdout.fileno()
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                buf += chunk
                match = address.search(buf)
                if match:
                    server.port = int(match.group(2))
                    # Keep the pipe drained so a chatty server never blocks or gets EPIPE.
                    threading.Thread(target=_discard, args=(proc.stdout,), daemon=True).start()
                    return server
            if not server.alive():
                break
        raise ServerStartError(
            f"tui-chat did not print 'listening on' within {START_TIMEOUT:.0f} s "
            f"({server.exit_info()}; stdout {buf[-200:]!r})"
        )
    except BaseException:
        server.stop()
        raise


def start_miniircd() -> RunningServer:
    exe = _find(VENV_BIN / "miniircd", "miniircd")
    if exe is None:
        raise ServerUnavailable("not installed")
    tmp = tempfile.TemporaryDirectory(prefix="bench-miniircd-")
    port = free_port()
    argv = [exe, "--listen", "127.0.0.1", "--ports", str(port)]
    if os.geteuid() == 0:
        argv += ["--setuid", "nobody"]  # miniircd refuses to run as root
    proc, stderr_path = _spawn(argv, tmp)
    server = RunningServer("miniircd", proc, "127.0.0.1", port, tmp, stderr_path)
    server.notes.append("select() loop; no flood control to disable")
    try:
        _wait_connectable(server)
    except BaseException:
        server.stop()
        raise
    return server


NGIRCD_CONF = """\
[Global]
    Name = bench.ngircd.local
    Info = tui-chat benchmark peer
    Listen = 127.0.0.1
    Ports = {port}
    MotdPhrase = bench
    PidFile = {tmp}/ngircd.pid
    ServerUID = {uid}
    ServerGID = {gid}

[Limits]
    MaxConnections = 0
    MaxConnectionsIP = 0
    MaxJoins = 0
    MaxNickLength = 30
    MaxPenaltyTime = 0
    MaxListSize = 0
    PingTimeout = 3600
    PongTimeout = 3600
    ConnectRetry = 60
    IdleTimeout = 0

[Options]
    DNS = no
    Ident = no
    PAM = no
    OperCanUseMode = yes
    SyslogFacility = local7
    ConnectIPv6 = no
    ConnectIPv4 = yes

[SSL]
"""


def start_ngircd() -> RunningServer:
    exe = _find("/usr/sbin/ngircd", "ngircd")
    if exe is None:
        raise ServerUnavailable("not installed")
    tmp = tempfile.TemporaryDirectory(prefix="bench-ngircd-")
    port = free_port()
    conf = Path(tmp.name) / "ngircd.conf"
    conf.write_text(NGIRCD_CONF.format(port=port, tmp=tmp.name, uid=os.getuid(), gid=os.getgid()))
    proc, stderr_path = _spawn([exe, "-n", "-f", str(conf)], tmp)
    server = RunningServer("ngircd", proc, "127.0.0.1", port, tmp, stderr_path)
    server.notes.append("MaxPenaltyTime=0 (command penalties off); per-client sendq fixed")
    try:
        _wait_connectable(server)
    except BaseException:
        server.stop()
        raise
    return server


INSPIRCD_CONF = """\
<server name="bench.inspircd.local" description="tui-chat benchmark peer" network="Bench">
<admin name="bench" nick="bench" email="bench@localhost">
<bind address="127.0.0.1" port="{port}" type="clients">
<connect name="bench" allow="127.0.0.1" timeout="60" threshold="1000000" pingfreq="3600"
         hardsendq="67108864" softsendq="16777216" recvq="1048576"
         localmax="100000" globalmax="100000" maxconnwarn="no" resolvehostnames="no"
         useident="no" fakelag="no" commandrate="4294967295" limit="100000" maxchans="100">
<connect allow="*" timeout="60" limit="100000" localmax="100000" globalmax="100000"
         resolvehostnames="no" fakelag="no" commandrate="4294967295" threshold="1000000">
<files motd="{tmp}/motd.txt">
<pid file="{tmp}/inspircd.pid">
<channels users="100" opers="100">
<dns server="127.0.0.1" timeout="1">
<options prefixquit="Quit: " syntaxhints="no" announcets="yes" hostintopic="yes">
<security hideserver="" userstats="Pu" maxtargets="20">
<performance quietbursts="yes" softlimit="{softlimit}" somaxconn="4096"
             netbuffersize="65536" clonesonconnect="no" timeskipwarn="0">
<limits maxnick="30" maxchan="64" maxmodes="20" maxident="11" maxquit="255"
        maxtopic="307" maxkick="255" maxreal="128" maxgecos="128" maxaway="200">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="{tmp}/ircd.log">
"""


def start_inspircd() -> RunningServer:
    exe = _find("/usr/sbin/inspircd", "inspircd")
    if exe is None:
        raise ServerUnavailable("not installed")
    import resource

    tmp = tempfile.TemporaryDirectory(prefix="bench-inspircd-")
    port = free_port()
    (Path(tmp.name) / "motd.txt").write_text("bench\n")
    conf = Path(tmp.name) / "inspircd.conf"
    softlimit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    conf.write_text(INSPIRCD_CONF.format(port=port, tmp=tmp.name, softlimit=softlimit))
    argv = [exe, "--nofork", "--config", str(conf)]
    if os.geteuid() == 0:
        argv.append("--runasroot")
    proc, stderr_path = _spawn(argv, tmp)
    server = RunningServer("inspircd", proc, "127.0.0.1", port, tmp, stderr_path)
    server.notes.append("fakelag off, threshold/commandrate at maximum, recvq 1 MiB")
    try:
        _wait_connectable(server)
    except BaseException:
        server.stop()
        raise
    return server


STARTERS = {
    "tui-chat": start_tui_chat,
    "miniircd": start_miniircd,
    "ngircd": start_ngircd,
    "inspircd": start_inspircd,
}
