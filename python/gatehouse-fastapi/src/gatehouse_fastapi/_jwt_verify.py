"""Verification of the auth server's EdDSA JWTs. Returns claims or None; never raises on bad input."""

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt

from gatehouse_fastapi._jwks_cache import JwksCache
from gatehouse_fastapi._models import parse_amr

if TYPE_CHECKING:
    from gatehouse_fastapi._token_cache import VerifiedTokenCache

log = logging.getLogger("gatehouse_fastapi.jwt")

# Headers that point at other keys. better-auth never sets them; honouring them is how forgeries work,
# so a token carrying any of them is refused outright rather than merely ignored.
_KEY_SOURCE_HEADERS = frozenset({"jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256"})
_MAX_KID_LENGTH = 256


@dataclass(frozen=True, slots=True)
class JwtClaims:
    """The verified claims this package uses. `sid` (the session id) is Gatehouse's addition to the payload;
    stock better-auth's jwt plugin leaves it out, and such a token is tied to its user's sessions instead.
    """

    sub: str
    sid: str | None
    email: str | None
    email_verified: bool
    role: str | None
    name: str | None
    issued_at: int
    expires_at: int
    raw: dict[str, Any]
    amr: frozenset[str] = frozenset()
    """RFC 8176 `amr` values (empty when absent or malformed)."""
    auth_time: int | None = None
    """OpenID Connect `auth_time`, epoch seconds, or None."""


def looks_like_jwt(credential: str) -> bool:
    """Compact JWS has exactly three segments; opaque session tokens have one or two."""
    return credential.count(".") == 2


class JwtVerifier:
    """Checks signature (via the JWKS cache), algorithm allow-list, typ, iss, aud, exp, nbf, iat, and a lifetime
    (`exp - iat`) no longer than `max_lifetime_seconds` (+ leeway): the longest the auth server issues, so a token
    minted for longer (a leaked or misused signing key) is refused however valid its signature.
    """

    def __init__(
        self,
        *,
        jwks: JwksCache,
        issuer: str,
        audience: str,
        algorithms: list[str],
        leeway_seconds: int = 5,
        max_length: int = 8192,
        cache: "VerifiedTokenCache | None" = None,
        require_sid: bool = False,
        max_lifetime_seconds: float | None = None,
    ) -> None:
        self._jwks = jwks
        self._max_lifetime = max_lifetime_seconds
        self._cache = cache
        self._require_sid = require_sid
        self._issuer = issuer
        self._audience = audience
        # Defence in depth: even a misconfigured list can never let `none` or HMAC through.
        self._algorithms = [a for a in algorithms if a.lower() != "none" and not a.upper().startswith("HS")]
        self._leeway = leeway_seconds
        self._max_length = max_length

    async def verify(self, token: str) -> JwtClaims | None:
        """Claims of a valid token, or None for anything else (malformed, forged, expired, ...).

        A token verified before (same string, before its `exp`, key still published) is answered from the
        verified-token cache without a signature check.
        """
        if len(token) > self._max_length or not looks_like_jwt(token):
            return None
        if self._cache is None:
            verified = await self._verify(token)
            return None if verified is None else verified[0]
        key = self._cache.key(token)
        cached = self._cache.get(key, key_held=self._jwks.holds)
        if cached is not None:
            return cached
        verified = await self._verify(token)
        if verified is None:
            return None
        self._cache.put(key, *verified)
        return verified[0]

    async def _verify(self, token: str) -> tuple[JwtClaims, str] | None:
        try:
            header = jwt.get_unverified_header(token)
        except (jwt.PyJWTError, ValueError, TypeError):
            return None
        alg = header.get("alg")
        kid = header.get("kid")
        typ = header.get("typ")
        if not isinstance(alg, str) or alg not in self._algorithms:
            return None
        if typ is not None and (not isinstance(typ, str) or typ.lower() != "jwt"):
            return None  # e.g. logout+jwt or at+jwt: a different token type must not pass as a session JWT
        if "crit" in header or _KEY_SOURCE_HEADERS & header.keys():
            return None
        if not isinstance(kid, str) or not 0 < len(kid) <= _MAX_KID_LENGTH:
            return None
        key = await self._jwks.get_key(kid)
        if key is None:
            return None
        if key.algorithm_name != alg:
            return None
        try:
            payload = jwt.decode(
                token,
                key=key.key,
                algorithms=[alg],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            log.debug("jwt rejected", extra={"reason": type(exc).__name__})
            return None
        claims = _claims(payload)
        if claims is None or (self._require_sid and claims.sid is None):
            return None
        if self._max_lifetime is not None and payload["exp"] - payload["iat"] > self._max_lifetime + self._leeway:
            log.debug("jwt rejected", extra={"reason": "LifetimeTooLong"})
            return None
        return claims, kid


def _claims(payload: dict[str, Any]) -> JwtClaims | None:
    sub, sid = payload.get("sub"), payload.get("sid")
    if not isinstance(sub, str) or not sub:
        return None
    if sid is not None and (not isinstance(sid, str) or not sid):
        return None  # present but malformed: refused, never treated as absent
    iat, exp = payload.get("iat"), payload.get("exp")
    if not isinstance(iat, int | float) or not isinstance(exp, int | float):
        return None
    email = payload.get("email")
    role = payload.get("role")
    name = payload.get("name")
    auth_time = payload.get("auth_time")
    return JwtClaims(
        sub=sub,
        sid=sid,
        email=email if isinstance(email, str) else None,
        email_verified=payload.get("email_verified") is True or payload.get("emailVerified") is True,
        role=role if isinstance(role, str) else None,
        name=name if isinstance(name, str) else None,
        issued_at=int(iat),
        expires_at=int(exp),
        raw=payload,
        amr=parse_amr(payload.get("amr")) if isinstance(payload.get("amr"), list) else frozenset(),
        auth_time=int(auth_time) if isinstance(auth_time, int | float) and not isinstance(auth_time, bool) else None,
    )
