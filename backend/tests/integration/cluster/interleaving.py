"""The model and the checker behind test_interleaving.py: which sessions every auth server instance and every
backend worker must accept (and with which role), and a check that asks all of them, bounded in time.

Expectations: a live session is accepted everywhere at once, always (a valid session is never refused, not even
for a moment); a session that died (signed out, revoked, banned, deleted, expired) is refused by every
credential kind on every running service within BOUND (+ GRACE for the test's own machinery) of the change, and
ever after; admin access follows the user's role within the same bound. A restarted service is held to the same
bound from the moment it reports ready."""

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from itertools import count
from typing import Any

import httpx

from tests.integration.cluster.conftest import BOUND, GRACE, ME, Cluster, sid_of
from tests.integration.conftest import SignedIn

PARALLEL_PROBES = 12
"""Requests in flight while checking: enough to keep both cores busy, few enough not to queue for long."""
READY_WITHIN = 180.0
"""A restarted service not ready after this long fails the test (npm + node or uvicorn start-up, loaded CI)."""
FOREVER = float("inf")
AUTH_PATHS = ("/api/auth/get-session", "/api/auth/me", "/api/auth/token")
ADMIN_PATHS = ("/api/auth/admin/list-users?limit=1", "/api/v1/users?limit=1")
"""Where admin access is asked: the auth server (better-auth's admin plugin), a backend worker (AdminUser)."""


def client_for(url: str, origin: str) -> httpx.AsyncClient:
    """A client that keeps no cookies (each probe names its credential, and only that one) and sends `origin`
    (the deployment's public URL), as a browser on a trusted page does. It drops idle connections after 1 s: Node and
    uvicorn close theirs after 5 s, and a request sent on a connection the server is closing at that moment
    fails with no answer (a race of the test's own)."""
    return httpx.AsyncClient(
        base_url=url,
        timeout=30,
        headers={"Origin": origin},
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        limits=httpx.Limits(keepalive_expiry=1.0),
    )


@dataclass
class User:
    """A user as the model knows it. `banned_until` is wall-clock seconds (FOREVER for a permanent ban)."""

    email: str
    id: str
    role: str = "user"
    banned_until: float | None = None
    deleted: bool = False

    def ban_state(self, margin: float = 2.0) -> bool | None:
        """True while banned, False when not (or the ban expired), None within `margin` s of the expiry,
        where the auth server's and the test's clocks could disagree."""
        if self.banned_until is None:
            return False
        left = self.banned_until - time.time()
        return True if left > margin else False if left < -margin else None


@dataclass
class Session:
    """One sign-in: its credentials (bearer, cookie and the JWT minted right after sign-in) and its fate."""

    label: str
    user: User
    creds: SignedIn
    live: bool = True
    died_at: float = 0.0
    """perf_counter() when the change that ended it began."""

    @property
    def sid(self) -> str:
        return sid_of(self.creds)


@dataclass
class Probe:
    """One request whose answer the model predicts. `deadline` (perf_counter) is when a wrong answer stops
    being 'not propagated yet' and becomes a failure; 0 means it must be right at once."""

    where: str
    what: str
    send: Callable[[], Awaitable[httpx.Response]]
    expect: bool
    deadline: float


@dataclass
class World:
    """The deployment, the clients and the model; `log` is the step log printed on failure."""

    seed: int
    cluster: Cluster
    root: SignedIn
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    users: list[User] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    ready_at: dict[str, float] = field(default_factory=dict)
    """Service name → perf_counter() when it was last seen ready; absent while (re)starting."""
    launched_at: dict[str, float] = field(default_factory=dict)
    role_changed_at: dict[str, float] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    probes_sent: int = 0
    checks: int = 0
    last_check: float = 0.0
    """perf_counter() when the last complete check began."""
    began: float = field(default_factory=time.perf_counter)
    _labels: Any = field(default_factory=lambda: count(1))

    def note(self, line: str) -> None:
        """Append to the step log, stamped with seconds since the world began."""
        self.log.append(f"{len(self.log):03d} {time.perf_counter() - self.began:7.2f}s {line}")

    def fail(self, message: str) -> AssertionError:
        """An AssertionError naming the seed and carrying the whole step log."""
        steps = "\n".join(self.log)
        return AssertionError(
            f"interleaving seed {self.seed} (rerun: GATEHOUSE_INTERLEAVING_SEED={self.seed}): {message}\n"
            f"steps:\n{steps}"
        )

    def expect(self, condition: bool, message: str) -> None:
        if not condition:
            raise self.fail(message)

    def adopt(self, user: User, creds: SignedIn) -> Session:
        session = Session(label=f"s{next(self._labels)}", user=user, creds=creds)
        self.sessions.append(session)
        return session

    def kill(self, session: Session, at: float) -> None:
        """The model's side of a session ending: refused everywhere from `at` + BOUND on."""
        if session.live:
            session.live, session.died_at = False, at

    def live_sessions(self, user: User | None = None) -> list[Session]:
        return [s for s in self.sessions if s.live and (user is None or s.user is user)]

    def services(self) -> list[tuple[str, bool]]:
        """(name, is an auth server) for every service in the deployment."""
        return [(s.name, True) for s in self.cluster.auth_servers] + [(w.name, False) for w in self.cluster.workers]

    def ready(self, *, auth: bool) -> list[str]:
        return [name for name, is_auth in self.services() if is_auth == auth and name in self.ready_at]

    def client(self, name: str) -> httpx.AsyncClient:
        return self.clients[name]

    async def refresh_readiness(self) -> None:
        """Ask every (re)starting service whether it is ready; a worker must also have its feed live."""
        for service in [*self.cluster.auth_servers, *self.cluster.workers]:
            if service.name in self.ready_at:
                continue
            if service.process.poll() is not None:
                raise self.fail(f"{service.name} exited after a restart:\n{service.log_text()}")
            waited = time.perf_counter() - self.launched_at[service.name]
            self.expect(waited < READY_WITHIN, f"{service.name} not ready {waited:.0f} s after its restart")
            try:
                health = await self.clients[service.name].get(service.health_path, timeout=2)
            except httpx.HTTPError:
                continue
            if health.status_code == 200 and (service in self.cluster.auth_servers or _feed(health) == "live"):
                self.ready_at[service.name] = time.perf_counter()
                self.note(f"    {service.name} ready after {waited:.1f} s")

    def probes(self) -> list[Probe]:
        """Every prediction the model makes right now, for every ready service and every session."""
        found: list[Probe] = []
        for name, is_auth in self.services():
            if name not in self.ready_at:
                continue
            http, ready = self.clients[name], self.ready_at[name]
            for session in [*self.sessions, None]:
                creds = self.root if session is None else session.creds
                live = session is None or session.live
                died = 0.0 if session is None or live else session.died_at
                user_id = creds.user_id
                # Dead: refused once BOUND has passed since it died, or since this service came (back) up.
                deadline = 0.0 if live else max(died, ready) + BOUND + GRACE
                # A session already seen refused here before this check began is asked once per credential
                # kind, the auth server's path rotating from check to check; any other, on every path.
                settled = not live and deadline < self.last_check
                kinds = _auth_kinds(creds) if is_auth else _backend_kinds(creds)
                for k, (kind, headers) in enumerate(kinds):
                    paths = AUTH_PATHS if is_auth else (ME,)
                    if settled:
                        paths = (paths[(self.checks + k) % len(paths)],)
                    for path in paths:
                        found.append(
                            Probe(name, f"{_label(session)} {kind} {path}", _get(http, path, headers), live, deadline)
                        )
                if live:
                    admin = session is None or session.user.role == "admin"
                    changed = self.role_changed_at.get(user_id, 0.0)
                    role_deadline = max(changed, ready) + BOUND + GRACE
                    path = ADMIN_PATHS[0] if is_auth else ADMIN_PATHS[1]
                    headers = creds.bearer() if is_auth else creds.jwt_header()
                    what = f"{_label(session)} admin access ({'admin' if admin else 'user'}) {path}"
                    found.append(Probe(name, what, _get(http, path, headers), admin, role_deadline))
        return found

    @contextlib.asynccontextmanager
    async def traffic(self, streams: int = 3) -> AsyncIterator[None]:
        """Requests for live sessions on ready services while a step makes its change, answers unchecked: caches
        fill up concurrently with the change and its eviction, where a stale copy written back would hide."""
        rng = random.Random(f"{self.seed}-{len(self.log)}")  # apart from the steps' source: replays stay exact

        async def stream() -> None:
            while True:
                ready = [(n, a) for n, a in self.services() if n in self.ready_at]
                live = self.live_sessions()
                if ready and live:
                    name, is_auth = rng.choice(ready)
                    creds = rng.choice(live).creds
                    _kind, headers = rng.choice(_auth_kinds(creds) if is_auth else _backend_kinds(creds))
                    path = rng.choice([*AUTH_PATHS, ADMIN_PATHS[0]] if is_auth else [ME, ADMIN_PATHS[1]])
                    with contextlib.suppress(httpx.HTTPError):
                        await self.clients[name].get(path, headers=headers)
                await asyncio.sleep(0.005)

        tasks = [asyncio.create_task(stream()) for _ in range(streams)]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def check(self, step: str) -> None:
        """Every ready service answers as the model says, each probe retried until its deadline."""
        await self.refresh_readiness()
        limit = asyncio.Semaphore(PARALLEL_PROBES)

        async def settle(probe: Probe) -> None:
            while True:
                async with limit:
                    response = await probe.send()
                self.probes_sent += 1
                accepted = _accepted(response, probe)
                if accepted is None:
                    raise self.fail(
                        f"after {step}: {probe.where} {probe.what} answered {response.status_code}: "
                        f"{response.text[:300]}"
                    )
                if accepted == probe.expect:
                    return
                late = time.perf_counter() - probe.deadline
                if late > 0:
                    verdict = "accepted" if accepted else "refused"
                    bound = "a valid one, at once" if probe.deadline == 0 else f"{late:.3f} s past its bound"
                    raise self.fail(f"after {step}: {probe.where} {verdict} {probe.what} ({bound})")
                await asyncio.sleep(0.02)

        began = time.perf_counter()
        await asyncio.gather(*(settle(p) for p in self.probes()))
        self.checks, self.last_check = self.checks + 1, began


def _feed(health: httpx.Response) -> str | None:
    state: str | None = health.json().get("revocation_feed")
    return state


def _label(session: Session | None) -> str:
    return "root" if session is None else f"{session.label}({session.user.email.split('@')[0]})"


def _auth_kinds(creds: SignedIn) -> list[tuple[str, dict[str, str]]]:
    return [("bearer", creds.bearer()), ("cookie", creds.cookie())]


def _backend_kinds(creds: SignedIn) -> list[tuple[str, dict[str, str]]]:
    return [("jwt", creds.jwt_header()), ("bearer", creds.bearer()), ("cookie", creds.cookie())]


def _get(http: httpx.AsyncClient, path: str, headers: dict[str, str]) -> Callable[[], Awaitable[httpx.Response]]:
    return lambda: http.get(path, headers=headers)


def _accepted(response: httpx.Response, probe: Probe) -> bool | None:
    """True / False for an answer that accepts / refuses; None for an answer no model allows (a 5xx, ...)."""
    if "admin access" in probe.what:
        return {200: True, 403: False}.get(response.status_code)
    if response.status_code == 200:
        # better-auth's get-session answers a refused session with 200 and `null`.
        return not probe.what.endswith("get-session") or response.json() is not None
    return False if response.status_code in {401, 403} else None
