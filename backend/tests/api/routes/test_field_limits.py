"""Issue 12 items 9, 10 and 11, backend side: text that cannot be stored never reaches the database, values of the
wrong type are refused, and the field limits are the contract's (contract/gatehouse.json `fieldLimits`), the ones
the auth server applies (auth-server/src/plugins/user-fields). Same answers on SQLite and PostgreSQL."""

import json
from typing import Any

import httpx
import pytest
from gatehouse_fastapi._contract import FieldLimits
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Task
from tests.utils.factories import Actor

TASKS = "/api/v1/tasks"
HUNDRED_EMOJI = "\U0001f600" * 100  # 100 code points, as the contract counts; 200 UTF-16 units


async def task_count(db: AsyncSession) -> int:
    return int((await db.execute(select(func.count()).select_from(Task))).scalar_one())


def json_headers(actor: Actor) -> dict[str, str]:
    """Headers for a JSON body written by hand (escapes such as `\\ud800` sent exactly as written)."""
    return {**actor.bearer(), "content-type": "application/json"}


LONE_SURROGATE_BODIES = [
    pytest.param(r'{"title": "x\ud800y"}', id="high-surrogate-in-title"),
    pytest.param(r'{"title": "ok", "description": "\udc00"}', id="low-surrogate-in-description"),
    pytest.param(r'{"title": "ok", "\udfff": 1}', id="lone-surrogate-in-a-key"),
    pytest.param(r'{"title": "\ud83d\u0041"}', id="high-surrogate-before-a-letter"),
]


@pytest.mark.parametrize("body", LONE_SURROGATE_BODIES)
async def test_lone_surrogate_in_any_text_is_refused_and_nothing_stored(
    client: httpx.AsyncClient, db: AsyncSession, alice: Actor, body: str
) -> None:
    response = await client.post(TASKS, content=body.encode(), headers=json_headers(alice))
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert await task_count(db) == 0


async def test_a_surrogate_pair_is_one_character_and_stored(
    client: httpx.AsyncClient, db: AsyncSession, alice: Actor
) -> None:
    response = await client.post(TASKS, content=rb'{"title": "\ud83d\ude00"}', headers=json_headers(alice))
    assert response.status_code == 201, response.text
    assert response.json()["title"] == "\U0001f600"


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"title": "x\xed\xa0\x80y"}', id="surrogate-as-utf8-bytes"),
        pytest.param(b'{"title": "caf\xc3"}', id="cut-sequence"),
        pytest.param(b'{"title": "\xff"}', id="not-utf8-at-all"),
    ],
)
async def test_body_that_is_not_utf8_is_refused(
    client: httpx.AsyncClient, db: AsyncSession, alice: Actor, raw: bytes
) -> None:
    response = await client.post(TASKS, content=raw, headers=json_headers(alice))
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert await task_count(db) == 0


async def test_profile_with_lone_surrogate_is_refused_before_the_auth_server(
    client: httpx.AsyncClient, alice: Actor
) -> None:
    response = await client.patch(
        f"/api/v1/users/{alice.user.id}",
        content=b'{"name": "x\\ud800y"}',
        headers=json_headers(alice),
    )
    assert (response.status_code, response.json()["code"]) == (400, "VALIDATION_ERROR")


WRONG_TYPES = [{}, [], True, 1, 1.5, None]


@pytest.mark.parametrize("value", WRONG_TYPES, ids=[json.dumps(v) for v in WRONG_TYPES])
@pytest.mark.parametrize("field", ["name", "image"])
async def test_non_string_profile_fields_are_refused_not_coerced(
    client: httpx.AsyncClient, alice: Actor, field: str, value: object
) -> None:
    if field == "image" and value is None:
        pytest.skip("null clears the image")
    response = await client.patch(f"/api/v1/users/{alice.user.id}", json={field: value}, headers=alice.bearer())
    assert (response.status_code, response.json()["code"]) == (400, "VALIDATION_ERROR")


def over(limit_max: int, unit: str = "n") -> str:
    return unit * (limit_max + 1)


CONTRACT_CASES = [
    pytest.param({"name": over(FieldLimits.USER_NAME.max_length)}, id="name-over-limit"),
    pytest.param({"name": "x" * 60_000}, id="name-60000"),
    pytest.param({"name": "  \t "}, id="name-blank"),
    pytest.param({"image": "javascript:alert(1)"}, id="image-javascript"),
    pytest.param({"image": "JAVASCRIPT:alert(1)"}, id="image-upper-case-scheme"),
    pytest.param({"image": "data:text/html,<b>x</b>"}, id="image-data-not-image"),
    pytest.param({"image": "https://x.example/" + over(FieldLimits.USER_IMAGE.max_length)}, id="image-over-limit"),
]


@pytest.mark.parametrize("body", CONTRACT_CASES)
async def test_profile_limits_are_the_contracts(client: httpx.AsyncClient, alice: Actor, body: dict[str, Any]) -> None:
    response = await client.patch(f"/api/v1/users/{alice.user.id}", json=body, headers=alice.bearer())
    assert (response.status_code, response.json()["code"]) == (400, "VALIDATION_ERROR")


async def test_ban_limits_are_the_contracts(client: httpx.AsyncClient, admin: Actor, bob: Actor) -> None:
    url = f"/api/v1/users/{bob.user.id}/ban"
    for body in (
        {"reason": over(FieldLimits.BAN_REASON.max_length)},
        {"reason": 5},
        {"expires_in_seconds": FieldLimits.BAN_EXPIRES_IN_SECONDS.min - 1},
        {"expires_in_seconds": FieldLimits.BAN_EXPIRES_IN_SECONDS.max + 1},
        {"expires_in_seconds": "3600"},
    ):
        response = await client.post(url, json=body, headers=admin.bearer())
        assert (response.status_code, response.json()["code"]) == (400, "VALIDATION_ERROR"), body


async def test_task_limits_are_the_contracts(client: httpx.AsyncClient, db: AsyncSession, alice: Actor) -> None:
    title, description = FieldLimits.TASK_TITLE, FieldLimits.TASK_DESCRIPTION
    for body in (
        {"title": over(title.max_length)},
        {"title": "t", "description": over(description.max_length)},
        {"title": True},
    ):
        response = await client.post(TASKS, json=body, headers=alice.bearer())
        assert (response.status_code, response.json()["code"]) == (400, "VALIDATION_ERROR"), body
    at_limit = {"title": "\U0001f600" * title.max_length, "description": "d" * description.max_length}
    created = await client.post(TASKS, json=at_limit, headers=alice.bearer())
    assert created.status_code == 201, created.text
    assert await task_count(db) == 1


@pytest.mark.auth_server
async def test_profile_at_the_limits_goes_through_trimmed(client: httpx.AsyncClient, alice: Actor) -> None:
    url = f"/api/v1/users/{alice.user.id}"
    response = await client.patch(url, json={"name": f"  {HUNDRED_EMOJI}  "}, headers=alice.bearer())
    assert (response.status_code, response.json()["name"]) == (200, HUNDRED_EMOJI), response.text
    image = "data:image/png;base64,iVBORw0KGgo="
    response = await client.patch(url, json={"image": image}, headers=alice.bearer())
    assert (response.status_code, response.json()["image"]) == (200, image), response.text


# Controls, NUL and bidirectional formatting (contract characterSets): a name must read as what it is. Sent as
# JSON escapes, exactly as an attacker would.
FORBIDDEN_IN_ONE_LINE = ["\x00", "\x07", "\x1b", "\n", "\x7f", "\x85", "\u061c", "\u200f", "\u2028", "\u202e", "\u2066"]
FORBIDDEN_IN_ONE_LINE += ["\u2069", "\ufeff"]


def _ids(chars: list[str]) -> list[str]:
    return [f"U+{ord(c):04X}" for c in chars]


@pytest.mark.parametrize("char", FORBIDDEN_IN_ONE_LINE, ids=_ids(FORBIDDEN_IN_ONE_LINE))
async def test_profile_name_with_a_control_or_bidi_character_is_refused(
    client: httpx.AsyncClient, alice: Actor, char: str
) -> None:
    body = json.dumps({"name": f"Ada{char}Lovelace"}).encode()
    response = await client.patch(f"/api/v1/users/{alice.user.id}", content=body, headers=json_headers(alice))
    assert (response.status_code, response.json()["code"]) == (400, "VALIDATION_ERROR"), response.text
    assert f"U+{ord(char):04X}" in response.json()["message"]


async def test_other_text_fields_refuse_control_and_bidi_characters(
    client: httpx.AsyncClient, db: AsyncSession, alice: Actor, admin: Actor, bob: Actor
) -> None:
    refused: list[tuple[str, str, dict[str, Any], Actor]] = [
        ("PATCH", f"/api/v1/users/{alice.user.id}", {"image": "https://img.example/\u202egnp.exe"}, alice),
        ("POST", TASKS, {"title": "pay\u202e"}, alice),
        ("POST", TASKS, {"title": "line\nbreak"}, alice),
        ("POST", TASKS, {"title": "ok", "description": "nul\x00"}, alice),
        ("POST", TASKS, {"title": "ok", "description": "\u2066isolate"}, alice),
        ("POST", f"/api/v1/users/{bob.user.id}/ban", {"reason": "spam\x1b[31m"}, admin),
    ]
    for method, url, body, actor in refused:
        response = await client.request(method, url, content=json.dumps(body).encode(), headers=json_headers(actor))
        assert (response.status_code, response.json()["code"]) == (400, "VALIDATION_ERROR"), (url, body)
    assert await task_count(db) == 0
    # Multi-line fields keep tab, line feed and carriage return; zero-width joiners (emoji) stay.
    body = {"title": "Zo\u00eb \U0001f469\u200d\U0001f4bb", "description": "one\r\ntwo\tthree"}
    created = await client.post(TASKS, json=body, headers=alice.bearer())
    assert created.status_code == 201, created.text
    assert created.json()["description"] == "one\r\ntwo\tthree"
