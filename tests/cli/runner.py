"""Running the installed ``tessera`` command as a user would: a real process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml


def tessera(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``tessera ARGS…`` in ``cwd``, with its exit code, stdout and stderr."""
    return subprocess.run(
        [sys.executable, "-m", "tessera", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def write_config(path: Path, **top_level: object) -> Path:
    """A ``homeserver.yaml`` at ``path``: a SQLite server on a free port, plus ``top_level``."""
    document = {
        "server_name": "localhost",
        "listeners": [{"port": 0, "bind_addresses": ["127.0.0.1"], "type": "http"}],
        "database": {"name": "sqlite3", "args": {"database": "homeserver.db"}},
        **top_level,
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path
