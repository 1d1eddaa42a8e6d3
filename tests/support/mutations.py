"""Deliberate bugs and faults, applied only when ``TESSERA_MUTATION`` names one.

Two tests once passed whatever the code did; ``tests/e2e/test_mutations.py``
now runs them with the bug each is there to catch, and expects them to fail:

- ``skip-signature``: every JWS signature "verifies" (the first key is taken
  as the signer), as if ``check_signature`` were short-circuited;
- ``drop-notify``: no PostgreSQL ``NOTIFY`` is sent, so another process only
  learns of a logout when its cached copy of the token runs out.

And one fault for ``tests/e2e/test_logs.py``, which needs a 500 on a request
that carries a password:

- ``crash-password``: checking a password that starts with ``crash-`` raises.

A pytest plugin (``pytest -p tests.support.mutations``) for the test process,
where the API tests' servers run; it also puts ``harness_site`` on
``PYTHONPATH``, whose ``sitecustomize`` applies the same bug in every
``tessera`` process the tests start. Without ``TESSERA_MUTATION`` it does
nothing. Nothing in ``src/`` knows of it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

VARIABLE = "TESSERA_MUTATION"
MUTATIONS = ("skip-signature", "drop-notify", "crash-password")
#: Put first on a ``tessera`` process's ``PYTHONPATH``: its ``sitecustomize`` reads the variables.
SITE = Path(__file__).with_name("harness_site")


def apply(name: str) -> None:
    """Patch the named bug into this interpreter's Tessera."""
    if name == "skip-signature":
        from tessera.core import jws_compact

        def first_signer(token: Any, algorithm: str, keys: Any) -> int | None:
            return 0 if keys else None

        jws_compact.first_signer = first_signer  # jwt_login calls it through the module
    elif name == "drop-notify":
        from tessera.storage.repos.invalidations import InvalidationRepo

        async def notify_nobody(self: InvalidationRepo, payload: str) -> None:
            return None

        InvalidationRepo._notify = notify_nobody  # type: ignore[method-assign]
    elif name == "crash-password":
        from tessera.services.passwords import Passwords

        real_check = Passwords.check

        async def check(self: Passwords, password: str, stored_hash: str | None) -> bool:
            if password.startswith("crash-"):
                raise RuntimeError("injected fault while checking a password")
            return await real_check(self, password, stored_hash)

        Passwords.check = check  # type: ignore[method-assign]
    else:
        raise ValueError(f"{VARIABLE}={name!r}: not one of {', '.join(MUTATIONS)}")


def pytest_configure(config: Any) -> None:
    """Apply ``TESSERA_MUTATION`` here and in every process the tests start."""
    name = os.environ.get(VARIABLE)
    if not name:
        return
    apply(name)
    paths = [str(SITE), os.environ.get("PYTHONPATH", "")]
    os.environ["PYTHONPATH"] = os.pathsep.join(path for path in paths if path)
