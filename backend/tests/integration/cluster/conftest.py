"""A small production-shaped deployment on one database: auth servers (2 on PostgreSQL, 1 on SQLite, whose
single writer one auth server is enough to exercise) and 2 backend workers, each a real process on its own
127.0.0.1 port. Started once for this package, every process stopped in teardown."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import jwt
import pytest
import pytest_asyncio

from tests.integration.conftest import ADMIN_EMAIL, SignedIn, sign_in, sign_up_and_verify
from tests.utils.pg_roles import migrate_backend
from tests.utils.services import Service, start_auth_server, start_backend_worker

ME = "/api/v1/auth/me"
BOUND = 1.0
"""The product contract: a revocation is refused by every backend worker within one second."""
GRACE = 0.25
"""Measurement slack on top of BOUND, for the test's own machinery only: the polling client's request round
trip and event-loop scheduling on a loaded CI machine. A worker still accepting after BOUND + GRACE fails."""


@dataclass
class Cluster:
    """The running deployment. `workers` entries are replaced when a test restarts one."""

    kind: str
    database_url: str
    auth_servers: list[Service]
    workers: list[Service]
    log_dir: Path
    # What every worker reads from the deployment's shared .env beside its own settings (the JWT lifetime).
    shared_env: dict[str, str] = field(default_factory=dict)

    @property
    def public_url(self) -> str:
        """BETTER_AUTH_URL of every auth server: the JWTs' iss and aud."""
        return self.auth_servers[0].url

    def backend_worker(self, name: str, **extra: str) -> Service:
        """One more worker on this deployment (not yet waited for); the caller stops it. `extra` overrides its
        environment: a DATABASE_URL there is used as given (e.g. another role), not turned into the backend's.
        Its trusted browser origin (CORS_ORIGINS) is the deployment's public URL, where its pages are served."""
        return start_backend_worker(
            name=name,
            database_url=self.database_url,
            auth_url=self.public_url,
            jwks_url=f"{self.public_url}/api/auth/jwks",
            log_dir=self.log_dir,
            extra={"CORS_ORIGINS": self.public_url, **self.shared_env, **extra},
        )


@contextmanager
def deployed(
    db_kind: str, database_url: str, log_dir: Path, auth_env: dict[str, str] | None = None
) -> Iterator[Cluster]:
    """Start the deployment on `database_url` (every service healthy, workers' feeds live); stop it on exit.
    `auth_env` is added to every auth server's environment (e.g. REDIS_URL)."""
    extra = {"ADMIN_EMAILS": ADMIN_EMAIL, **(auth_env or {})}
    shared = {key: value for key, value in extra.items() if key == "JWT_EXPIRES_IN_SECONDS"}
    deployment = Cluster(
        kind=db_kind, database_url=database_url, auth_servers=[], workers=[], log_dir=log_dir, shared_env=shared
    )
    try:
        first = start_auth_server(name="auth-1", database_url=database_url, log_dir=log_dir, extra=extra)
        deployment.auth_servers.append(first)
        first.wait_healthy()  # it migrates the auth tables; a second instance starting at once would race it
        migrate_backend(database_url)  # as the backend's role, which owns its tables
        if db_kind == "postgres":
            deployment.auth_servers.append(
                start_auth_server(
                    name="auth-2",
                    database_url=database_url,
                    log_dir=log_dir,
                    public_url=first.url,  # behind one load balancer: same issuer, so JWTs are interchangeable
                    extra=extra,
                )
            )
        deployment.workers.extend(deployment.backend_worker(f"backend-{i}") for i in (1, 2))
        for service in deployment.auth_servers[1:]:
            service.wait_healthy()
        for worker in deployment.workers:
            worker.wait_healthy(ready="live")
        yield deployment
    finally:
        for service in [*deployment.workers, *deployment.auth_servers]:
            service.stop()


@pytest.fixture(scope="package")
def cluster(
    db_kind: str, fresh_database_url: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    with deployed(db_kind, fresh_database_url("gatehouse_cluster"), tmp_path_factory.mktemp("cluster")) as deployment:
        yield deployment


@pytest_asyncio.fixture
async def clients(cluster: Cluster) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """One HTTP client per service, by name (auth-1, auth-2, backend-1, backend-2).

    The auth servers' clients keep cookies like a browser, so they send the deployment's public origin as
    `Origin` like a browser on a trusted page: better-auth refuses a state-changing request with a cookie and no
    Origin, or with one other than BETTER_AUTH_URL (auth-2's own address is not: it serves auth-1's URL).
    """
    http = {s.name: httpx.AsyncClient(base_url=s.url, timeout=30) for s in cluster.workers}
    origin = {"Origin": cluster.public_url}
    http |= {s.name: httpx.AsyncClient(base_url=s.url, timeout=30, headers=origin) for s in cluster.auth_servers}
    try:
        yield http
    finally:
        await asyncio.gather(*(client.aclose() for client in http.values()))


def sid_of(user: SignedIn) -> str:
    """The session id a sign-in created (the JWT's `sid`)."""
    session_id: str = jwt.decode(user.jwt, options={"verify_signature": False})["sid"]
    return session_id


async def new_user(auth: httpx.AsyncClient, email: str) -> SignedIn:
    """Sign up, verify and sign in once."""
    await sign_up_and_verify(auth, email)
    return await sign_in(auth, email)


async def sign_in_many(auths: list[httpx.AsyncClient], email: str, count: int) -> list[SignedIn]:
    """`count` more sessions of one user, spread over the auth servers, a few at a time."""
    limit = asyncio.Semaphore(8)

    async def one(i: int) -> SignedIn:
        async with limit:
            return await sign_in(auths[i % len(auths)], email)

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def accepted(worker: httpx.AsyncClient, headers: dict[str, str]) -> bool:
    """True on 200, False on 401; anything else fails the test."""
    response = await worker.get(ME, headers=headers)
    assert response.status_code in {200, 401}, response.text
    return response.status_code == 200


async def refusal_delay(worker: httpx.AsyncClient, headers: dict[str, str], since: float) -> float:
    """Seconds from `since` until `worker` refuses `headers`; fails once BOUND + GRACE has passed."""
    while True:
        still_accepted = await accepted(worker, headers)
        elapsed = time.perf_counter() - since
        if not still_accepted:
            return elapsed
        assert elapsed <= BOUND + GRACE, f"{worker.base_url} still accepts after {elapsed:.3f} s"
        await asyncio.sleep(0.01)


async def feed_state(worker: httpx.AsyncClient) -> str:
    """The worker's GET /health `revocation_feed`."""
    state: str = (await worker.get("/api/v1/health")).json()["revocation_feed"]
    return state


def unique(prefix: str) -> str:
    """A fresh email address."""
    return f"{prefix}-{time.monotonic_ns()}@example.com"
