"""GET /: where a person who opened the backend's address should go."""

import httpx


async def test_landing_html_links_app_and_docs(client: httpx.AsyncClient) -> None:
    response = await client.get("/", headers={"Accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<a href="http://localhost:5173">Open the app</a>' in response.text
    assert "/docs" in response.text
    assert "<script" not in response.text


async def test_landing_json_for_other_clients(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Gatehouse backend"
    assert body["app"] == "http://localhost:5173"
    assert body["docs"].endswith("/docs")
    assert body["health"].endswith("/api/v1/health")
