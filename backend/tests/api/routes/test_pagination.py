"""Every paged list holds to contract/gatehouse.json `pagination` (the auth server's admin list-users too)."""

import httpx
from fastapi import FastAPI
from gatehouse_fastapi._contract import PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX, PAGE_OFFSET_MAX

from tests.utils.factories import Actor

LISTS = ("/api/v1/users", "/api/v1/admin/events", "/api/v1/tasks")


async def test_lists_refuse_a_limit_or_offset_past_the_contract_caps(client: httpx.AsyncClient, admin: Actor) -> None:
    for path in LISTS:
        for params in ({"limit": PAGE_LIMIT_MAX + 1}, {"limit": 0}, {"offset": PAGE_OFFSET_MAX + 1}):
            response = await client.get(path, params=params, headers=admin.bearer())
            assert (response.status_code, response.json()["code"]) == (400, "VALIDATION_ERROR"), (path, params)
        for params in ({"limit": PAGE_LIMIT_MAX}, {"offset": PAGE_OFFSET_MAX}):
            response = await client.get(path, params=params, headers=admin.bearer())
            assert response.status_code == 200, (path, params, response.text)


def test_lists_default_to_the_contract_page_size(app: FastAPI) -> None:
    document = app.openapi()
    for path in LISTS:
        [limit] = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == "limit"]
        assert (limit["schema"]["default"], limit["schema"]["maximum"]) == (PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX), path
