"""JSON answers serialised once, for the hot reads.

FastAPI turns a returned model into a dict, validates that against the route's `response_model` and only then
serialises it; for a model this service just built from validated values, that is a second validation with
nothing to find. These routes declare `response_model=` (so the OpenAPI document is unchanged) and return their JSON
bytes themselves (a model's, or for the task list the values the rows' answers hold: `app.services.tasks`), which
FastAPI passes through as it does any `Response`.
"""

from fastapi import Response
from pydantic import BaseModel


class JsonBytes(Response):
    """`application/json` bytes that are already serialised."""

    media_type = "application/json"


def json_response(model: BaseModel) -> JsonBytes:
    """`model` as JSON bytes (what FastAPI's default serialisation writes for it, without its re-validation)."""
    return JsonBytes(model.__pydantic_serializer__.to_json(model))
