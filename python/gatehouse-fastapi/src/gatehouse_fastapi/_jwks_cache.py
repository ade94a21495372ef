"""The auth server's public signing keys, fetched over HTTP and cached.

Forged `kid`s must not turn the backend into a load generator against the auth server, so fetches are
rate-limited: at most one per cooldown (whatever triggered it), concurrent misses share one fetch, and a
kid that was missing after a fetch is remembered as missing until the next allowed fetch. When the auth
server is down the keys already cached keep working; a fetch never waits longer than its timeout.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
from jwt import PyJWK
from jwt.exceptions import PyJWTError

log = logging.getLogger("gatehouse.auth.jwks")

_MAX_JWKS_BYTES = 256 * 1024
_MAX_NEGATIVE_ENTRIES = 1024


class JwksCache:
    """Maps `kid` → verification key, refreshing from `url` under a strict fetch budget."""

    def __init__(
        self,
        *,
        url: str,
        http: httpx.AsyncClient,
        allowed_algorithms: list[str],
        timeout_seconds: float = 3.0,
        cooldown_seconds: float = 30.0,
        max_age_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._http = http
        self._allowed = set(allowed_algorithms)
        self._timeout = timeout_seconds
        self._cooldown = cooldown_seconds
        self._max_age = max_age_seconds
        self._clock = clock
        self._keys: dict[str, PyJWK] = {}
        self._loaded_at: float | None = None
        self._last_attempt: float | None = None
        self._missing: dict[str, float] = {}
        self._lock = asyncio.Lock()

    async def get_key(self, kid: str) -> PyJWK | None:
        """The key for `kid`, fetching at most once per cooldown; None when unknown or unreachable."""
        now = self._clock()
        key = self._keys.get(kid)
        if key is not None and not self._is_stale(now):
            return key
        if key is None and self._recently_missing(kid, now):
            return None
        if not self._may_fetch(now):
            if key is None and self._lock.locked():
                # A fetch is in flight (a worker's cold start under load): wait for its answer (bounded by the
                # fetch timeout) rather than refuse a valid token that the fetch is about to make verifiable.
                async with self._lock:
                    pass
                return self._keys.get(kid)
            return key  # a stale key beats no key; an unknown one stays unknown until the cooldown ends
        async with self._lock:
            # Another request may have fetched while we waited for the lock.
            if self._may_fetch(self._clock()):
                await self._refresh()
        key = self._keys.get(kid)
        if key is None:
            self._remember_missing(kid)
        return key

    def _is_stale(self, now: float) -> bool:
        return self._loaded_at is None or now - self._loaded_at >= self._max_age

    def _may_fetch(self, now: float) -> bool:
        return self._last_attempt is None or now - self._last_attempt >= self._cooldown

    def _recently_missing(self, kid: str, now: float) -> bool:
        seen = self._missing.get(kid)
        return seen is not None and now - seen < self._cooldown

    def _remember_missing(self, kid: str) -> None:
        if len(self._missing) >= _MAX_NEGATIVE_ENTRIES:
            self._missing.clear()  # bounded memory beats perfect memory against a flood of random kids
        self._missing[kid] = self._clock()

    async def _refresh(self) -> None:
        self._last_attempt = self._clock()
        try:
            response = await self._http.get(self._url, timeout=self._timeout)
            response.raise_for_status()
            if len(response.content) > _MAX_JWKS_BYTES:
                raise ValueError("JWKS document too large")
            keys = self._parse(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("jwks fetch failed; keeping %d cached keys", len(self._keys), extra={"error": repr(exc)})
            return
        self._keys = keys
        self._loaded_at = self._clock()
        self._missing = {kid: seen for kid, seen in self._missing.items() if kid not in keys}
        log.info("jwks refreshed", extra={"kids": sorted(keys)})

    def _parse(self, document: Any) -> dict[str, PyJWK]:
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise ValueError("not a JWKS document")
        keys: dict[str, PyJWK] = {}
        for entry in document["keys"]:
            if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
                continue
            if entry.get("alg") is not None and entry["alg"] not in self._allowed:
                continue
            if "d" in entry:  # a private key published by mistake is not a verification key
                continue
            try:
                keys[entry["kid"]] = PyJWK(entry)
            except (PyJWTError, ValueError, TypeError, KeyError):
                log.warning("skipping unusable jwk", extra={"kid": entry.get("kid")})
        return keys
