"""The JWT login as configured: ``jwt_config`` and ``jwt_providers``, their keys kept current.

Part of the composition root: it reads configuration, builds the pure
policies (``tessera.policy``) and the services that keep them fresh (remote
key sets, SIGHUP reloads of key files).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence

from tessera.config import Config, ConfigError, JwtConfig
from tessera.metrics import Metrics
from tessera.policy import build_claim_mapping, build_jwt_policy, reload_jwt_policy
from tessera.services.clock import Clock
from tessera.services.jwks import RemoteKeySet
from tessera.services.login.jwt import JwtLogin, JwtProvider

logger = logging.getLogger(__name__)


class JwtKeys:
    """Owns what keeps the providers' keys current, for the server's lifespan."""

    def __init__(self, login: JwtLogin, configs: Sequence[JwtConfig], world_readable: bool):
        self.login = login
        self._configs = {config.id: config for config in configs}
        self._world_readable = world_readable
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Fetch every ``jwks_uri`` once (each bounded by its timeout), then keep them fresh."""
        remotes = [p.remote_keys for p in self.login.providers if p.remote_keys is not None]
        await asyncio.gather(*(remote.start() for remote in remotes))
        self._tasks = [asyncio.create_task(remote.run()) for remote in remotes]
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            # Only possible on the main thread of a Unix process (not in tests' threads).
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.reload)

    async def stop(self) -> None:
        """Stop the background refreshes."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)

    def reload(self) -> None:
        """SIGHUP: reread ``secret_path`` / ``jwks_path``; a bad file keeps the old keys."""
        for provider in self.login.providers:
            config = self._configs[provider.id]
            if config.secret_path is None and config.jwks_path is None:
                continue
            try:
                provider.policy = reload_jwt_policy(config, provider.policy, self._world_readable)
            except ConfigError as exc:
                logger.error("SIGHUP: keeping the old keys of %s: %s", provider.id, exc)
            else:
                logger.info("SIGHUP: reloaded the keys of JWT provider %s", provider.id)


def build_jwt_login(config: Config, clock: Clock, metrics: Metrics | None) -> JwtKeys | None:
    """The JWT login type for every enabled provider (None when there is none).

    Raises:
        ConfigError: naming the provider's key that cannot be used.
    """
    configs = config.jwt_logins
    if not configs:
        return None
    providers = [_provider(jwt, config.allows_existing_users(jwt), metrics) for jwt in configs]
    return JwtKeys(JwtLogin(providers, clock), configs, config.allow_world_readable_secrets)


def _provider(jwt: JwtConfig, claim_existing: bool, metrics: Metrics | None) -> JwtProvider:
    remote = None
    if jwt.jwks_uri is not None:
        remote = RemoteKeySet(
            jwt.id,
            jwt.jwks_uri,
            jwt.algorithm_list,
            timeout_ms=jwt.jwks_timeout,
            cache_min_ms=jwt.jwks_cache_min,
            cache_max_ms=jwt.jwks_cache_max,
            refetch_interval_ms=jwt.jwks_refetch_interval,
            metrics=metrics,
        )
    return JwtProvider(
        jwt.id,
        build_jwt_policy(jwt),
        build_claim_mapping(jwt),
        replay_protection=jwt.jti_replay_protection,
        minimal_errors=jwt.error_detail == "minimal",
        remote_keys=remote,
        claim_existing=claim_existing,
    )
