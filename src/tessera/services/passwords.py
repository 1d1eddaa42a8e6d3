"""Password hashing: bcrypt, compatible with Synapse's stored hashes.

Synapse hashes ``password + pepper`` with bcrypt (``$2b$``), so its
``users.password_hash`` values can be copied over and keep working.
bcrypt is slow on purpose; it runs in a worker thread so it never stalls
the event loop.
"""

from __future__ import annotations

import asyncio
import unicodedata

import bcrypt

#: bcrypt reads at most this many bytes. Before bcrypt 5 the rest was dropped silently (so
#: Synapse's hashes of longer passwords are of their first 72 bytes); bcrypt 5 raises instead.
BCRYPT_MAX_BYTES = 72


class Passwords:
    def __init__(self, pepper: str = "", rounds: int = 12) -> None:
        self._pepper = pepper
        self._rounds = rounds
        # Checked against when the user does not exist, so that a wrong user
        # name costs the same time as a wrong password. Made on first use: a
        # bcrypt hash at the configured cost would add ~0.25 s to startup.
        self._dummy_hash: str | None = None

    def _peppered(self, password: str) -> bytes:
        # Synapse normalises to NFKC before hashing: without it a hash made
        # there would not match "café" typed in decomposed form here.
        peppered = (unicodedata.normalize("NFKC", password) + self._pepper).encode("utf-8")
        return peppered[:BCRYPT_MAX_BYTES]

    async def hash(self, password: str) -> str:
        """A bcrypt hash of ``password`` (peppered), for storing."""
        salt = bcrypt.gensalt(self._rounds)
        hashed = await asyncio.to_thread(bcrypt.hashpw, self._peppered(password), salt)
        return hashed.decode("ascii")

    async def check(self, password: str, stored_hash: str | None) -> bool:
        """Whether ``password`` matches ``stored_hash``; as slow when there is no hash."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash("tessera-dummy-password")
        candidate = stored_hash or self._dummy_hash
        try:
            matches = await asyncio.to_thread(
                bcrypt.checkpw, self._peppered(password), candidate.encode("ascii")
            )
        except ValueError:  # not a bcrypt hash (e.g. a disabled account's marker)
            matches = False
        return matches and stored_hash is not None
