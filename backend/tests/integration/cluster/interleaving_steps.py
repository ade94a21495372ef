"""The steps test_interleaving.py draws from. Each makes one real change through one service (chosen at random
among the ready ones) or through SQL, updates the model, and returns a line for the step log, or None when it
does not apply to the world as it is (the caller draws again)."""

import random
import signal
import time
from collections.abc import Awaitable, Callable
from urllib.parse import unquote

import asyncpg
import httpx

from tests.integration.cluster.conftest import unique
from tests.integration.cluster.interleaving import FOREVER, Session, User, World, client_for
from tests.integration.conftest import PASSWORD, sign_in, sign_up_and_verify

Step = Callable[[], Awaitable[str | None]]


def raw_token(session: Session) -> str:
    """The session token itself (set-auth-token is `token.signature`, URL-encoded)."""
    return unquote(session.creds.bearer_token).split(".")[0]


class Steps:
    """The step kinds, bound to one world and one seeded random source."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.w, self.rng = world, rng

    # -- helpers -------------------------------------------------------------------------------------------
    def auth(self) -> tuple[str, httpx.AsyncClient]:
        name = self.rng.choice(self.w.ready(auth=True))
        return name, self.w.client(name)

    def worker(self) -> tuple[str, httpx.AsyncClient]:
        name = self.rng.choice(self.w.ready(auth=False))
        return name, self.w.client(name)

    def workers_reach_auth(self) -> bool:
        """Whether a worker can make an identity change now. Workers make them through the auth server at the
        cluster's public URL (auth-1); while that one restarts they answer 503 AUTH_SERVER_UNAVAILABLE, as they
        should (tests/api/routes/test_identity_changes.py), and the model would wrongly expect the change."""
        upstream = next(s.name for s in self.w.cluster.auth_servers if s.url == self.w.cluster.public_url)
        return upstream in self.w.ready(auth=True)

    def ok(self, response: httpx.Response, what: str) -> None:
        self.w.expect(response.is_success, f"{what} answered {response.status_code}: {response.text[:300]}")

    def user(self, *, live_session: bool = False) -> User | None:
        pool = [u for u in self.w.users if not live_session or self.w.live_sessions(u)]
        return self.rng.choice(pool) if pool else None

    def session(self) -> Session | None:
        live = self.w.live_sessions()
        return self.rng.choice(live) if live else None

    # -- steps ----------------------------------------------------------------------------------------------
    async def new_user(self) -> str | None:
        if len(self.w.users) >= 4:
            return None
        name, auth = self.auth()
        email = unique(f"u{len(self.w.log)}")
        await sign_up_and_verify(auth, email)
        creds = await sign_in(auth, email)
        user = User(email=email, id=creds.user_id)
        self.w.users.append(user)
        session = self.w.adopt(user, creds)
        return f"new user {email.split('@')[0]} signs up and in on {name}: {session.label}"

    async def sign_in(self, *, banned_too: bool = True) -> str | None:
        """A new session for a user; a banned one (when `banned_too`) must be refused with 403 BANNED_USER."""
        pool = [u for u in self.w.users if banned_too or u.ban_state() is False]
        user = self.rng.choice(pool) if pool else None
        if user is None or len(self.w.live_sessions(user)) >= 3 or (banned := user.ban_state()) is None:
            return None
        name, auth = self.auth()
        who = user.email.split("@")[0]
        if banned:
            response = await auth.post("/api/auth/sign-in/email", json={"email": user.email, "password": PASSWORD})
            self.w.expect(
                response.status_code == 403 and response.json().get("code") == "BANNED_USER",
                f"banned {who} signing in on {name} got {response.status_code}: {response.text[:300]}",
            )
            return f"banned {who} cannot sign in on {name} (403 BANNED_USER)"
        session = self.w.adopt(user, await sign_in(auth, user.email))
        user.banned_until = None  # a ban that has run out ends at the next sign-in (better-auth admin plugin)
        return f"{who} signs in on {name}: {session.label}"

    async def sign_out(self) -> str | None:
        session = self.session()
        if session is None:
            return None
        name, auth = self.auth()
        started = time.perf_counter()
        self.ok(await auth.post("/api/auth/sign-out", json={}, headers=session.creds.bearer()), "sign-out")
        self.w.kill(session, started)
        return f"{session.label} signs out on {name}"

    async def revoke_one(self) -> str | None:
        session = self.session()
        if session is None:
            return None
        user, sid = session.user, session.sid
        others = [s for s in self.w.live_sessions(user) if s is not session]
        ways: list[tuple[str, Callable[[], Awaitable[httpx.Response]]]] = []
        name, auth = self.auth()
        wname, worker = self.worker()
        root = self.w.root
        ways.append(
            (
                f"{name} admin/revoke-user-session by root",
                lambda: auth.post(
                    "/api/auth/admin/revoke-user-session",
                    json={"sessionToken": raw_token(session)},
                    headers=root.bearer(),
                ),
            )
        )
        via_worker = self.workers_reach_auth()
        if via_worker:
            ways.append(
                (
                    f"{wname} DELETE /users/:id/sessions/:sid by root (jwt)",
                    lambda: worker.delete(f"/api/v1/users/{user.id}/sessions/{sid}", headers=root.jwt_header()),
                )
            )
        if others:
            owner = self.rng.choice(others)
            ways.append(
                (
                    f"{name} DELETE /api/auth/sessions/:id by its owner's {owner.label}",
                    lambda: auth.delete(f"/api/auth/sessions/{sid}", headers=owner.creds.bearer()),
                )
            )
            if via_worker:
                ways.append(
                    (
                        f"{wname} DELETE /users/:id/sessions/:sid by its owner's {owner.label} (cookie)",
                        lambda: worker.delete(f"/api/v1/users/{user.id}/sessions/{sid}", headers=owner.creds.cookie()),
                    )
                )
        how, send = self.rng.choice(ways)
        started = time.perf_counter()
        self.ok(await send(), how)
        self.w.kill(session, started)
        return f"revoke {session.label} via {how}"

    async def revoke_all(self) -> str | None:
        user = self.user(live_session=True)
        if user is None:
            return None
        own = self.rng.choice(self.w.live_sessions(user))
        name, auth = self.auth()
        wname, worker = self.worker()
        root = self.w.root
        ways: list[tuple[str, Callable[[], Awaitable[httpx.Response]]]] = [
            (
                f"{name} admin/revoke-user-sessions by root",
                lambda: auth.post(
                    "/api/auth/admin/revoke-user-sessions", json={"userId": user.id}, headers=root.bearer()
                ),
            ),
            (
                f"{name} revoke-sessions by {own.label}",
                lambda: auth.post("/api/auth/revoke-sessions", json={}, headers=own.creds.bearer()),
            ),
        ]
        if self.workers_reach_auth():
            ways += [
                (
                    f"{wname} DELETE /users/:id/sessions by root (jwt)",
                    lambda: worker.delete(f"/api/v1/users/{user.id}/sessions", headers=root.jwt_header()),
                ),
                (
                    f"{wname} DELETE /users/:id/sessions by {own.label} (bearer)",
                    lambda: worker.delete(f"/api/v1/users/{user.id}/sessions", headers=own.creds.bearer()),
                ),
            ]
        how, send = self.rng.choice(ways)
        started = time.perf_counter()
        self.ok(await send(), how)
        ended = self.w.live_sessions(user)
        for session in ended:
            self.w.kill(session, started)
        return f"revoke all of {user.email.split('@')[0]} ({', '.join(s.label for s in ended)}) via {how}"

    async def ban(self) -> str | None:
        user = self.user(live_session=True) or self.user()
        if user is None:
            return None
        root = self.w.root
        started = time.perf_counter()
        if self.rng.random() < 0.5 or not self.workers_reach_auth():
            name, auth = self.auth()
            seconds = self.rng.choice([None, 60])  # the contract's shortest ban (fieldLimits.banExpiresInSeconds)
            body: dict[str, object] = {"userId": user.id, "banReason": "interleaving"}
            if seconds is not None:  # better-auth's schema: a number or absent
                body["banExpiresIn"] = seconds
            how = f"{name} admin/ban-user"
            self.ok(await auth.post("/api/auth/admin/ban-user", json=body, headers=root.bearer()), how)
        else:
            name, worker = self.worker()
            seconds = self.rng.choice([None, 60])  # the backend's shortest ban
            how = f"{name} POST /users/:id/ban"
            body2 = {"reason": "interleaving", "expires_in_seconds": seconds}
            self.ok(await worker.post(f"/api/v1/users/{user.id}/ban", json=body2, headers=root.jwt_header()), how)
        user.banned_until = FOREVER if seconds is None else time.time() + seconds
        ended = self.w.live_sessions(user)
        for session in ended:
            self.w.kill(session, started)
        length = "for good" if seconds is None else f"for {seconds} s"
        return (
            f"ban {user.email.split('@')[0]} {length} via {how} ({', '.join(s.label for s in ended) or 'no sessions'})"
        )

    async def unban(self) -> str | None:
        banned = [u for u in self.w.users if u.banned_until is not None]
        if not banned:
            return None
        user = self.rng.choice(banned)
        if self.rng.random() < 0.5 or not self.workers_reach_auth():
            name, auth = self.auth()
            how = f"{name} admin/unban-user"
            self.ok(
                await auth.post("/api/auth/admin/unban-user", json={"userId": user.id}, headers=self.w.root.bearer()),
                how,
            )
        else:
            name, worker = self.worker()
            how = f"{name} DELETE /users/:id/ban"
            self.ok(await worker.delete(f"/api/v1/users/{user.id}/ban", headers=self.w.root.jwt_header()), how)
        user.banned_until = None
        return f"unban {user.email.split('@')[0]} via {how}"

    async def set_role(self) -> str | None:
        user = self.user()
        if user is None:
            return None
        role = "admin" if user.role == "user" else "user"
        started = time.perf_counter()
        if self.rng.random() < 0.5 or not self.workers_reach_auth():
            name, auth = self.auth()
            how = f"{name} admin/set-role"
            body = {"userId": user.id, "role": role}
            self.ok(await auth.post("/api/auth/admin/set-role", json=body, headers=self.w.root.bearer()), how)
        else:
            name, worker = self.worker()
            how = f"{name} PUT /users/:id/role"
            self.ok(
                await worker.put(
                    f"/api/v1/users/{user.id}/role", json={"role": role}, headers=self.w.root.jwt_header()
                ),
                how,
            )
        user.role = role
        self.w.role_changed_at[user.id] = started
        return f"{user.email.split('@')[0]} becomes {role} via {how}"

    async def delete_user(self) -> str | None:
        user = self.user()
        if user is None or len(self.w.users) < 3:
            return None
        name, auth = self.auth()
        started = time.perf_counter()
        response = await auth.post(
            "/api/auth/admin/remove-user", json={"userId": user.id}, headers=self.w.root.bearer()
        )
        self.ok(response, "admin/remove-user")
        user.deleted = True
        self.w.users.remove(user)
        ended = self.w.live_sessions(user)
        for session in ended:
            self.w.kill(session, started)
        return f"delete {user.email.split('@')[0]} via {name} admin/remove-user ({', '.join(s.label for s in ended)})"

    async def expire_by_sql(self) -> str | None:
        session = self.session()
        if session is None:
            return None
        conn = await asyncpg.connect(self.w.cluster.database_url)
        try:
            started = time.perf_counter()
            await conn.execute(
                "update user_sessions set expires_at = now() - interval '1 second' where id = $1", session.sid
            )
        finally:
            await conn.close()
        self.w.kill(session, started)
        return f"{session.label} expired by SQL"

    async def out_of_order(self) -> str | None:
        """T1 deletes A and stays open; T2 deletes B and commits; every service refuses B (and still accepts
        A, which is valid until T1 commits); then T1 commits and A must go too (issue 11, failure 1)."""
        live = self.w.live_sessions()
        if len(live) < 2:
            return None
        a, b = self.rng.sample(live, 2)
        t1 = await asyncpg.connect(self.w.cluster.database_url)
        t2 = await asyncpg.connect(self.w.cluster.database_url)
        try:
            transaction = t1.transaction()
            await transaction.start()
            await t1.execute("delete from user_sessions where id = $1", a.sid)
            started = time.perf_counter()
            await t2.execute("delete from user_sessions where id = $1", b.sid)
            self.w.kill(b, started)
            self.w.note(f"out-of-order: T1 deletes {a.label} (open), T2 deletes {b.label} (committed)")
            await self.w.check(f"T2's delete of {b.label} with T1 open")
            started = time.perf_counter()
            await transaction.commit()
        finally:
            await t1.close()
            await t2.close()
        self.w.kill(a, started)
        return f"out-of-order: T1 commits its delete of {a.label}"

    async def restart(self) -> str | None:
        """Kill (SIGKILL: a crash, or SIGTERM) one ready service whose peers are all ready, start it again on
        its port; it is checked again once it says it is ready."""
        groups = [(True, self.w.cluster.auth_servers), (False, self.w.cluster.workers)]
        candidates = [
            (group, i)
            for is_auth, group in groups
            if len(self.w.ready(auth=is_auth)) == len(group)
            for i in range(len(group))
        ]
        if not candidates:
            return None
        group, index = self.rng.choice(candidates)
        service = group[index]
        how = self.rng.choice([signal.SIGKILL, signal.SIGTERM])
        service.stop(sig=how)
        group[index] = service.relaunch()
        del self.w.ready_at[service.name]
        self.w.launched_at[service.name] = time.perf_counter()
        await self.w.clients[service.name].aclose()  # its pooled connections died with it
        self.w.clients[service.name] = client_for(service.url, self.w.cluster.public_url)
        return f"restart {service.name} ({how.name})"
