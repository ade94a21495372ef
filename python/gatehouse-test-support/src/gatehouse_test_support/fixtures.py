"""pytest fixtures both suites load (`pytest_plugins = ("gatehouse_test_support.fixtures",)` in their conftest)."""

from collections.abc import Iterator

import pytest

from gatehouse_test_support.jwks import JwksServer


@pytest.fixture(scope="session")
def jwks_server() -> Iterator[JwksServer]:
    """The stand-in JWKS endpoint (a real HTTP server on 127.0.0.1), stopped after the run."""
    server = JwksServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def jwks(jwks_server: JwksServer) -> JwksServer:
    """The JWKS server, reset to one key, up, zero fetches."""
    jwks_server.reset()
    return jwks_server
