"""The server's signing key file (``signing_key_path``), in Synapse's format.

Reading, and creating one when there is none: ``tessera generate-config``
writes it beside the config, and ``tessera run`` creates it if it is missing
(as Synapse's ``--generate-keys`` would), so a config written before Tessera
signed events still starts. An existing file is never overwritten: the key
is the server's identity in every event it ever signed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tessera.core.events.signing import (
    SigningKey,
    SigningKeyError,
    format_signing_key,
    generate_signing_key,
    read_signing_keys,
)


class SigningKeyFileError(Exception):
    """The key file cannot be read or used; the message names the file, never the key."""


def read_signing_key_file(path: Path) -> list[SigningKey]:
    """The keys in ``path``; the first one signs.

    Raises:
        SigningKeyFileError: unreadable, not text, or not in the key file format.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SigningKeyFileError(f"cannot read signing key {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SigningKeyFileError(f"signing key {path} is not text") from None
    try:
        return read_signing_keys(text)
    except SigningKeyError as exc:
        raise SigningKeyFileError(f"signing key {path}: {exc}") from None


def write_new_signing_key(path: Path) -> SigningKey:
    """Create ``path`` (mode 0600) holding a fresh key.

    Raises:
        FileExistsError: there already is a file (it is left alone).
        OSError: the file cannot be created.
    """
    key = generate_signing_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(format_signing_key(key))
    return key


def load_or_create_signing_key(path: Path) -> tuple[SigningKey, bool]:
    """The signing key in ``path``, creating the file if there is none.

    Returns:
        The key, and whether it was just created.

    Raises:
        SigningKeyFileError: the file exists but is unusable, or cannot be created.
    """
    try:
        return write_new_signing_key(path), True
    except FileExistsError:
        return read_signing_key_file(path)[0], False  # another process may have just made it
    except OSError as exc:
        raise SigningKeyFileError(f"cannot create signing key {path}: {exc.strerror}") from None


def readable_by_everyone(path: Path) -> bool:
    """Whether every user of the machine may read ``path`` (worth a warning, not a refusal:
    Synapse writes its key files 0644, and those must keep working)."""
    try:
        return bool(path.stat().st_mode & stat.S_IROTH)
    except OSError:
        return False


def server_signing_key(path: Path | None) -> SigningKey:
    """The key the server signs with: the first in ``path``.

    ``path`` is None only for a ``Config`` built in code (tests): a throw-away
    key then, since such a server's events live no longer than the test.

    Raises:
        SigningKeyFileError: the file is missing or unusable (``run`` creates
            it before the app is built, so this means it was removed since).
    """
    if path is None:
        return generate_signing_key()
    return read_signing_key_file(path)[0]
