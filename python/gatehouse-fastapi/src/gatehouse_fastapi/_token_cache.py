"""Verified JWTs remembered by a hash of the token, so a repeat costs a dictionary lookup, not an Ed25519 check.

What is cached is only "this exact string passed the signature and claim checks": the session behind it is
still checked on every request (the revocation view, the session cache, or the database), so a revoked
session's JWT is refused whether or not its verification was cached. Entries never outlive the token's `exp`,
are dropped when their signing key leaves the JWKS, and the cache is bounded (oldest first). Tokens are kept
as SHA-256 digests, so a heap dump holds no usable credential.
"""

import hashlib
import time
from collections.abc import Callable

from gatehouse_fastapi._jwt_verify import JwtClaims


class VerifiedTokenCache:
    """SHA-256(token) → (claims, kid) until `exp`; at most `max_entries` (the oldest go first)."""

    def __init__(self, *, max_entries: int = 10_000, clock: Callable[[], float] = time.time) -> None:
        self._max = max_entries
        self._clock = clock
        self._items: dict[bytes, tuple[JwtClaims, str]] = {}

    @staticmethod
    def key(token: str) -> bytes:
        """The cache key of a token (its SHA-256 digest)."""
        return hashlib.sha256(token.encode()).digest()

    def get(self, key: bytes, *, key_held: Callable[[str], bool]) -> JwtClaims | None:
        """The claims verified for `key`, if still before `exp` and their signing key is still published."""
        item = self._items.get(key)
        if item is None:
            return None
        claims, kid = item
        if self._clock() >= claims.expires_at or not key_held(kid):
            del self._items[key]
            return None
        return claims

    def put(self, key: bytes, claims: JwtClaims, kid: str) -> None:
        """Remember a token that passed every check."""
        if self._clock() >= claims.expires_at:
            return
        while len(self._items) >= self._max:
            del self._items[next(iter(self._items))]
        self._items[key] = (claims, kid)

    def __len__(self) -> int:
        return len(self._items)
