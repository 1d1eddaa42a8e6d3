"""Binding the listeners' addresses: one loop for ``tessera run`` and ``--workers``."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Sequence

from tessera.config import ListenerConfig

logger = logging.getLogger(__name__)

#: Bound sockets and the listener each serves.
Bound = list[tuple[socket.socket, ListenerConfig]]


def bind_each(
    listeners: Sequence[ListenerConfig], bind: Callable[[str, int], socket.socket]
) -> Bound:
    """``bind(address, port)`` for each (listener, address).

    An address that cannot be bound (``::`` on a host without IPv6, say) is
    skipped with a warning, as long as something else could be bound.

    Raises:
        OSError: when no address at all could be bound.
    """
    bound: Bound = []
    failures: list[str] = []
    for listener in listeners:
        for address in listener.bind_addresses:
            try:
                bound.append((bind(address, listener.port), listener))
            except OSError as exc:
                failures.append(f"{address}:{listener.port} ({exc.strerror})")
    for failure in failures:
        logger.warning("could not bind %s", failure)
    if not bound:
        raise OSError("no listener could be bound: " + "; ".join(failures or ["none configured"]))
    return bound
