"""Item 19 of issue 12: every answer the auth server gives, as recorded from the live server, is valid against the
OpenAPI document it publishes (openapi-core: JSON Schema 2020-12 for OpenAPI 3.1), and every documented operation
was driven to a success. A client generated from the document trusts exactly these schemas."""

import json

import pytest

from tests.integration.openapi.conftest import OpenApiStack, auth_client
from tests.integration.openapi.recorder import Recorder
from tests.integration.openapi.scenario import SECOND_FACTOR_CEREMONIES, record_everything


@pytest.fixture(scope="module")
def recorded(openapi_stack: OpenApiStack) -> Recorder:
    """Every exchange of the scenario, recorded once for this module's tests."""
    import asyncio

    async def run() -> Recorder:
        async with auth_client(openapi_stack) as http:
            recorder = Recorder(http, openapi_stack.document)
            await record_everything(recorder, openapi_stack.auth.url)
            return recorder

    return asyncio.run(run())


def operations(document: dict[str, object]) -> set[str]:
    paths = document["paths"]
    assert isinstance(paths, dict)
    return {f"{method.upper()} {path}" for path, ops in paths.items() for method in ops}


def test_document_is_openapi_3_1_without_3_0_keywords(openapi_stack: OpenApiStack) -> None:
    document = openapi_stack.document
    assert document["openapi"].startswith("3.1")
    assert '"nullable"' not in json.dumps(document)


def test_every_recorded_answer_follows_the_document(recorded: Recorder) -> None:
    problems = recorded.problems()
    assert not problems, "\n".join(problems)


# Operations whose success this test cannot bring about, with the reason. Their error answers are recorded and checked.
NO_SUCCESS_HERE = {
    "POST /refresh-token": "the test OpenID provider issues no refresh tokens",
    **dict.fromkeys(
        SECOND_FACTOR_CEREMONIES, "needs a TOTP code or a WebAuthn authenticator (scenario.SECOND_FACTOR_CEREMONIES)"
    ),
}


def test_every_documented_operation_was_recorded_succeeding(recorded: Recorder, openapi_stack: OpenApiStack) -> None:
    succeeded = {e.operation for e in recorded.exchanges if e.response.is_success or e.response.is_redirect}
    assert set(NO_SUCCESS_HERE) <= {e.operation for e in recorded.exchanges}
    missing = operations(openapi_stack.document) - succeeded - set(NO_SUCCESS_HERE)
    assert not missing, f"operations never driven to a success: {sorted(missing)}"
    print(f"{len(recorded.exchanges)} exchanges over {len(succeeded)} operations")
