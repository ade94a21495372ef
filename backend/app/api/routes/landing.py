"""GET /: a small answer for people who open the backend's own address, instead of a JSON 404."""

from html import escape

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.responses import HTMLResponse, Response

router = APIRouter(tags=["meta"])


class Landing(BaseModel):
    """Where to go from the backend's root."""

    name: str
    app: str
    docs: str
    health: str


def landing_for(request: Request) -> Landing:
    """Links built from the settings (the web app) and this request's own base URL (docs, health)."""
    base = str(request.base_url).rstrip("/")
    return Landing(
        name="Gatehouse backend",
        app=request.app.state.settings.frontend_url,
        docs=f"{base}/docs",
        health=f"{base}/api/v1/health",
    )


@router.get("/", summary="Where to go from here", include_in_schema=False, response_model=None)
async def landing(request: Request) -> Landing | Response:
    """Browsers get a page of links (no script or style, so the API's strict CSP holds); other clients JSON."""
    info = landing_for(request)
    if "text/html" not in request.headers.get("accept", ""):
        return info
    items = (
        f'<li><a href="{escape(info.app)}">Open the app</a> ({escape(info.app)})</li>'
        f'<li><a href="{escape(info.docs)}">API docs</a></li>'
        f'<li><a href="{escape(info.health)}">Health</a></li>'
    )
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Gatehouse backend</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>'
        "<h1>Gatehouse backend</h1><p>This is the API behind the Gatehouse web app; people sign in there.</p>"
        f"<ul>{items}</ul></main></body></html>"
    )
    return HTMLResponse(page)
