"""CredentialCache: TTLs, size bound, token digests, and write-backs refused after an invalidation."""

from datetime import UTC, datetime, timedelta

from gatehouse_fastapi import AuthUser, Session
from gatehouse_fastapi._revocation.cache import CredentialCache


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def user(user_id: str = "u1", role: str = "user") -> AuthUser:
    return AuthUser(id=user_id, email=f"{user_id}@example.com", name=user_id, email_verified=True, role=role)


TOMORROW = datetime.now(UTC) + timedelta(days=1)


def session(session_id: str = "s1", user_id: str = "u1") -> Session:
    return Session(id=session_id, user_id=user_id, expires_at=TOMORROW)


def test_remember_then_read_by_id_and_by_token() -> None:
    cache = CredentialCache()
    cache.remember(user(), session(), ticket=cache.begin(), token="tok-1")
    assert cache.user("u1") == user()
    assert cache.session("s1") == session()
    assert cache.session_for_token("tok-1") == session()
    assert cache.session_for_token("tok-2") is None


def test_tokens_are_kept_only_as_digests() -> None:
    cache = CredentialCache()
    cache.remember(user(), session(), ticket=cache.begin(), token="secret-token-value")
    assert "secret-token-value" not in repr(cache._tokens._items)


def test_entries_expire_after_their_ttl() -> None:
    clock = FakeClock()
    cache = CredentialCache(user_ttl_seconds=10, session_ttl_seconds=20, clock=clock)
    cache.remember(user(), session(), ticket=cache.begin(), token="t")
    clock.now = 15
    assert cache.user("u1") is None
    assert cache.session_for_token("t") == session()
    clock.now = 25
    assert cache.session("s1") is None


def test_size_bound_evicts_oldest_first() -> None:
    cache = CredentialCache(max_entries=2)
    for i in range(3):
        cache.remember_user(user(f"u{i}"), ticket=cache.begin())
    assert [cache.user(f"u{i}") is not None for i in range(3)] == [False, True, True]


def test_forget_session_makes_its_token_miss() -> None:
    cache = CredentialCache()
    cache.remember(user(), session(), ticket=cache.begin(), token="t")
    cache.forget_session("s1")
    assert cache.session_for_token("t") is None
    assert cache.user("u1") is not None


def test_forget_user_keeps_sessions_forget_user_sessions_drops_them() -> None:
    cache = CredentialCache()
    ticket = cache.begin()
    cache.remember(user(), session("s1"), ticket=ticket)
    cache.remember(user("u2"), session("s2", "u2"), ticket=ticket)
    cache.forget_user("u1")
    assert (cache.user("u1"), cache.session("s1")) == (None, session("s1"))
    cache.forget_user_sessions("u1")
    assert cache.session("s1") is None
    assert cache.session("s2") is not None


def test_write_back_after_invalidation_is_refused() -> None:
    cache = CredentialCache()
    ticket = cache.begin()  # a lookup starts ...
    cache.forget_user("u1")  # ... the feed invalidates the user meanwhile ...
    cache.remember(user(role="admin"), session(), ticket=ticket)  # ... its (stale) answer is not kept
    assert cache.user("u1") is None
    cache.remember(user(role="admin"), session(), ticket=cache.begin())
    assert cache.user("u1") is not None


def test_write_back_of_other_user_still_kept() -> None:
    cache = CredentialCache()
    ticket = cache.begin()
    cache.forget_user("someone-else")
    cache.remember(user(), session(), ticket=ticket)
    assert cache.user("u1") is not None


def test_clear_refuses_lookups_started_before() -> None:
    cache = CredentialCache()
    ticket = cache.begin()
    cache.clear()
    cache.remember(user(), session(), ticket=ticket)
    assert cache.sizes() == {"users": 0, "sessions": 0, "tokens": 0}


def test_prune_forgets_old_marks_but_still_refuses_older_lookups() -> None:
    clock = FakeClock()
    cache = CredentialCache(clock=clock)
    ticket = cache.begin()
    cache.forget_user("u1")
    clock.now = 1000
    cache.prune()
    cache.remember(user(), session(), ticket=ticket)
    assert cache.user("u1") is None
    cache.remember(user(), session(), ticket=cache.begin())
    assert cache.user("u1") is not None
