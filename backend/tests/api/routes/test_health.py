"""GET /health and /health/db."""

import httpx
import pytest
from gatehouse_test_support.processes import free_port

from app.core.config import Settings
from app.main import create_app


async def test_health_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "revocation_feed": "live"}


async def test_health_db_ok(client: httpx.AsyncClient, db_kind: str) -> None:
    response = await client.get("/api/v1/health/db")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "sqlite" if db_kind == "sqlite" else "postgresql"}


@pytest.mark.parametrize(
    "database_url",
    [
        pytest.param(f"postgres://postgres:x@127.0.0.1:{free_port()}/gatehouse", id="postgres-refused"),
        pytest.param("sqlite:/proc/gatehouse-not-writable/gatehouse.db", id="sqlite-unopenable"),
    ],
)
async def test_health_db_down_returns_503(settings: Settings, database_url: str) -> None:
    down = settings.model_copy(update={"database_url": database_url})
    app = create_app(down)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        response = await http.get("/api/v1/health/db")
    assert response.status_code == 503
    assert response.json()["code"] == "DATABASE_UNAVAILABLE"
