"""Acceptance 2: a revocation made through either auth server, or through a backend worker's own ban and
session routes, is refused by both backend workers within 1 s, whichever credential the caller holds.
Measured 100 times; p50 / p99 are printed. Only the contract itself (BOUND + GRACE per revocation, see
conftest) is asserted: the numbers are a report, not a throughput test."""

import asyncio
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from tests.integration.cluster.conftest import (
    BOUND,
    GRACE,
    Cluster,
    accepted,
    new_user,
    refusal_delay,
    sid_of,
    sign_in_many,
    unique,
)
from tests.integration.conftest import ADMIN_EMAIL, SignedIn, sign_in, sign_up_and_verify

ROUNDS = 100
POLL_INTERVAL = 0.25  # the workers' default REVOCATION_POLL_INTERVAL_SECONDS


@dataclass
class Method:
    """One way to revoke a session: `revoke(victim)` makes the change; `bans` → the victim's user is banned."""

    name: str
    revoke: "Revoke"
    bans: bool = False


Revoke = Callable[[SignedIn], Awaitable[httpx.Response]]


def revoke_via_auth(auth: httpx.AsyncClient, owner: SignedIn) -> Revoke:
    """The owner, from another device, revokes the victim's session (auth server route)."""

    async def revoke(victim: SignedIn) -> httpx.Response:
        return await auth.delete(f"/api/auth/sessions/{sid_of(victim)}", headers=owner.bearer())

    return revoke


def sign_out_via_auth(auth: httpx.AsyncClient) -> Revoke:
    """The victim signs out (better-auth's own route)."""

    async def revoke(victim: SignedIn) -> httpx.Response:
        return await auth.post("/api/auth/sign-out", json={}, headers=victim.bearer())

    return revoke


def revoke_via_backend(worker: httpx.AsyncClient, owner: SignedIn) -> Revoke:
    """The owner revokes the victim's session through a backend worker's session route."""

    async def revoke(victim: SignedIn) -> httpx.Response:
        url = f"/api/v1/users/{victim.user_id}/sessions/{sid_of(victim)}"
        return await worker.delete(url, headers=owner.jwt_header())

    return revoke


def ban_via_backend(worker: httpx.AsyncClient, admin: SignedIn) -> Revoke:
    """An admin bans the victim's user through a backend worker (which deletes every session of theirs)."""

    async def revoke(victim: SignedIn) -> httpx.Response:
        body = {"reason": "propagation test"}
        return await worker.post(f"/api/v1/users/{victim.user_id}/ban", json=body, headers=admin.jwt_header())

    return revoke


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


async def test_revocation_reaches_every_worker_within_one_second(
    cluster: Cluster, clients: dict[str, httpx.AsyncClient], capsys: pytest.CaptureFixture[str]
) -> None:
    auths = [clients[s.name] for s in cluster.auth_servers]
    workers = [clients[w.name] for w in cluster.workers]
    admin = await new_user(auths[0], ADMIN_EMAIL)  # ADMIN_EMAILS makes it an admin
    owner_email, banned_email = unique("owner"), unique("banned")
    owner = await new_user(auths[0], owner_email)  # the user's own device, which revokes the others
    await sign_up_and_verify(auths[0], banned_email)
    banned_id = (await sign_in(auths[0], banned_email)).user_id

    methods: list[Method] = []
    for service, auth in zip(cluster.auth_servers, auths, strict=True):
        methods.append(Method(f"{service.name} DELETE /api/auth/sessions/:id", revoke_via_auth(auth, owner)))
        methods.append(Method(f"{service.name} sign-out", sign_out_via_auth(auth)))
    for service, worker in zip(cluster.workers, workers, strict=True):
        methods.append(
            Method(f"{service.name} DELETE /api/v1/users/:id/sessions/:sid", revoke_via_backend(worker, owner))
        )
        methods.append(Method(f"{service.name} POST /api/v1/users/:id/ban", ban_via_backend(worker, admin), bans=True))
    plan = [methods[i % len(methods)] for i in range(ROUNDS)]
    pool = await sign_in_many(auths, owner_email, sum(not m.bans for m in plan))

    delays: list[tuple[str, float]] = []
    after_response: list[float] = []
    for i, method in enumerate(plan):
        victim = await sign_in(auths[i % len(auths)], banned_email) if method.bans else pool.pop()
        kinds = (victim.jwt_header(), victim.bearer(), victim.cookie())
        credential = kinds[i % len(kinds)]
        for worker in workers:  # each worker has now cached the session as good
            assert await accepted(worker, credential)

        if cluster.kind == "sqlite":
            # SQLite is polled: without this the loop would lock into step with the poll (each round starts
            # right after a read) and every revocation would wait a whole interval. Real ones come at random.
            await asyncio.sleep(random.uniform(0, POLL_INTERVAL))
        started = time.perf_counter()
        response = await method.revoke(victim)
        committed = time.perf_counter()
        assert response.is_success, (method.name, response.status_code, response.text)
        per_worker = await asyncio.gather(*(refusal_delay(worker, credential, started) for worker in workers))
        delays.append((method.name, max(per_worker)))
        after_response.append(max(per_worker) - (committed - started))
        for worker in workers:
            for headers in kinds:
                assert not await accepted(worker, headers), (method.name, worker.base_url)
        if method.bans:
            unban = await workers[0].delete(f"/api/v1/users/{banned_id}/ban", headers=admin.jwt_header())
            assert unban.status_code == 200, unban.text

    values = [d for _, d in delays]
    assert max(values) <= BOUND + GRACE
    shape = f"{len(cluster.auth_servers)} auth server(s) + {len(cluster.workers)} backend workers"
    lines = [
        f"[propagation] {cluster.kind}: {shape}, {len(values)} revocations; refused by every worker after "
        f"p50 {percentile(values, 0.5) * 1000:.1f} ms, p99 {percentile(values, 0.99) * 1000:.1f} ms, "
        f"max {max(values) * 1000:.1f} ms from the revoking request's start; "
        f"p50 {percentile(after_response, 0.5) * 1000:.1f} ms, p99 {percentile(after_response, 0.99) * 1000:.1f} ms "
        "from its response"
    ]
    for method in methods:
        mine = [d for name, d in delays if name == method.name]
        lines.append(
            f"  {method.name:<48} n={len(mine):<3} p50 {percentile(mine, 0.5) * 1000:6.1f} ms"
            f"  max {max(mine) * 1000:6.1f} ms"
        )
    with capsys.disabled():
        print("\n" + "\n".join(lines))
