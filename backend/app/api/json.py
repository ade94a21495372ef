"""JSON answers serialised once, for the hot reads.

FastAPI turns a returned model into a dict, validates that against the route's `response_model` and only then
serialises it; for a model this service just built from validated values, that is a second validation with
nothing to find. These routes declare `response_model=` (so the OpenAPI document is unchanged) and return the
model's JSON bytes themselves, which FastAPI passes through as it does any `Response`.
"""

from typing import Any

from fastapi import Response
from pydantic import BaseModel, TypeAdapter


class JsonBytes(Response):
    """`application/json` bytes that are already serialised."""

    media_type = "application/json"


def json_response(model: BaseModel) -> JsonBytes:
    """`model` as JSON bytes (what FastAPI's default serialisation writes for it, without its re-validation)."""
    return JsonBytes(model.__pydantic_serializer__.to_json(model))


def json_response_of(adapter: TypeAdapter[Any], value: Any) -> JsonBytes:
    """`value` validated and serialised by `adapter` (for pages built from plain rows)."""
    return JsonBytes(adapter.dump_json(adapter.validate_python(value)))
