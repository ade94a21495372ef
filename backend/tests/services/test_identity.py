"""The service token the backend signs for the auth server's internal admin API (auth-server/src/plugins/
internal-admin/README.md): key, claims, binding to the one request."""

import json

import jwt

from app.services.identity import body_hash, service_token, service_token_key
from tests.utils.factories import TEST_SECRET


def test_key_is_the_auth_servers_hkdf_test_vector() -> None:
    assert service_token_key(TEST_SECRET).hex() == "b04bc5b358318a826da0ae5fafd41b60ddb28f28b6da278dec07a41b5e133355"


def test_token_binds_method_path_body_actor_and_session_for_sixty_seconds() -> None:
    key = service_token_key(TEST_SECRET)
    body = json.dumps({"userId": "u1", "role": "admin"}, separators=(",", ":")).encode()
    path = "/api/auth/internal/admin/set-role"
    token = service_token(key, actor_id="admin-1", session_id="s-1", path=path, body=body, now=1_000)
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(
        token, key, algorithms=["HS256"], audience="gatehouse-auth-internal", options={"verify_exp": False}
    )
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert claims["iss"] == "gatehouse-backend"
    assert (claims["sub"], claims["sid"], claims["htm"], claims["htu"]) == ("admin-1", "s-1", "POST", path)
    assert (claims["iat"], claims["exp"]) == (1_000, 1_060)
    assert claims["bsh"] == body_hash(body)
    assert "=" not in claims["bsh"]
    assert len(claims["bsh"]) == 43
    assert len(claims["jti"]) >= 22  # at least 128 random bits


def test_every_token_has_its_own_jti() -> None:
    key = service_token_key(TEST_SECRET)
    jtis = {
        jwt.decode(
            service_token(key, actor_id="a", session_id="s", path="/p", body=b"{}"),
            key,
            algorithms=["HS256"],
            audience="gatehouse-auth-internal",
        )["jti"]
        for _ in range(100)
    }
    assert len(jtis) == 100
