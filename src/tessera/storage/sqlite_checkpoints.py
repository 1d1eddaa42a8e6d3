"""WAL checkpoints on a thread of their own, so the event loop never waits for an fsync.

SQLite's automatic checkpoint runs inside the COMMIT that crosses 1,000
pages of WAL: it copies the pages into the database file and fsyncs both
files, on the event-loop thread. Under a steady stream of logins that
was every ~40 ms, each a 5-7 ms stall for every request in flight: a
quarter of the logins measured took twice the usual time
(docs/performance.md). Here a thread with its own connection runs
``PASSIVE`` checkpoints (they never block the writer), woken every
``WAKE_EVERY`` commits; ``sqlite3`` releases the GIL while SQLite works,
and an fsync costs the loop nothing.

A passive checkpoint cannot restart the WAL while writes keep coming, so
under sustained load the file would grow without end. When it holds
``WAL_LIMIT_BYTES`` the writer itself runs one ``RESTART`` checkpoint: the
thread has copied almost everything by then, so it is one stall of ~4 ms
per 256 MiB of writes instead of one of 5-7 ms per 4 MiB. The WAL file then
keeps its size on disk and is written again from its start.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

logger = logging.getLogger(__name__)

#: Commits between two wake-ups of the checkpoint thread.
WAKE_EVERY = 64
#: WAL size past which the writer checkpoints and restarts the log itself.
WAL_LIMIT_BYTES = 256 * 1024 * 1024
#: SQLite's default automatic checkpoint, in pages, for when the thread cannot run.
SQLITE_AUTOCHECKPOINT_PAGES = 1000
#: SQLite's default page size: what one WAL frame holds.
PAGE_BYTES = 4096


class Checkpointer:
    """Checkpoints the WAL of the database at ``path`` behind its one writer's back."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._wake = threading.Event()
        # Held by whichever thread checkpoints: a second checkpoint would only get SQLITE_BUSY.
        self._checkpointing = threading.Lock()
        self._stopping = False
        #: The thread could not open the database: the writer goes back to SQLite's checkpoints.
        self._failed = False
        self._commits = 0
        #: Frames in the WAL when the thread last checkpointed (it grows from there).
        self._wal_frames = 0
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)
        self._thread.start()

    def committed(self, writer: sqlite3.Connection) -> None:
        """Count a commit of ``writer``; wake the thread, or restart the WAL when it is full."""
        self._commits += 1
        if self._commits % WAKE_EVERY == 0:
            self._wake.set()
        if self._failed:  # no thread: SQLite's own checkpoints, in the commits, as before
            self._failed = False
            writer.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT_PAGES}")
        if self._wal_frames * PAGE_BYTES > WAL_LIMIT_BYTES:
            # Not while the thread checkpoints (its fsync would be waited for): next commit.
            if not self._checkpointing.acquire(blocking=False):
                return
            self._wal_frames = 0
            try:
                writer.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
            except sqlite3.Error as exc:  # the commit stands; the next restart retries
                logger.warning("WAL checkpoint failed: %s", exc)
            finally:
                self._checkpointing.release()

    def stop(self) -> None:
        """Let the thread finish its checkpoint, if one is running, and end."""
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(self._path, isolation_level=None)
            connection.execute("PRAGMA busy_timeout=1000")
        except sqlite3.Error as exc:
            logger.warning("no background WAL checkpoints, the writer does them: %s", exc)
            self._failed = True
            return
        try:
            while not self._stopping:
                self._wake.wait()
                self._wake.clear()
                try:
                    with self._checkpointing:
                        result = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self._wal_frames = result[1]
                except sqlite3.Error as exc:  # e.g. the disk is full: the next one retries
                    logger.warning("WAL checkpoint failed: %s", exc)
        finally:
            connection.close()
