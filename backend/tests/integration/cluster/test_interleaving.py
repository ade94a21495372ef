"""Issue 11, acceptance 2: a randomized interleaving test. Two auth server instances on PostgreSQL sharing one
Redis, two backend workers; a seeded random sequence of sign-ins, sign-outs, revocations (one / all, through
either service), bans (with and without expiry, through either service), unbans, role changes (through either
service), user deletions, expiries written by SQL, out-of-order commit pairs and restarts of one instance or one
worker. After every step each ready service answers for every session ever made, with every credential kind it
reads (auth servers: bearer and cookie on get-session, /me and /token; workers: the JWT minted at sign-in,
bearer and cookie), as the model in interleaving.py predicts: dead ones refused within 1 s, valid ones never
refused, admin access as the user's role.

GATEHOUSE_INTERLEAVING_SEED replays a run (the seed is printed at the start and in every failure);
GATEHOUSE_INTERLEAVING_STEPS changes the length (default STEPS, sized for ~2-3 min on a 2-core CI machine)."""

import asyncio
import os
import random
import secrets
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest

from tests.integration.cluster.conftest import Cluster, deployed, new_user
from tests.integration.cluster.interleaving import World, client_for
from tests.integration.cluster.interleaving_steps import Steps
from tests.integration.conftest import ADMIN_EMAIL
from tests.utils.processes import start_redis

STEPS = 36
USERS = 3
LIVE = 4


@pytest.fixture(scope="module")
def redis_cluster(
    db_kind: str, fresh_database_url: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """auth-1 and auth-2 (one issuer, one Redis) and backend-1 and backend-2 on one PostgreSQL database."""
    if db_kind != "postgres":
        pytest.skip("two auth server instances and Redis need PostgreSQL: SQLite is a single-instance deployment")
    redis = start_redis()
    try:
        log_dir = tmp_path_factory.mktemp("interleaving")
        database_url = fresh_database_url("gatehouse_interleaving")
        # The JWT minted at each sign-in is used for the whole run: it must outlive the slowest CI machine (JWT
        # expiry is tested with the JWT verifier; here a JWT dies only with its session).
        auth_env = {"REDIS_URL": redis.url, "JWT_EXPIRES_IN_SECONDS": "3600"}
        with deployed(db_kind, database_url, log_dir, auth_env=auth_env) as deployment:
            yield deployment
    finally:
        redis.stop()


def schedule(rng: random.Random, steps: Steps, count: int) -> list[Callable[[], Awaitable[str | None]] | None]:
    """Where the rarer steps fall: at least one restart of each kind of service and two out-of-order pairs,
    at seeded places; None means 'draw at random'."""
    plan: list[Callable[[], Awaitable[str | None]] | None] = [None] * count
    for index, step in zip(
        rng.sample(range(2, count - 2), 4),
        (steps.restart, steps.restart, steps.out_of_order, steps.out_of_order),
        strict=True,
    ):
        plan[index] = step
    return plan


def draw(rng: random.Random, steps: Steps) -> Callable[[], Awaitable[str | None]]:
    """A step at random, by weight."""
    weighted = [
        (steps.sign_in, 2),
        (steps.new_user, 1),
        (steps.sign_out, 2),
        (steps.revoke_one, 3),
        (steps.revoke_all, 2),
        (steps.ban, 2),
        (steps.unban, 2.5),
        (steps.set_role, 3),
        (steps.delete_user, 0.7),
        (steps.expire_by_sql, 1.5),
        (steps.out_of_order, 1),
        (steps.restart, 0.5),
    ]
    return rng.choices([s for s, _ in weighted], weights=[w for _, w in weighted])[0]


async def run(world: World, steps: Steps, rng: random.Random, count: int) -> None:
    """Set up USERS users, then `count` steps, each followed by a check; then a check with every service up."""
    for _ in range(USERS):
        world.note(await steps.new_user() or "")
    await world.check("set-up")
    for planned in schedule(rng, steps, count):
        for _ in range(LIVE):  # keep LIVE sessions for the steps to end (new ones are checked with the next step)
            if len(world.live_sessions()) >= LIVE:
                break
            world.note(await steps.sign_in(banned_too=False) or await steps.new_user() or "no one can sign in")
        async with world.traffic():
            line = await planned() if planned else None
            for _ in range(20):  # steps that do not apply to the world as it is are drawn again
                if line is not None:
                    break
                line = await draw(rng, steps)()
        world.expect(line is not None, "no step applied twenty times in a row")
        world.note(str(line))
        await world.check(str(line))
    while len(world.ready_at) < len(world.clients):  # bounded by READY_WITHIN inside refresh_readiness
        await world.refresh_readiness()
        await asyncio.sleep(0.1)
    await world.check("every service ready at the end")


async def test_random_interleavings_keep_every_service_in_step_with_the_model(
    redis_cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = int(os.environ.get("GATEHOUSE_INTERLEAVING_SEED") or secrets.randbelow(2**32))
    count = int(os.environ.get("GATEHOUSE_INTERLEAVING_STEPS") or STEPS)
    with capsys.disabled():
        print(f"\n[interleaving] seed {seed} (replay: GATEHOUSE_INTERLEAVING_SEED={seed}), {count} steps")
    rng = random.Random(seed)
    cluster = redis_cluster
    clients = {s.name: client_for(s.url, cluster.public_url) for s in [*cluster.auth_servers, *cluster.workers]}
    started = time.perf_counter()
    try:
        root = await new_user(clients["auth-1"], ADMIN_EMAIL)  # ADMIN_EMAILS makes it an admin
        world = World(seed=seed, cluster=cluster, root=root, clients=clients)
        world.ready_at = {name: time.perf_counter() for name in clients}
        try:
            await run(world, Steps(world, rng), rng, count)
        except AssertionError:
            raise
        except Exception as error:  # a step or probe that broke (no answer, ...) still reports seed and steps
            raise world.fail(f"{type(error).__name__}: {error}") from error
    finally:
        for client in clients.values():
            await client.aclose()
    with capsys.disabled():
        if os.environ.get("GATEHOUSE_INTERLEAVING_LOG"):
            print("\n".join(world.log))
        dead = sum(not s.live for s in world.sessions)
        print(
            f"[interleaving] seed {seed}: {count} steps, {len(world.sessions)} sessions ({dead} ended), "
            f"{world.probes_sent} probes, {time.perf_counter() - started:.1f} s"
        )
