"""Records real HTTP exchanges with a server and checks them against its OpenAPI document with openapi-core (which
validates the document itself with openapi-spec-validator, and each request and answer with
openapi-schema-validator's JSON Schema 2020-12 rules for OpenAPI 3.1)."""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict


class _Request:
    """An httpx request as openapi-core's Request protocol sees one."""

    def __init__(self, request: httpx.Request) -> None:
        self._request = request
        url = urlsplit(str(request.url))
        self.host_url = f"{url.scheme}://{url.netloc}"
        self.path = url.path
        self.method = request.method.lower()
        self.body: bytes | None = request.content or None
        self.content_type = request.headers.get("content-type", "")
        cookies: dict[str, str] = {}
        for pair in request.headers.get("cookie", "").split(";"):
            name, _, value = pair.strip().partition("=")
            if name:
                cookies[name] = value
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(url.query)),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(cookies),
        )


class _Response:
    """An httpx response as openapi-core's Response protocol sees one."""

    def __init__(self, response: httpx.Response) -> None:
        self.data = response.content
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "")
        self.headers = Headers(dict(response.headers))


@dataclass
class Exchange:
    """One request and its answer; `operation` is "METHOD /path/{template}" as in the document."""

    operation: str
    who: str
    request: httpx.Request
    response: httpx.Response
    # False for requests sent wrong on purpose (no credentials, bad bodies): only the answer is checked.
    request_follows_document: bool = True


@dataclass
class Recorder:
    """Sends requests through `http`, keeps every exchange, and checks them all against `document`."""

    http: httpx.AsyncClient
    document: dict[str, Any]
    exchanges: list[Exchange] = field(default_factory=list)

    async def call(
        self,
        operation: str,
        *,
        who: str = "anonymous",
        headers: dict[str, str] | None = None,
        path: str | None = None,
        expect: int | set[int] | None = None,
        request_follows_document: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        """Perform `operation` ("POST /sign-in/email"); `path` fills the template's parameters. Fails at once when
        the status is not `expect`, so a broken scenario stops where it broke."""
        method, template = operation.split(" ", 1)
        url = "/api/auth" + (path or template)
        response = await self.http.request(method, url, headers=headers, **kwargs)
        self.exchanges.append(Exchange(operation, who, response.request, response, request_follows_document))
        allowed = {expect} if isinstance(expect, int) else expect
        if allowed is not None:
            assert response.status_code in allowed, (
                f"{operation} as {who}: {response.status_code} {response.text[:500]}"
            )
        return response

    def problems(self) -> list[str]:
        """Every exchange whose answer (or, when it was meant to, request) breaks the document."""
        api = OpenAPI.from_dict(self.document)
        found: list[str] = []
        for exchange in self.exchanges:
            request, response = _Request(exchange.request), _Response(exchange.response)
            label = f"{exchange.operation} as {exchange.who} → {exchange.response.status_code}"
            if exchange.request_follows_document:
                try:
                    api.validate_request(request)
                except Exception as error:  # openapi-core raises one class per kind of mismatch
                    found.append(f"{label}: request: {_explain(error)}")
            try:
                api.validate_response(request, response)
            except Exception as error:
                found.append(f"{label}: answer: {_explain(error)} — {exchange.response.text[:300]}")
        return found


def _explain(error: BaseException) -> str:
    causes = [str(error)]
    cause = error.__cause__
    while cause is not None:
        causes.append(str(cause))
        details = getattr(cause, "schema_errors", None)
        if details:
            causes.extend(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in details)
        cause = cause.__cause__
    return " / ".join(causes)
