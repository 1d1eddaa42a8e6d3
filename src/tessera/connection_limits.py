"""How many HTTP connections a process holds, and which one goes when there are too many.

Each connection holds a file descriptor. Without a bound, enough stalled or idle
sockets (from one address, or many) use up the process's open-file limit, and
then nobody else gets in: accept() fails with "Too many open files". Here a
process holds at most ``total`` connections, and at most ``per_address`` from
one client address on listeners where that address is the client's own (not
``x_forwarded``: behind a proxy, every connection has the proxy's address).

Over ``total``, the connection that has waited longest without sending a whole
request (stalled mid-head, or idle between requests) is closed to make room: a
client whose request is being read or answered is never cut off for a
newcomer. Over ``per_address``, or when nobody is idle, the newcomer is
answered 503 and closed.
"""

from __future__ import annotations

import ipaddress
import logging
import resource
from dataclasses import dataclass

logger = logging.getLogger(__name__)

#: File descriptors kept for what is not a client connection: listeners, log files,
#: the SQLite file and its WAL, JWKS fetches, the PostgreSQL LISTEN connection.
#: The pool's connections (``cp_max``) are reserved on top.
FD_RESERVE = 64


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """The bounds one process applies to its HTTP connections."""

    total: int
    per_address: int
    #: Ports of ``x_forwarded`` listeners, where ``per_address`` does not apply.
    forwarded_ports: frozenset[int] = frozenset()


def connection_limits(
    max_connections: int, per_address: int, open_files: int, pool_size: int
) -> ConnectionLimits:
    """``max_connections`` bounded by what ``open_files`` leaves after the reserve."""
    room = max(1, open_files - FD_RESERVE - pool_size)
    return ConnectionLimits(min(max_connections, room), per_address)


def address_key(host: str) -> str:
    """What connections are counted by: the IPv4 address, or the IPv6 /64 (one subscriber's
    usual allocation, so a client cannot dodge the limit by rotating its low bits)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # an IPv4 client on a dual-stack socket
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False).network_address)
    return host


def raise_file_limit(soft_file_limit: int) -> int:
    """Synapse's ``soft_file_limit``: set the soft limit on open files; 0 means the hard limit.

    A limit that cannot be set (above the hard one) is logged, as Synapse does, and
    the process goes on with the limit it has.

    Returns:
        The soft limit in force afterwards.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = soft_file_limit or hard
    if wanted == resource.RLIM_INFINITY:
        wanted = max(soft, 1 << 20)  # Linux refuses more than nr_open (1 Mi by default)
    if wanted != soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError) as exc:
            logger.warning("could not set the open-file limit to %d: %s", wanted, exc)
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
