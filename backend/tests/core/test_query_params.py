"""A repeated query parameter is 400 `VALIDATION_ERROR` (app.core.query_params), as the auth server answers a repeated
scalar parameter (auth-server/test/admin-search.test.ts); one value per parameter otherwise."""

import httpx
import pytest

from app.core.query_params import repeated_parameter
from tests.utils.factories import Actor


@pytest.mark.parametrize(
    ("query", "repeated"),
    [
        (b"", None),
        (b"limit=1", None),
        (b"limit=1&offset=0", None),
        (b"limit=1&limit=2", "limit"),
        (b"limit=1&%6Cimit=2", "limit"),  # the same name, percent-encoded
        (b"a=&a=", "a"),
        (b"completed=true&limit=5&completed=false", "completed"),
        (b"a=1;a=2", None),  # `;` separates nothing (Starlette reads one parameter `a` = "1;a=2")
    ],
)
def test_repeated_parameter(query: bytes, repeated: str | None) -> None:
    assert repeated_parameter(query) == repeated


async def test_a_repeated_parameter_is_refused_before_the_route(client: httpx.AsyncClient, alice: Actor) -> None:
    response = await client.get("/api/v1/tasks?limit=1&limit=100", headers=alice.bearer())
    assert (response.status_code, response.json()["code"]) == (400, "VALIDATION_ERROR")
    assert response.json()["message"].startswith("query.limit: given more than once")
    # Inside the other layers: the refusal carries the request id, the security headers and no-store.
    assert response.headers["x-request-id"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    # Anonymous too (no credential is read first), and on every route.
    assert (await client.get("/api/v1/health?x=1&x=2")).status_code == 400
    fine = await client.get("/api/v1/tasks?limit=1&offset=0", headers=alice.bearer())
    assert fine.status_code == 200
