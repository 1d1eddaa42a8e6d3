"""Configuration: Synapse's ``homeserver.yaml`` keys, validated into typed objects.

Pure: reads a file, imports nothing else of tessera.
"""

from tessera.config.errors import ConfigError
from tessera.config.loader import load_config, parse_config
from tessera.config.model import (
    Config,
    DatabaseConfig,
    JwtConfig,
    ListenerConfig,
    LoginTokenConfig,
    PasswordConfig,
    SessionConfig,
)

__all__ = [
    "Config",
    "ConfigError",
    "DatabaseConfig",
    "JwtConfig",
    "ListenerConfig",
    "LoginTokenConfig",
    "PasswordConfig",
    "SessionConfig",
    "load_config",
    "parse_config",
]
