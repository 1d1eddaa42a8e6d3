"""``tessera run --workers N``: a supervising parent and N serving children.

The parent binds, migrates and forks; it serves nothing. Each child runs its
own event loop, database pool, token cache and listener for other workers'
logouts (PostgreSQL only: ``run`` refuses more than one worker on SQLite).

Sockets: the parent holds one *anchor* per address, bound with
``SO_REUSEPORT`` but not listening, which keeps the port (and a port-0
listener's number) reserved while children come and go. Each child gets its
own listening sockets on the same addresses, bound just before it is forked,
and the kernel spreads new connections evenly across them. A child that dies
takes its sockets with it, so new connections go to the living ones while it
is restarted, instead of queueing behind a dead process.

Signals: SIGTERM or SIGINT to the parent stops every child gracefully (a
second one forces them); a child that exits on its own is restarted, after a
delay that doubles (0.5 s up to 30 s) while children keep dying young. A
child whose parent disappears (SIGKILL) stops serving within a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NoReturn

from tessera.config import ListenerConfig
from tessera.listeners import Bound, bind_each

logger = logging.getLogger(__name__)

#: A child that lived this long before dying is restarted without delay growth.
STABLE_AFTER = 30.0
FIRST_RESTART_DELAY = 0.5
MAX_RESTART_DELAY = 30.0
#: After asking children to stop, how long before they are killed.
STOP_TIMEOUT = 30.0
_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP}


def supported() -> bool:
    """Whether this platform can share a port between processes (Linux, the BSDs)."""
    return hasattr(socket, "SO_REUSEPORT") and hasattr(os, "fork")


def reserve(listeners: Sequence[ListenerConfig]) -> Bound:
    """One bound, non-listening anchor per (listener, address); see ``listeners.bind_each``."""
    return bind_each(listeners, _reuseport_socket)


def listen_like(anchors: Bound) -> Bound:
    """Listening sockets on the anchors' addresses, for one child."""
    bound: Bound = []
    for anchor, listener in anchors:
        host, port = anchor.getsockname()[:2]
        sock = _reuseport_socket(host, port)
        sock.listen(2048)
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as serve.bind_listeners
        bound.append((sock, listener))
    return bound


def _reuseport_socket(address: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((address, port))
    except OSError:
        sock.close()
        raise
    return sock


@dataclass
class _Worker:
    number: int
    pid: int | None = None
    started: float = 0.0
    young_deaths: int = 0
    restart_at: float | None = None
    sockets: Bound = field(default_factory=list)


#: What a child runs: serve on these sockets until told to stop.
Serve = Callable[[Bound], None]


class Supervisor:
    """Forks ``count`` children that each ``serve`` their own sockets, and keeps them alive."""

    def __init__(self, count: int, anchors: Bound, serve: Serve) -> None:
        self._anchors = anchors
        self._serve = serve
        self._workers = [_Worker(number) for number in range(1, count + 1)]
        self._stopping_since: float | None = None

    def run(self, on_started: Callable[[], None] = lambda: None) -> int:
        """Start every child, then supervise until SIGTERM/SIGINT; the exit code."""
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        try:
            for worker in self._workers:
                self._start(worker)
            on_started()
            while True:
                self._reap()
                if self._stopping_since is not None and not self._living():
                    break
                self._restart_due()
                self._wait_for_signal()
            logger.info("every worker has stopped")
            return 0
        finally:
            for worker in self._workers:
                if worker.pid is not None:  # only if we are failing ourselves
                    _signal(worker.pid, signal.SIGKILL)
            for anchor, _ in self._anchors:
                anchor.close()
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)

    def _living(self) -> list[_Worker]:
        return [worker for worker in self._workers if worker.pid is not None]

    def _start(self, worker: _Worker) -> None:
        worker.restart_at = None
        worker.sockets = listen_like(self._anchors)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            self._child(worker)
        worker.pid, worker.started = pid, time.monotonic()
        for sock, _ in worker.sockets:  # the child's now; it goes when the child does
            sock.close()
        logger.info("worker %d started (pid %d)", worker.number, pid)

    def _child(self, worker: _Worker) -> NoReturn:
        code = 1
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGHUP, signal.SIG_IGN)  # until the app takes it (JwtKeys)
            signal.pthread_sigmask(signal.SIG_SETMASK, set())
            for anchor, _ in self._anchors:
                anchor.close()
            self._serve(worker.sockets)
            code = 0
        except KeyboardInterrupt:
            code = 0
        except BaseException:
            logger.exception("worker %d failed", worker.number)
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            worker = next((w for w in self._workers if w.pid == pid), None)
            if worker is None:
                continue
            worker.pid = None
            if self._stopping_since is None:
                self._schedule_restart(worker, status)

    def _schedule_restart(self, worker: _Worker, status: int) -> None:
        lived = time.monotonic() - worker.started
        worker.young_deaths = 0 if lived >= STABLE_AFTER else worker.young_deaths + 1
        delay = min(FIRST_RESTART_DELAY * 2 ** max(0, worker.young_deaths - 1), MAX_RESTART_DELAY)
        worker.restart_at = time.monotonic() + delay
        logger.error(
            "worker %d %s after %.1f s; restarting it in %.1f s",
            worker.number,
            _describe(status),
            lived,
            delay,
        )

    def _restart_due(self) -> None:
        if self._stopping_since is not None:
            return
        now = time.monotonic()
        for worker in self._workers:
            if worker.restart_at is not None and worker.restart_at <= now:
                try:
                    self._start(worker)
                except OSError as exc:  # e.g. out of file descriptors: try again later
                    logger.error("worker %d could not be started: %s", worker.number, exc)
                    worker.restart_at = now + MAX_RESTART_DELAY

    def _wait_for_signal(self) -> None:
        timeout = 1.0  # reap at least this often, whatever the signals say
        restarts = [w.restart_at for w in self._workers if w.restart_at is not None]
        if restarts and self._stopping_since is None:
            timeout = min(timeout, max(0.0, min(restarts) - time.monotonic()))
        received = signal.sigtimedwait(_SIGNALS, timeout)
        stopping = self._stopping_since
        if stopping is not None and time.monotonic() - stopping > STOP_TIMEOUT:
            self._tell_all(signal.SIGKILL, "did not stop in time; killing")
        if received is None or received.si_signo == signal.SIGCHLD:
            return
        if received.si_signo == signal.SIGHUP:  # reread key files: every worker does it
            self._tell_all(signal.SIGHUP, "reloading")
            return
        if self._stopping_since is None:
            self._stopping_since = time.monotonic()
            for worker in self._workers:
                worker.restart_at = None
            self._tell_all(signal.SIGTERM, "stopping")
        else:  # a second SIGINT/SIGTERM: uvicorn takes SIGINT after SIGTERM as "now"
            self._tell_all(signal.SIGINT, "stopping now")

    def _tell_all(self, signum: signal.Signals, what: str) -> None:
        living = self._living()
        if living:
            logger.info("%s %d worker(s)", what, len(living))
        for worker in living:
            assert worker.pid is not None
            _signal(worker.pid, signum)


def _signal(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"was killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with code {os.waitstatus_to_exitcode(status)}"


async def exit_with_parent(parent_pid: int, interval: float = 1.0) -> None:
    """SIGTERM ourselves once the supervising parent is gone (it was SIGKILLed)."""
    while os.getppid() == parent_pid:  # noqa: ASYNC110 - nothing to wait on but time
        await asyncio.sleep(interval)
    logger.warning("the supervising process has gone; stopping")
    os.kill(os.getpid(), signal.SIGTERM)
