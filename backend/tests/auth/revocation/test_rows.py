"""FeedCursor: the reader's position, and ids that commit after higher ones (PostgreSQL sequences)."""

from gatehouse_fastapi._revocation.rows import FeedCursor


def test_observe_in_order_leaves_no_gaps() -> None:
    cursor = FeedCursor()
    for row_id in (1, 2, 3):
        cursor.observe(row_id, now=0.0)
    assert (cursor.last_id, cursor.gaps) == (3, [])


def test_observe_skipped_id_is_a_gap_until_it_shows_up() -> None:
    cursor = FeedCursor()
    cursor.observe(1, now=0.0)
    cursor.observe(4, now=0.0)
    assert (cursor.last_id, cursor.gaps) == (4, [2, 3])
    cursor.observe(3, now=1.0)
    assert cursor.gaps == [2]


def test_gap_ages_out_after_ttl() -> None:
    cursor = FeedCursor(gap_ttl_seconds=10)
    cursor.observe(1, now=0.0)
    cursor.observe(3, now=0.0)
    cursor.expire(now=5.0)
    assert cursor.gaps == [2]
    cursor.expire(now=11.0)
    assert cursor.gaps == []


def test_advance_to_remembers_skipped_ids_and_caps_them() -> None:
    cursor = FeedCursor(max_gaps=3)
    cursor.position(10)
    cursor.advance_to(20, now=0.0)
    assert (cursor.last_id, cursor.gaps) == (20, [17, 18, 19])
    cursor.advance_to(15, now=0.0)  # never backwards
    assert cursor.last_id == 20


def test_position_starts_reading_after_the_given_id() -> None:
    cursor = FeedCursor()
    cursor.position(41)
    cursor.observe(42, now=0.0)
    assert (cursor.last_id, cursor.gaps) == (42, [])
