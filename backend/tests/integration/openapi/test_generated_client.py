"""Item 19 of issue 12, as a client author meets it: a Python client generated from /api/auth/openapi.json by
openapi-python-client (every operation generated, no warning) signs in and lists users through the real auth
server, parsing answers that hold nulls (image, banReason) and dates (banExpires) without error. Before the fix it
crashed on both calls."""

import asyncio
import datetime
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.integration.conftest import PASSWORD
from tests.integration.oidc import FRONTEND
from tests.integration.openapi.conftest import ADMIN, USER, OpenApiStack, auth_client, person

PACKAGE = "gatehouse_auth_client"


@pytest.fixture(scope="module")
def generated(openapi_stack: OpenApiStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package generated from the served document, importable for this module's tests."""
    root = tmp_path_factory.mktemp("generated")
    document = root / "openapi.json"
    document.write_text(json.dumps(openapi_stack.document))
    bin_dir = Path(sys.executable).parent  # the generator formats its output with ruff from the same venv
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(document),
            "--output-path",
            str(root / PACKAGE),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_generated_client_signs_in_and_lists_users(openapi_stack: OpenApiStack, generated: ModuleType) -> None:
    async def sign_up_both() -> None:
        async with auth_client(openapi_stack) as http:
            await person(http, ADMIN)
            await person(http, USER)

    asyncio.run(sign_up_both())
    base_url = f"{openapi_stack.auth.url}/api/auth"
    headers = {"Origin": FRONTEND}
    models, sign_in = _module("models"), _module("api.default.sign_in_email")
    client = generated.Client(base_url=base_url, headers=headers, raise_on_unexpected_status=True)

    signed_in = sign_in.sync_detailed(client=client, body=models.SignInEmailBody(email=USER, password=PASSWORD))
    assert signed_in.status_code == 200
    assert isinstance(signed_in.parsed, models.SignInEmailResponse200)
    assert signed_in.parsed.user.email == USER

    as_admin = sign_in.sync_detailed(client=client, body=models.SignInEmailBody(email=ADMIN, password=PASSWORD))
    token = as_admin.headers["set-auth-token"]
    admin = generated.AuthenticatedClient(
        base_url=base_url, token=token, headers=headers, raise_on_unexpected_status=True
    )
    email = f"generated-client-{os.getpid()}@example.com"
    body = models.CreateUserBody(email=email, name="Generated", password=PASSWORD, role="user")
    created = _module("api.admin.create_user").sync(client=admin, body=body)
    assert isinstance(created, models.CreateUserResponse200)
    ban = models.BanUserBody(user_id=created.user.id, ban_reason="spam", ban_expires_in=3600)
    assert isinstance(_module("api.admin.ban_user").sync(client=admin, body=ban), models.BanUserResponse200)

    listed = _module("api.admin.list_users").sync(client=admin, limit=100)
    assert isinstance(listed, models.ListUsersResponse200)
    users = {user.email: user for user in listed.users}
    assert users[USER].image is None
    assert users[USER].ban_reason is None
    assert users[USER].ban_expires is None
    assert users[email].banned is True
    assert users[email].ban_reason == "spam"
    assert isinstance(users[email].ban_expires, datetime.datetime)
