"""The OpenAPI document: every route described, every error documented with the `{code, message}` body."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.errors import ERROR_STATUS, ErrorCode
from app.openapi_export import export

CHECKED_IN = Path(__file__).resolve().parents[2] / "openapi.json"


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    schema: dict[str, Any] = response.json()
    return schema


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def test_every_operation_is_described_and_tagged(document: dict[str, Any]) -> None:
    known_tags = {tag["name"] for tag in document["tags"]}
    for method, path, op in operations(document):
        assert op.get("summary"), (method, path)
        assert op.get("description"), (method, path)
        assert op.get("tags"), (method, path)
        assert set(op["tags"]) <= known_tags, (method, path)
        success = [status for status in op["responses"] if status.startswith("2")]
        assert len(success) == 1, (method, path)
        if success[0] != "204":
            content = op["responses"][success[0]]["content"]  # JSON, or text/csv for the audit log export
            assert any("schema" in media for media in content.values()), (method, path)


def test_every_error_response_uses_the_error_body(document: dict[str, Any]) -> None:
    for method, path, op in operations(document):
        assert "500" in op["responses"], (method, path)
        for status, response in op["responses"].items():
            if status < "400":
                continue
            schema = response["content"]["application/json"]["schema"]["$ref"]
            expected = "InternalErrorBody" if status == "500" else "ErrorBody"
            assert schema == f"#/components/schemas/{expected}", (method, path, status)
            for code in response.get("x-error-codes", []):
                assert str(ERROR_STATUS[ErrorCode(code)]) == status, (method, path, code)
                assert code in response["description"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert set(document["components"]["schemas"]["ErrorCode"]["enum"]) == {code.value for code in ErrorCode}


def test_errors_follow_from_dependencies_and_routes(document: dict[str, Any]) -> None:
    def codes(path: str, method: str) -> dict[str, list[str]]:
        responses = document["paths"][path][method]["responses"]
        return {status: r["x-error-codes"] for status, r in responses.items() if "x-error-codes" in r}

    assert codes("/api/v1/health", "get") == {"431": ["HEADERS_TOO_LARGE"], "500": ["INTERNAL_ERROR"]}
    assert codes("/api/v1/health/db", "get")["503"] == ["DATABASE_UNAVAILABLE"]
    assert codes("/api/v1/tasks/{task_id}", "patch") == {
        "400": ["INVALID_JSON", "VALIDATION_ERROR"],
        "401": ["UNAUTHORIZED"],
        "403": ["BANNED_USER", "EMAIL_NOT_VERIFIED", "INVALID_ORIGIN", "MISSING_OR_NULL_ORIGIN"],
        "404": ["TASK_NOT_FOUND"],
        "413": ["PAYLOAD_TOO_LARGE"],
        "415": ["UNSUPPORTED_MEDIA_TYPE"],
        "431": ["HEADERS_TOO_LARGE"],
        "500": ["INTERNAL_ERROR"],
        "503": ["DATABASE_UNAVAILABLE"],
    }
    # The origin check for the session cookie answers only state-changing methods.
    assert codes("/api/v1/tasks/{task_id}", "get")["403"] == ["BANNED_USER", "EMAIL_NOT_VERIFIED"]
    # MFA_REQUIRED: with ADMIN_REQUIRE_MFA every admin route needs a second factor.
    assert codes("/api/v1/admin/events", "get")["403"] == ["BANNED_USER", "FORBIDDEN", "MFA_REQUIRED"]
    role = codes("/api/v1/users/{user_id}/role", "put")
    assert role["400"] == ["CANNOT_CHANGE_OWN_ROLE", "INVALID_JSON", "INVALID_ROLE", "VALIDATION_ERROR"]
    assert not any("422" in op["responses"] for _, _, op in operations(document))


def test_credentials_are_declared_where_required(document: dict[str, Any]) -> None:
    assert set(document["components"]["securitySchemes"]) == {"bearer", "sessionCookie"}
    for method, path, op in operations(document):
        needs_auth = "401" in op["responses"]
        assert ("security" in op) == needs_auth, (method, path)
    assert "security" not in document["paths"]["/api/v1/health"]["get"]


def test_checked_in_document_is_current(tmp_path: Path) -> None:
    fresh = export(tmp_path / "openapi.json").read_text()
    assert CHECKED_IN.exists(), "run `make -C backend openapi`"
    assert json.loads(CHECKED_IN.read_text()) == json.loads(fresh), (
        "backend/openapi.json is stale: run `make -C backend openapi` (then `npm run gen:api -w web -- "
        "../backend/openapi.json` for the web client's types)"
    )
