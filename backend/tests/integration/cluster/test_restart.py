"""Acceptance 3: a backend worker killed and restarted while revocations keep happening refuses, once it is
back, every session revoked before and during its downtime: it reloads the feed's recent window at start and
resumes after the newest row."""

import asyncio
import json
import signal
import time

import httpx

from tests.integration.cluster.conftest import Cluster, accepted, new_user, refusal_delay, sid_of, sign_in_many, unique
from tests.integration.conftest import SignedIn


async def test_restarted_worker_refuses_everything_revoked_before_and_during_downtime(
    cluster: Cluster, clients: dict[str, httpx.AsyncClient]
) -> None:
    auth = clients[cluster.auth_servers[-1].name]
    other_worker = clients[cluster.workers[0].name]
    email = unique("restart")
    owner = await new_user(auth, email)
    sessions = await sign_in_many([clients[s.name] for s in cluster.auth_servers], email, 12)
    before, during, starting, kept = sessions[:3], sessions[3:8], sessions[8:10], sessions[10:]

    async def revoke(victim: SignedIn, via: int) -> None:
        if via % 2:  # through the auth server ...
            response = await auth.delete(f"/api/auth/sessions/{sid_of(victim)}", headers=owner.bearer())
        else:  # ... or through the worker that stays up
            response = await other_worker.delete(
                f"/api/v1/users/{victim.user_id}/sessions/{sid_of(victim)}", headers=owner.jwt_header()
            )
        assert response.is_success, response.text

    index = 1
    target = cluster.workers[1]
    async with httpx.AsyncClient(base_url=target.url, timeout=30) as worker:
        for victim in sessions:
            for headers in (victim.jwt_header(), victim.bearer(), victim.cookie()):
                assert await accepted(worker, headers)
        for i, victim in enumerate(before):
            await revoke(victim, i)
            await refusal_delay(worker, victim.jwt_header(), time.perf_counter())

        target.stop(sig=signal.SIGKILL)  # a crash: nothing is flushed, nothing said goodbye
        for i, victim in enumerate(during):
            await revoke(victim, i)
        cluster.workers[index] = target = target.relaunch()
        for i, victim in enumerate(starting):  # while it boots
            await revoke(victim, i)
        await asyncio.to_thread(target.wait_healthy, ready="live")

        for victim in [*before, *during, *starting]:
            for headers in (victim.jwt_header(), victim.bearer(), victim.cookie()):
                assert not await accepted(worker, headers), sid_of(victim)
        for victim in kept:
            for headers in (victim.jwt_header(), victim.bearer(), victim.cookie()):
                assert await accepted(worker, headers)
    # The whole log: a tail of it may start inside a line (this one at times), which is no JSON.
    log = target.log.read_text(errors="replace")
    loaded = [json.loads(line) for line in log.splitlines() if "revocation feed loaded" in line]
    assert loaded, "the restarted worker did not load the feed's window"
    assert loaded[-1]["rows"] >= len(before) + len(during)
