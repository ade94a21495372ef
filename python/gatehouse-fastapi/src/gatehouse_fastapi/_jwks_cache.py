"""The auth server's public signing keys, fetched over HTTP and cached.

Two rules pull against each other. Forged `kid`s must not turn this process into a load generator against
the auth server, so fetches are spaced: at most one per `min_refetch_seconds` (1 s by default), whatever
asked, and concurrent misses share one fetch. And a cooldown must never refuse a key the JWKS now holds:
after `rotate-keys` the new key signs at once, so a token with an unknown `kid` waits for a fetch that
started after it arrived (the next one allowed, at most `min_refetch_seconds` away) instead of being
refused. A failed fetch is spaced the same way, so a worker whose first fetch found the auth server down
verifies tokens again within about a second of its return. Keys already cached keep working while the auth
server is unreachable; a fetch never waits longer than its timeout.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from jwt import PyJWK
from jwt.exceptions import PyJWTError

log = logging.getLogger("gatehouse_fastapi.jwks")

_MAX_JWKS_BYTES = 256 * 1024


class JwksCache:
    """Maps `kid` → verification key, refreshing from `url` under a fetch budget (see the module docstring)."""

    def __init__(
        self,
        *,
        url: str,
        http: httpx.AsyncClient,
        allowed_algorithms: list[str],
        timeout_seconds: float = 3.0,
        min_refetch_seconds: float = 1.0,
        max_age_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self._url = url
        self._http = http
        self._allowed = set(allowed_algorithms)
        self._timeout = timeout_seconds
        self._spacing = min_refetch_seconds
        self._max_age = max_age_seconds
        self._clock = clock
        self._sleep = sleep
        self._keys: dict[str, PyJWK] = {}
        self._loaded_at: float | None = None
        self._last_start: float | None = None  # when the latest fetch attempt began (completed or not)
        self._lock = asyncio.Lock()

    def holds(self, kid: str) -> bool:
        """Whether `kid` is in the key set as last fetched (no fetch; for caches of verified tokens)."""
        return kid in self._keys

    async def get_key(self, kid: str) -> PyJWK | None:
        """The key for `kid`, or None when the JWKS (fetched after this call began) does not hold it or the
        auth server cannot be reached. Waits at most `min_refetch_seconds` plus one fetch's timeout.
        """
        arrived = self._clock()
        key = self._keys.get(kid)
        if key is not None:
            if self._is_stale(arrived) and not self._lock.locked():
                # One caller refreshes; everyone else keeps using the key they have (a stale key beats none).
                async with self._lock:
                    if self._is_stale(self._clock()):
                        await self._fetch_spaced()
            return self._keys.get(kid, key)
        await self._fetch_started_after(kid, arrived)
        return self._keys.get(kid)

    async def _fetch_started_after(self, kid: str, arrived: float) -> None:
        async with self._lock:  # FIFO: waiters share the fetch that follows their arrival
            if kid in self._keys or (self._last_start is not None and self._last_start >= arrived):
                return  # the fetch just done has the key, or began after this call arrived: its answer stands
            await self._fetch_spaced()

    async def _fetch_spaced(self) -> None:
        if self._last_start is not None:
            wait = self._last_start + self._spacing - self._clock()
            if wait > 0:
                await self._sleep(wait)
        await self._refresh()

    def _is_stale(self, now: float) -> bool:
        return self._loaded_at is None or now - self._loaded_at >= self._max_age

    async def _refresh(self) -> None:
        self._last_start = self._clock()
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
