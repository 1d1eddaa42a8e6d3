"""Benchmark fresh servers with bench.load and print a table (`make bench`, `make bench-compare`).

For each server: start it in a temp dir pinned to one CPU (``taskset -c 0``),
measure start-to-first-answer (process spawn to the first 200 on
``/_matrix/client/versions``) and idle RSS (``VmRSS`` after --settle seconds)
on a fresh data dir, stop it, start it again on the same data dir (a restart)
and measure the same, then run each HS256 scenario with the generator pinned
to the other CPU (``taskset -c 1``, C=32). login-rs256 runs against a second
fresh server whose ``jwt_config`` has the RS256 public key of a key pair made
for this run. Finally the bare Starlette/uvicorn app (bench/bare.py) is run
the same way for the whoami ceiling.

    python -m bench.run                    # Tessera only
    python -m bench.run --compare          # Synapse, then Tessera, side by side
    python -m bench.run --duration 5 --json-out results.json

--compare needs Synapse in $SYNAPSE_VENV (default ~/.cache/peers/synapse-venv;
``make bench-compare`` installs it with ../shared/peers/synapse/setup-venv.sh)
and starts it with ../shared/peers/synapse/start.sh (NO_RATELIMIT=1,
CPU_AFFINITY=<server cpu>, the same JWT secret/algorithm as the generator).

Only processes started here are ever signalled, by their PID.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.load import HS256_SCENARIOS, VERSIONS, write_rs256_keypair
from bench.rooms import MAX_USERS
from bench.rooms import SCENARIOS as ROOM_SCENARIOS

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT.parent / "shared" / "peers" / "synapse"
SYNAPSE_VENV = Path(os.environ.get("SYNAPSE_VENV", Path.home() / ".cache/peers/synapse-venv"))
MIB = 1024 * 1024

# (scenario, minimum Tessera/Synapse throughput ratio); None: reported, no target
RATE_TARGETS: list[tuple[str, float | None]] = [
    ("login-new", 15.0),
    ("login-existing", 10.0),
    ("whoami", 4.0),
    ("bad-signature", 5.0),
    ("mixed", None),
    ("login-rs256", None),
    ("send", 10.0),
    ("sync-fanout", 10.0),
    ("initial-sync", 10.0),
    ("messages", 10.0),
]
# What a room scenario's "rate" counts (the login scenarios count requests).
RATE_UNITS = {
    "send": "messages/s",
    "sync-fanout": "sustained messages/s (p99 < 1 s)",
    "initial-sync": "initial syncs/s",
    "messages": "500-event walks/s",
}
# (scenario, maximum Tessera/Synapse p99 ratio)
P99_TARGETS: list[tuple[str, float | None]] = [
    ("login-new", 0.1),
    ("login-existing", 0.1),
    ("login-rs256", None),
    ("sync-fanout", 0.1),
]
P99_UNITS = {"sync-fanout": "delivery p99 ms at 10 messages/s"}
# Idle RSS after a run with room scenarios, as a fraction of Synapse's at most.
ROOMS_RSS_RATIO = 1 / 3
IDLE_RSS_TARGET_MIB = 48.0
START_TARGET_S = 0.5
CEILING_TARGET = 0.70


# ---------------------------------------------------------------------------
# Processes and /proc


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def boottime() -> float:
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def process_started_at(pid: int) -> float:
    """When the process was forked, in CLOCK_BOOTTIME seconds (10 ms resolution)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[19]) / os.sysconf("SC_CLK_TCK")


def proc_status_kib(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def versions_ok(port: int) -> bool:
    """One GET /_matrix/client/versions; True on a 200."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(
                f"GET {VERSIONS} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            return sock.recv(16).startswith((b"HTTP/1.1 200", b"HTTP/1.0 200"))
    except OSError:
        return False


def wait_first_answer(port: int, alive: Callable[[], bool], timeout: float) -> float:
    """Poll every 5 ms; the CLOCK_BOOTTIME instant of the first 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if versions_ok(port):
            return boottime()
        if not alive():
            raise RuntimeError("the server exited during startup")
        time.sleep(0.005)
    raise RuntimeError(f"no 200 on {VERSIONS} after {timeout:.0f} s")


def pin(cpu: int | None) -> list[str]:
    return ["taskset", "-c", str(cpu)] if cpu is not None else []


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"({path} unreadable)"


# ---------------------------------------------------------------------------
# Results


@dataclass
class Start:
    seconds: float  # spawn to first 200
    idle_rss_mib: float


@dataclass
class ServerResult:
    name: str
    version: str
    fresh: Start | None = None
    restart: Start | None = None
    rss_after_load_mib: float | None = None
    peak_rss_mib: float | None = None
    scenarios: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.private_pem, self.public_pem = write_rs256_keypair(workdir)
        self.server_cpu: int | None = args.server_cpu
        self.load_cpu: int | None = args.load_cpu

    @classmethod
    def unpinned(cls, tessera: str, startup_timeout: float, workdir: Path) -> Bench:
        """The server handling of ``bench.run`` without CPU pinning (soak, head flood)."""
        options = argparse.Namespace(
            tessera=tessera,
            startup_timeout=startup_timeout,
            settle=0.5,
            server_cpu=None,
            load_cpu=None,
        )
        return cls(options, workdir)

    def log(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    # -- load --------------------------------------------------------------

    def load(
        self,
        result: ServerResult,
        url: str,
        pid: int,
        scenarios: Sequence[str],
        *,
        secret: str | None = None,
        rs256_key: Path | None = None,
        alive: Callable[[], bool] = lambda: True,
    ) -> None:
        args = self.args
        for scenario in scenarios:
            command = [
                *pin(self.load_cpu),
                sys.executable,
                "-m",
                "bench.rooms" if scenario in ROOM_SCENARIOS else "bench.load",
                "--url",
                url,
                "--scenario",
                scenario,
                "--concurrency",
                str(args.concurrency),
                "--duration",
                str(args.duration),
                "--warmup",
                str(args.warmup),
                "--server-pid",
                str(pid),
                "--json",
            ]
            if secret is not None:
                command += ["--secret", secret]
            if rs256_key is not None:
                command += ["--rs256-key", str(rs256_key)]
            self.log(f"  {result.name}: {scenario} …")
            try:
                done = subprocess.run(
                    command,
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    timeout=args.warmup + args.duration + 300,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                result.problems.append(f"{scenario}: the load generator timed out")
                continue
            sys.stderr.write(done.stderr)
            lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
            if done.returncode != 0 or not lines:
                last = (done.stderr.strip().splitlines() or ["?"])[-1]
                result.problems.append(
                    f"{scenario}: the load generator failed ({done.returncode}): {last[:300]}"
                )
            else:
                outcome = json.loads(lines[-1])
                result.scenarios[scenario] = outcome
                if outcome["unexpected"]:
                    result.problems.append(
                        f"{scenario}: {outcome['unexpected']} unexpected statuses "
                        f"{outcome['statuses']}"
                    )
                if outcome.get("lost") or outcome.get("duplicated"):
                    result.problems.append(
                        f"{scenario}: {outcome['lost']} events lost,"
                        f" {outcome['duplicated']} duplicated"
                    )
                if outcome["pool_exhausted"]:
                    result.problems.append(f"{scenario}: {'; '.join(outcome['notes'])}")
            if not alive():
                result.problems.append(f"the server died during {scenario}")
                return

    # -- Tessera -----------------------------------------------------------

    def tessera_config(self, directory: Path, rs256: bool = False) -> tuple[Path, int, str]:
        directory.mkdir(parents=True)
        port = free_port()
        config = directory / "homeserver.yaml"
        subprocess.run(
            [self.args.tessera, "generate-config", "--port", str(port), "--output", str(config)],
            cwd=directory,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        data = yaml.safe_load(config.read_text())
        # Rate limits off, as the Synapse peer runs with NO_RATELIMIT=1: the
        # generator logs in thousands of times a second from one address.
        unlimited = {"per_second": 1_000_000, "burst_count": 1_000_000}
        data["rc_login"] = {k: unlimited for k in ("address", "account", "failed_attempts")}
        # Likewise for the room scenarios, as Synapse's are lifted (synapse_overrides).
        data["rc_message"] = unlimited
        data["rc_joins"] = {"local": unlimited, "remote": unlimited}
        if rs256:
            data["jwt_config"]["algorithm"] = "RS256"
            data["jwt_config"]["secret"] = self.public_pem.read_text()
        config.write_text(yaml.safe_dump(data, sort_keys=False))
        return config, port, str(data["jwt_config"]["secret"])

    def start_tessera(self, config: Path, port: int) -> tuple[subprocess.Popen[bytes], Start]:
        log = (config.parent / "tessera.log").open("ab")
        process = subprocess.Popen(
            [*pin(self.server_cpu), self.args.tessera, "run", "--config", str(config)],
            cwd=config.parent,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C reaches us, and we stop it
        )
        log.close()
        try:
            answered = wait_first_answer(
                port, lambda: process.poll() is None, self.args.startup_timeout
            )
            seconds = answered - process_started_at(process.pid)
            time.sleep(self.args.settle)
            rss = proc_status_kib(process.pid, "VmRSS") or 0
        except Exception:
            self.stop_tessera(process)
            self.log(tail(config.parent / "tessera.log"))
            raise
        return process, Start(seconds, rss / 1024)

    def stop_tessera(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                self.log(f"Tessera PID {process.pid} ignored SIGTERM for 15 s; killing it")
                process.kill()
                process.wait()

    def tessera(self, scenarios: Sequence[str]) -> ServerResult:
        try:
            version = importlib.metadata.version("tessera")
        except importlib.metadata.PackageNotFoundError:
            version = "?"
        result = ServerResult("Tessera", f"{version} ({git_describe()})")
        hs = [s for s in scenarios if s != "login-rs256"]
        config, port, secret = self.tessera_config(self.workdir / "tessera")
        url = f"http://127.0.0.1:{port}"
        self.log(f"Tessera: fresh start on {url} (taskset -c {self.server_cpu})")
        process, result.fresh = self.start_tessera(config, port)
        self.stop_tessera(process)
        self.log("Tessera: restart on the same data dir")
        process, result.restart = self.start_tessera(config, port)
        try:
            self.load(
                result,
                url,
                process.pid,
                hs,
                secret=secret,
                alive=lambda: process.poll() is None,
            )
            time.sleep(self.args.settle)  # idle RSS after the run
            result.rss_after_load_mib = (proc_status_kib(process.pid, "VmRSS") or 0) / 1024
            result.peak_rss_mib = (proc_status_kib(process.pid, "VmHWM") or 0) / 1024
        finally:
            self.stop_tessera(process)
        if process.returncode not in (0, -15):
            result.problems.append(f"Tessera exited with {process.returncode}")
        self.check_log(result, config.parent / "tessera.log")
        if "login-rs256" in scenarios:
            config, port, _ = self.tessera_config(self.workdir / "tessera-rs256", rs256=True)
            self.log("Tessera: RS256 server")
            process, _start = self.start_tessera(config, port)
            try:
                self.load(
                    result,
                    f"http://127.0.0.1:{port}",
                    process.pid,
                    ["login-rs256"],
                    rs256_key=self.private_pem,
                    alive=lambda: process.poll() is None,
                )
            finally:
                self.stop_tessera(process)
            self.check_log(result, config.parent / "tessera.log")
        return result

    def check_log(self, result: ServerResult, log: Path) -> None:
        try:
            text = log.read_text(errors="replace")
        except OSError:
            return
        # " ERROR " matches both Tessera's and Synapse's (" - ERROR - ") log formats
        errors = [line for line in text.splitlines() if " ERROR " in line or "Traceback" in line]
        if errors:
            result.problems.append(
                f"{log.parent.name}: {len(errors)} ERROR/Traceback lines in its log, "
                f"first: {errors[0][:200]}"
            )

    # -- Synapse -----------------------------------------------------------

    def synapse_env(self, data: Path, port: int, **jwt: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            SYNAPSE_VENV=str(self.args.synapse_venv),
            PORT=str(port),
            DATA=str(data),
            NO_RATELIMIT="1",
            STARTUP_TIMEOUT=str(int(self.args.startup_timeout)),
            **jwt,
        )
        if self.server_cpu is not None:
            env["CPU_AFFINITY"] = str(self.server_cpu)
        return env

    def start_synapse(self, env: dict[str, str]) -> tuple[int, Start, str]:
        data, port = Path(env["DATA"]), int(env["PORT"])
        starter = subprocess.Popen(
            ["bash", str(self.args.peers / "start.sh")],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        answered: float | None = None
        started_at = 0.0
        try:
            answered = wait_first_answer(
                port,
                lambda: starter.poll() in (None, 0),
                self.args.startup_timeout + 60,
            )
            started_at = process_started_at(int((data / "synapse.pid").read_text()))
        except (RuntimeError, OSError) as exc:
            self.log(f"Synapse did not answer: {exc}")
        out, err = starter.communicate(timeout=self.args.startup_timeout + 60)
        if starter.returncode != 0:
            raise RuntimeError(f"start.sh failed ({starter.returncode}): {err.strip()}")
        reported = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        pid = int(reported["PID"])
        if answered is None:
            self.stop_synapse(pid, data)
            raise RuntimeError("Synapse did not answer on /_matrix/client/versions")
        seconds = answered - started_at
        time.sleep(self.args.settle)
        rss = proc_status_kib(pid, "VmRSS") or 0
        return pid, Start(seconds, rss / 1024), reported.get("STARTUP_S", "?")

    def stop_synapse(self, pid: int, data: Path) -> None:
        env = dict(os.environ, DATA=str(data))
        subprocess.run(
            ["bash", str(self.args.peers / "stop.sh"), str(pid)],
            env=env,
            check=False,
            stdout=subprocess.DEVNULL,
        )

    def synapse(self, scenarios: Sequence[str]) -> ServerResult:
        python = self.args.synapse_venv / "bin" / "python"
        if not python.exists():
            raise SystemExit(
                f"no Synapse in {self.args.synapse_venv}: run `make bench-compare`, or "
                f"NO_POSTGRES=1 {self.args.peers}/setup-venv.sh"
            )
        version = subprocess.run(
            [str(python), "-c", "import synapse; print(synapse.__version__)"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        result = ServerResult("Synapse", version)
        secret = secrets.token_urlsafe(32)
        data = self.workdir / "synapse"
        env = self.synapse_env(data, free_port(), JWT_SECRET=secret, JWT_ALGORITHM="HS256")
        url = f"http://127.0.0.1:{env['PORT']}"
        self.log(f"Synapse {version}: fresh start on {url} (start.sh, CPU_AFFINITY=0)")
        pid, result.fresh, reported = self.start_synapse(env)
        result.extra["start.sh STARTUP_S (fresh)"] = reported
        self.stop_synapse(pid, data)
        if any(s in ROOM_SCENARIOS for s in scenarios):
            synapse_overrides(data / "homeserver.db", scenarios)
        self.log("Synapse: restart on the same data dir")
        pid, result.restart, reported = self.start_synapse(env)
        result.extra["start.sh STARTUP_S (restart)"] = reported
        try:
            self.load(
                result,
                url,
                pid,
                [s for s in scenarios if s != "login-rs256"],
                secret=secret,
                alive=lambda: Path(f"/proc/{pid}").exists(),
            )
            time.sleep(self.args.settle)  # idle RSS after the run
            result.rss_after_load_mib = (proc_status_kib(pid, "VmRSS") or 0) / 1024
            result.peak_rss_mib = (proc_status_kib(pid, "VmHWM") or 0) / 1024
        finally:
            self.stop_synapse(pid, data)
        self.check_log(result, data / "homeserver.log")
        if "login-rs256" in scenarios:
            data = self.workdir / "synapse-rs256"
            env = self.synapse_env(
                data,
                free_port(),
                JWT_ALGORITHM="RS256",
                JWT_PUBKEY_FILE=str(self.public_pem),
            )
            self.log("Synapse: RS256 server")
            pid, _start, _ = self.start_synapse(env)
            try:
                self.load(
                    result,
                    f"http://127.0.0.1:{env['PORT']}",
                    pid,
                    ["login-rs256"],
                    rs256_key=self.private_pem,
                    alive=lambda: Path(f"/proc/{pid}").exists(),
                )
            finally:
                self.stop_synapse(pid, data)
            self.check_log(result, data / "homeserver.log")
        return result

    # -- the bare-stack ceiling ---------------------------------------------

    def ceiling(self) -> ServerResult:
        port = free_port()
        result = ServerResult("bare Starlette/uvicorn", "bench/bare.py")
        log_path = self.workdir / "bare.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [
                    *pin(self.server_cpu),
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "bench.bare:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--no-access-log",
                    "--log-level",
                    "warning",
                    "--http",
                    "httptools",
                    "--loop",
                    "uvloop",
                    "--lifespan",
                    "off",
                ],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.log(f"bare Starlette/uvicorn app on port {port}: whoami ceiling")
        try:
            wait_first_answer(port, lambda: process.poll() is None, 30)
            self.load(
                result,
                f"http://127.0.0.1:{port}",
                process.pid,
                ["whoami"],
                secret="unused",
                alive=lambda: process.poll() is None,
            )
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(15)
        return result


def synapse_overrides(database: Path, scenarios: Sequence[str]) -> None:
    """Lift Synapse's per-user rate limits for the room scenarios' users.

    start.sh's NO_RATELIMIT=1 raises rc_login only, and rewrites homeserver.yaml on every
    start; rc_message (0.2/s) and rc_joins would throttle every send and join. A row in
    ``ratelimit_override`` with messages_per_second 0 is what Synapse's admin API
    (``override_ratelimit``) writes: that user is then exempt from every per-user limiter.
    It is read when first needed, so it is written while Synapse is stopped.
    """
    rows = [
        (f"@rb-{scenario}-{n}:localhost", 0, 0)
        for scenario in scenarios
        if scenario in ROOM_SCENARIOS
        for n in range(MAX_USERS)
    ]
    with sqlite3.connect(database) as db:
        db.executemany(
            "INSERT OR REPLACE INTO ratelimit_override"
            " (user_id, messages_per_second, burst_count) VALUES (?, ?, ?)",
            rows,
        )


# ---------------------------------------------------------------------------
# Reporting


def git_describe() -> str:
    def git(*argv: str) -> str:
        return subprocess.run(
            ["git", *argv], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "?"
    return commit + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def machine() -> dict[str, str]:
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "memory": f"{mem_kib / MIB:.1f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def rate(result: ServerResult | None, scenario: str) -> float | None:
    if result is None or scenario not in result.scenarios:
        return None
    return float(result.scenarios[scenario]["rate"])


def p99(result: ServerResult | None, scenario: str) -> float | None:
    if result is None or scenario not in result.scenarios:
        return None
    return float(result.scenarios[scenario]["p99_ms"])


def valid(result: ServerResult | None, scenario: str) -> str:
    """'' when the scenario ran cleanly on that server, else why not."""
    if result is None:
        return "not run"
    outcome = result.scenarios.get(scenario)
    if outcome is None:
        return "no result"
    if outcome["unexpected"]:
        return f"{outcome['unexpected']} unexpected statuses"
    if outcome.get("lost") or outcome.get("duplicated"):
        return f"{outcome['lost']} lost, {outcome['duplicated']} duplicated events"
    if not outcome["requests"]:
        return "no requests completed"
    return ""


def fmt(value: float | None, unit: str = "", digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}{unit}"


def verdict(ok: bool | None, why: str = "") -> str:
    if why:
        return f"**invalid** ({why})"
    if ok is None:
        return "—"
    return "met" if ok else "**UNMET**"


def scenario_table(results: Sequence[ServerResult]) -> list[str]:
    lines = [
        "| server | scenario | req/s | p50 ms | p99 ms | max ms | statuses"
        " | server CPU | gen CPU |",
        "|---|---|--:|--:|--:|--:|---|--:|--:|",
    ]
    for result in results:
        for scenario, o in result.scenarios.items():
            statuses = " ".join(f"{k}x{v}" for k, v in sorted(o["statuses"].items()))
            server_cpu = f"{o['server_cpu']:.0%}" if o["server_cpu"] is not None else "—"
            lines.append(
                f"| {result.name} | {scenario} | {o['rate']:,.0f} | {o['p50_ms']:.1f}"
                f" | {o['p99_ms']:.1f} | {o['max_ms']:.1f} | {statuses} | {server_cpu}"
                f" | {o['generator_cpu']:.0%} |"
            )
    return lines


def start_rows(
    synapse: ServerResult | None, tessera: ServerResult | None
) -> list[tuple[str, float | None, float | None, float, str]]:
    """(metric, synapse, tessera, absolute target, unit)."""
    rows: list[tuple[str, float | None, float | None, float, str]] = []
    for label, attr in (("fresh data dir", "fresh"), ("restart", "restart")):
        s = getattr(synapse, attr, None) if synapse else None
        t = getattr(tessera, attr, None) if tessera else None
        rows.append(
            (
                f"start to first answer, {label}",
                s.seconds if s else None,
                t.seconds if t else None,
                START_TARGET_S,
                " s",
            )
        )
        rows.append(
            (
                f"idle RSS, {label}",
                s.idle_rss_mib if s else None,
                t.idle_rss_mib if t else None,
                IDLE_RSS_TARGET_MIB,
                " MiB",
            )
        )
    return rows


def report(
    args: argparse.Namespace,
    synapse: ServerResult | None,
    tessera: ServerResult | None,
    bare: ServerResult | None,
    started: datetime.datetime,
    load_before: str,
) -> str:
    info = machine()
    out = [
        f"Run of {started:%Y-%m-%d %H:%M} UTC · {info['nproc']} CPUs ({info['cpu']}),"
        f" {info['memory']} RAM, Linux {info['kernel']}, Python {info['python']}",
        f"Server pinned to CPU {args.server_cpu}, generator to CPU {args.load_cpu};"
        f" C={args.concurrency}; {args.duration:g} s recorded per scenario after"
        f" {args.warmup:g} s warm-up; load average before {load_before}, after {loadavg()}",
    ]
    versions = [r for r in (synapse, tessera) if r]
    out.append(" · ".join(f"{r.name} {r.version}" for r in versions))
    out.append("")
    compare = synapse is not None
    rows: list[list[str]] = []  # metric, Synapse, Tessera, ratio, target, verdict

    def ratio_of(s: float | None, t: float | None) -> float | None:
        return t / s if s and t is not None else None

    for scenario, target in RATE_TARGETS:
        s, t = rate(synapse, scenario), rate(tessera, scenario)
        if t is None and s is None:
            continue
        ratio = ratio_of(s, t)
        why = valid(tessera, scenario) or (valid(synapse, scenario) if compare else "")
        ok = None if target is None or ratio is None else ratio >= target
        wanted = f"≥ {target:g}x Synapse" if target else "—"
        label = f"{scenario} {RATE_UNITS.get(scenario, 'req/s')}"
        digits = 1 if scenario in ("initial-sync", "messages") else 0
        rows.append(
            [
                label,
                fmt(s, "", digits),
                fmt(t, "", digits),
                fmt(ratio, "x", 1),
                wanted,
                verdict(ok, why),
            ]
        )
    for scenario, target in P99_TARGETS:
        s, t = p99(synapse, scenario), p99(tessera, scenario)
        if t is None and s is None:
            continue
        ratio = ratio_of(s, t)
        why = valid(tessera, scenario) or (valid(synapse, scenario) if compare else "")
        ok = None if target is None or ratio is None else ratio <= target
        wanted = f"≤ {target:g}x Synapse" if target else "—"
        rows.append(
            [
                f"{scenario} {P99_UNITS.get(scenario, 'p99 ms')}",
                fmt(s, "", 1),
                fmt(t, "", 1),
                fmt(ratio, "x", 2),
                wanted,
                verdict(ok, why),
            ]
        )
    for metric, s_value, t_value, target, unit in start_rows(synapse, tessera):
        ok = None if t_value is None else t_value <= target
        digits = 2 if unit == " s" else 1
        rows.append(
            [
                metric,
                fmt(s_value, unit, digits),
                fmt(t_value, unit, digits),
                fmt(ratio_of(s_value, t_value), "x", 2),
                f"≤ {target:g}{unit}",
                verdict(ok),
            ]
        )
    if any(rate(tessera, s) is not None for s in ROOM_SCENARIOS):
        s_rss = synapse.rss_after_load_mib if synapse else None
        t_rss = tessera.rss_after_load_mib if tessera else None
        rss_ratio = ratio_of(s_rss, t_rss)
        rows.append(
            [
                "idle RSS after the run",
                fmt(s_rss, " MiB", 1),
                fmt(t_rss, " MiB", 1),
                fmt(rss_ratio, "x", 2),
                "≤ 1/3 Synapse",
                verdict(None if rss_ratio is None else rss_ratio <= ROOMS_RSS_RATIO),
            ]
        )
    ceiling, whoami = rate(bare, "whoami"), rate(tessera, "whoami")
    share = whoami / ceiling if whoami is not None and ceiling else None
    ok = None if share is None else share >= CEILING_TARGET
    ceiling_verdict = (
        "not run"
        if bare is None
        else verdict(ok, valid(tessera, "whoami") or valid(bare, "whoami"))
    )
    rows.append(
        [
            f"whoami vs bare-stack ceiling ({fmt(ceiling)}/s)",
            "—",
            fmt(share * 100 if share is not None else None, "%"),
            "—",
            f"≥ {CEILING_TARGET:.0%}",
            ceiling_verdict,
        ]
    )
    if compare:
        out += [
            "| metric | Synapse | Tessera | Tessera/Synapse | target | verdict |",
            "|---|--:|--:|--:|---|---|",
        ]
        out += ["| " + " | ".join(row) + " |" for row in rows]
    else:
        out += ["| metric | Tessera | target | verdict |", "|---|--:|---|---|"]
        out += [f"| {r[0]} | {r[2]} | {r[4]} | {r[5]} |" for r in rows]
    out += ["", *scenario_table([r for r in (synapse, tessera, bare) if r])]
    extras = []
    for r in (synapse, tessera):
        if r is None:
            continue
        extras.append(
            f"{r.name}: RSS after load {fmt(r.rss_after_load_mib, ' MiB', 1)},"
            f" peak {fmt(r.peak_rss_mib, ' MiB', 1)}"
            + "".join(f"; {k} {v}" for k, v in r.extra.items())
        )
    out += ["", *extras]
    problems = [f"{r.name}: {p}" for r in (synapse, tessera, bare) if r for p in r.problems]
    if problems:
        out += ["", "Problems:", *(f"- {p}" for p in problems)]
    return "\n".join(out)


# ---------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--compare", action="store_true", help="run Synapse first, then Tessera")
    p.add_argument("--duration", type=float, default=10.0, help="recorded seconds per scenario")
    p.add_argument("--warmup", type=float, default=1.0, help="unrecorded seconds before that")
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument(
        "--scenarios",
        default=",".join([*HS256_SCENARIOS, "login-rs256", *ROOM_SCENARIOS]),
        help="comma-separated subset (default: all)",
    )
    p.add_argument("--server-cpu", type=int, default=0)
    p.add_argument("--load-cpu", type=int, default=1)
    p.add_argument("--settle", type=float, default=1.0, help="seconds before reading idle RSS")
    p.add_argument("--startup-timeout", type=float, default=120.0)
    p.add_argument("--no-ceiling", action="store_true", help="skip the bare-stack ceiling run")
    p.add_argument("--tessera", default=str(ROOT / ".venv" / "bin" / "tessera"))
    p.add_argument("--synapse-venv", type=Path, default=SYNAPSE_VENV)
    p.add_argument("--peers", type=Path, default=PEERS, help="../shared/peers/synapse")
    p.add_argument("--json-out", type=Path, help="also write every number here")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (configs, logs)")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    args.peers = args.peers.resolve()
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    for scenario in scenarios:
        if scenario not in [*HS256_SCENARIOS, "login-rs256", *ROOM_SCENARIOS]:
            raise SystemExit(f"unknown scenario {scenario}")
    allowed = os.sched_getaffinity(0)
    if (
        shutil.which("taskset") is None
        or not {args.server_cpu, args.load_cpu} <= allowed
        or (args.server_cpu == args.load_cpu)
    ):
        print(
            f"warning: cannot pin server to CPU {args.server_cpu} and generator to CPU"
            f" {args.load_cpu} (allowed: {sorted(allowed)}); running unpinned",
            file=sys.stderr,
        )
        args.server_cpu = args.load_cpu = None
    else:
        os.sched_setaffinity(0, {args.load_cpu})  # our polling stays off the server's CPU

    started = datetime.datetime.now(datetime.UTC)
    load_before = loadavg()
    workdir = Path(tempfile.mkdtemp(prefix="tessera-bench-"))
    synapse = tessera = bare = None
    failed = False
    try:
        bench = Bench(args, workdir)
        if args.compare:
            try:
                synapse = bench.synapse(scenarios)
            except RuntimeError as exc:
                failed = True
                synapse = ServerResult("Synapse", "?", problems=[f"failed: {exc}"])
        try:
            tessera = bench.tessera(scenarios)
        except (RuntimeError, subprocess.CalledProcessError) as exc:
            failed = True
            tessera = ServerResult("Tessera", "?", problems=[f"failed: {exc}"])
        if not args.no_ceiling:
            try:
                bare = bench.ceiling()
            except RuntimeError as exc:
                bare = ServerResult("bare", "?", problems=[f"failed: {exc}"])
    finally:
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    text = report(args, synapse, tessera, bare, started, load_before)
    print(text, flush=True)
    if args.json_out:
        args.json_out.write_text(
            json.dumps(
                {
                    "date": started.isoformat(),
                    "machine": machine(),
                    "args": {k: str(v) for k, v in vars(args).items()},
                    "results": [r.__dict__ for r in (synapse, tessera, bare) if r],
                },
                default=lambda o: o.__dict__,
                indent=2,
            )
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
