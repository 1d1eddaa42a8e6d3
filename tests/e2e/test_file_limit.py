"""``soft_file_limit`` (Synapse's): ``tessera run`` raises its open-file limit at start.

systemd starts services with a soft limit of 1024, which a few hundred idle connections
and a pool use up (issue 12, item 3). The server here is started with a soft limit of
256, as a child inherits it.
"""

from __future__ import annotations

import resource
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from tests.e2e.support import start_server, write_homeserver

STARTED_WITH = 256


@contextmanager
def soft_file_limit_for_children(soft: int) -> Iterator[None]:
    """Lower this process's soft limit while a child starts (the child inherits it)."""
    before, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (before, hard))


def open_files_limits(pid: int) -> tuple[int, int]:
    """The soft and hard ``Max open files`` of a running process."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            soft, hard = line.split()[3:5]
            return int(soft), int(hard)
    raise AssertionError("no open-files line")


def configure(directory: Path, **keys: object) -> None:
    write_homeserver(directory)
    path = directory / "homeserver.yaml"
    config = yaml.safe_load(path.read_text())
    config.update(keys)
    path.write_text(yaml.safe_dump(config, sort_keys=False))


@pytest.mark.parametrize(
    ("setting", "expected"), [(None, "hard"), (0, "hard"), (STARTED_WITH * 2, STARTED_WITH * 2)]
)
def test_run_raises_the_soft_file_limit(
    tmp_path: Path, setting: int | None, expected: int | str
) -> None:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard < STARTED_WITH * 2:
        pytest.skip(f"hard limit {hard} too low to tell")
    configure(tmp_path, **({} if setting is None else {"soft_file_limit": setting}))
    with soft_file_limit_for_children(STARTED_WITH):
        server, _url = start_server(tmp_path)
    try:
        soft_now, hard_now = open_files_limits(server.process.pid)
    finally:
        server.kill()

    assert hard_now == hard
    assert soft_now == (hard if expected == "hard" else expected), soft_now
