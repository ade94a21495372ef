"""Starlette's CORS middleware with its one plain-text answer replaced: a refused preflight is 400 `BAD_REQUEST`
with a `{code, message}` body, like every other refusal of this API (Starlette answers `Disallowed CORS method`)."""

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from app.errors import ErrorCode, error_response

_REFUSED_PREFIX = "Disallowed CORS "


class ContractCORSMiddleware(CORSMiddleware):
    """`CORSMiddleware` (same options, same headers) whose refused preflight carries the contract's error body,
    naming what was refused (origin, method, headers, private-network)."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        refused = bytes(response.body).decode("latin-1").removeprefix(_REFUSED_PREFIX)
        answer = error_response(ErrorCode.BAD_REQUEST, f"CORS preflight refused: {refused} not allowed.")
        for name, value in response.headers.items():
            if name not in ("content-type", "content-length"):
                answer.headers[name] = value
        return answer
