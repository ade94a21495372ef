"""The JWT path's last step: the principal carries the JWT's own amr / auth_time, rebuilt only when the claims, the
session or the user behind it changed (a repeated request reuses it; an updated user is never hidden)."""

from datetime import UTC, datetime

import pytest

from gatehouse_fastapi import _authenticator
from gatehouse_fastapi._authenticator import Authenticator
from gatehouse_fastapi._jwt_verify import JwtClaims
from gatehouse_fastapi._models import AuthUser, CredentialKind, Principal, Session


class _Verifier:
    def __init__(self) -> None:
        self.claims: dict[str, JwtClaims] = {}

    async def verify(self, token: str) -> JwtClaims | None:
        return self.claims.get(token)


class _Liveness:
    def __init__(self, user: AuthUser, session: Session) -> None:
        self.user, self.session = user, session

    async def live_principal(self, claims: JwtClaims, token: str) -> Principal | None:
        return Principal(self.user, self.session, CredentialKind.JWT)  # a new principal per call, as the caches do


def _claims(sid: str, *, amr: frozenset[str], auth_time: int) -> JwtClaims:
    return JwtClaims("u1", sid, None, True, None, None, 0, 2**31, {}, amr=amr, auth_time=auth_time)


def _make(liveness: _Liveness, verifier: _Verifier) -> Authenticator:
    return Authenticator(
        secret=b"s" * 32,
        cookie_name="better-auth.session_token",
        sessions=None,  # type: ignore[arg-type]  # not reached: only JWTs here
        jwt_verifier=verifier,  # type: ignore[arg-type]
        liveness=liveness,
    )


async def test_jwt_principal_speaks_for_the_token_and_is_reused_until_something_changes() -> None:
    user = AuthUser(id="u1", email="a@example.com", name="Ada", email_verified=True)
    session = Session(id="s1", user_id="u1", expires_at=datetime(2999, 1, 1, tzinfo=UTC), amr=frozenset({"pwd", "otp"}))
    liveness, verifier = _Liveness(user, session), _Verifier()
    verifier.claims["t.o.k"] = _claims("s1", amr=frozenset({"pwd"}), auth_time=1_700_000_000)
    auth = _make(liveness, verifier)

    first = await auth.authenticate("Bearer t.o.k", None)
    assert first is not None
    assert first.session.amr == frozenset({"pwd"})  # the token's, not the session's later step-up
    assert first.session.auth_time == datetime.fromtimestamp(1_700_000_000, UTC)
    assert await auth.authenticate("Bearer t.o.k", None) is first

    liveness.user = AuthUser(id="u1", email="a@example.com", name="Renamed", email_verified=True)
    renamed = await auth.authenticate("Bearer t.o.k", None)
    assert renamed is not None
    assert renamed.user.name == "Renamed"

    liveness.session = Session(id="s1", user_id="u1", expires_at=datetime(2999, 6, 1, tzinfo=UTC))
    extended = await auth.authenticate("Bearer t.o.k", None)
    assert extended is not None
    assert extended.session.expires_at == datetime(2999, 6, 1, tzinfo=UTC)
    assert extended.session.amr == frozenset({"pwd"})


async def test_jwt_principals_remembered_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_authenticator, "_MAX_JWT_PRINCIPALS", 2)
    user = AuthUser(id="u1", email="a@example.com", name="Ada", email_verified=True)
    session = Session(id="s1", user_id="u1", expires_at=datetime(2999, 1, 1, tzinfo=UTC))
    verifier = _Verifier()
    auth = _make(_Liveness(user, session), verifier)
    for i in range(5):
        verifier.claims[f"t.o.{i}"] = _claims("s1", amr=frozenset(), auth_time=i)
        assert await auth.authenticate(f"Bearer t.o.{i}", None) is not None
    assert len(auth._jwt_principals) == 2
