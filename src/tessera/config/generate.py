"""``tessera generate-config``: a commented development ``homeserver.yaml``."""

from __future__ import annotations

import secrets

_TEMPLATE = """\
# Tessera configuration. Key names and meanings follow Synapse's homeserver.yaml,
# so a Synapse `jwt_config` block can be pasted here unchanged.
# Reference: docs/configuration.md

server_name: "{server_name}"

# The ed25519 key events are signed with, in Synapse's format (a Synapse key
# file works here). `tessera run` creates it if it is missing; back it up.
signing_key_path: "{server_name}.signing.key"

listeners:
  - port: {port}
    bind_addresses: ["{bind_address}"]
    type: http
    x_forwarded: false
    resources:
      - names: [client]

database:
  name: sqlite3
  args:
    # Relative paths are relative to this file's directory.
    database: {database}

# Login rate limits, Synapse's keys. These are generous development values;
# Synapse's defaults (used when rc_login is absent) allow 5 logins per address
# and per account, then one every 5.5 minutes. Behind a reverse proxy, set
# x_forwarded on the listener, or every client shares the proxy's address.
rc_login:
  address: {{per_second: 10, burst_count: 100}}
  account: {{per_second: 10, burst_count: 100}}
  failed_attempts: {{per_second: 0.17, burst_count: 3}}

jwt_config:
  enabled: true
  # A random development secret. Mint a token with:
  #   tessera jwt mint -c <this file> --sub alice
  secret: "{secret}"
  algorithm: "HS256"
  subject_claim: "sub"
"""


def generate_config(
    server_name: str = "localhost",
    port: int = 8008,
    bind_address: str = "127.0.0.1",
    database: str = "homeserver.db",
) -> str:
    """A development config with a fresh 256-bit HS256 secret."""
    return _TEMPLATE.format(
        server_name=server_name,
        port=port,
        bind_address=bind_address,
        database=database,
        secret=secrets.token_urlsafe(32),
    )
