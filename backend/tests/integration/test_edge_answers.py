"""Both services answer the same contract code at the HTTP edge (contract/gatehouse.json `errors`): a body that is not
valid JSON, a body not sent as JSON, a served path asked with a method it does not serve; and both answer HEAD as GET
without a body. Each side also tests its own answers (auth-server/test/bad-input.test.ts, tests/test_errors.py); this
asks both, so they cannot drift apart."""

import httpx

from tests.integration.conftest import sign_in, sign_up_and_verify

JSON = {"Content-Type": "application/json"}
SIGN_IN = "/api/auth/sign-in/email"
TASKS = "/api/v1/tasks"


def answer(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


async def test_both_services_answer_the_edges_alike(
    auth: httpx.AsyncClient, backend: httpx.AsyncClient, unique_email: str
) -> None:
    await sign_up_and_verify(auth, unique_email)
    user = await sign_in(auth, unique_email)
    on_auth = {"email": unique_email, "password": "wrong password here"}

    malformed = b'{"email": '
    assert answer(await auth.post(SIGN_IN, content=malformed, headers=JSON)) == (400, "INVALID_JSON")
    assert answer(await backend.post(TASKS, content=malformed, headers={**JSON, **user.bearer()})) == (
        400,
        "INVALID_JSON",
    )

    text = {"Content-Type": "text/plain"}
    as_text = b'{"title": "x"}'
    assert answer(await auth.post(SIGN_IN, content=str(on_auth).encode(), headers=text)) == (
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    )
    assert answer(await backend.post(TASKS, content=as_text, headers={**text, **user.bearer()})) == (
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    )

    wrong_method = [await auth.put(SIGN_IN), await backend.put(TASKS, headers=user.bearer())]
    for response in wrong_method:
        assert answer(response) == (405, "METHOD_NOT_ALLOWED"), response.request.url
        assert response.headers["allow"], response.request.url

    # A path nobody serves stays 404 on both.
    assert answer(await auth.get("/api/auth/no-such-route")) == (404, "NOT_FOUND")
    assert answer(await backend.get("/api/v1/no-such-route")) == (404, "NOT_FOUND")

    # HEAD is GET without the body (RFC 9110 §9.3.2); on a path with no GET it is refused as GET would be.
    for response in (await auth.head("/api/auth/get-session"), await backend.head("/api/v1/health")):
        assert (response.status_code, response.content) == (200, b""), response.request.url
        assert response.headers["content-type"] == "application/json", response.request.url
    for response in (await auth.head(SIGN_IN), await backend.head(f"/api/v1/users/{user.user_id}/ban")):
        assert (response.status_code, response.content) == (405, b""), response.request.url
        assert response.headers["allow"], response.request.url
