"""Paging and bounded counting for the Review page on a real SQLite file with many rows.

A naive Python filter over every row is the reference; the store must return the same
pairs page by page and window by window, without walking all matches to count them.
"""

import pytest

from reviewer.review import PAIR_STATUSES, PairFilter, store

N = 2_400
STATUSES = ("pending", "approved", "rejected", "pending", "deleted")


def _text(i: int) -> tuple[str, str, str]:
    topic = "Firmware update" if i % 3 else "프린터 용지 걸림"
    return (f"{topic} summary", f"Question {i} about the X{i % 7} unit?", f"Answer {i}.")


@pytest.fixture
def many(db, seeded):
    ids = seeded(N, text=_text)
    db.conn.executemany("UPDATE pairs SET status = ? WHERE id = ?",
                        [(STATUSES[k % len(STATUSES)], pid) for k, pid in enumerate(ids)])
    db.conn.commit()
    return ids


def expected(db, status=None, search=None) -> list[int]:
    term = (search or "").strip().lower()
    out = []
    for pid, st, *texts in db.execute(
            "SELECT id, status, system, question, answer FROM pairs ORDER BY id").fetchall():
        if status not in (None, "all") and st != status:
            continue
        if term and not any(term in (t or "").lower() for t in texts):
            continue
        out.append(pid)
    return out


def walk(db, status, search, cap, page_size=50) -> tuple[list[int], list[store.Window]]:
    """Every page of every window, as the Review page would visit them."""
    seen, windows, after = [], [], 0
    while True:
        window = store.match_window(db, PairFilter.of(status, search), after_id=after, cap=cap)
        windows.append(window)
        for offset in range(0, max(window.matches, 1), page_size):
            rows = store.page(db, PairFilter.of(status, search), offset=offset,
                                       limit=page_size, after_id=window.after_id,
                                       before_id=window.before_id)
            assert len(rows) <= page_size
            seen += [r["id"] for r in rows]
        if window.next() is None:
            return seen, windows
        after = window.next()


def test_every_page_without_search_matches_the_reference(db, many):
    for status in ("all", *PAIR_STATUSES):
        want = expected(db, status)
        window = store.match_window(db, PairFilter.of(status, ""))
        assert (window.matches, window.more, window.before_id) == (len(want), False, None)
        pages = [store.page(db, PairFilter.of(status, None), offset=o, limit=50)
                 for o in range(0, len(want), 50)]
        assert [r["id"] for page in pages for r in page] == want
    last = store.page(db, PairFilter.of("all", None), offset=N - 7, limit=50)
    assert [r["id"] for r in last] == many[-7:]
    assert last[-1]["answer"] == f"Answer {N - 1}."


@pytest.mark.parametrize("status,search", [
    ("all", "firmware"),        # full-text, two thirds of the rows
    ("approved", "FIRMWARE"),   # full-text joined with a status
    ("all", "용지 걸림"),         # full-text, Hangul
    ("pending", "X3"),          # short term: LIKE over the status's rows
    ("all", "X"),
])
def test_windows_cover_every_match_once_in_order(db, many, status, search):
    want = expected(db, status, search)
    cap = 300
    seen, windows = walk(db, status, search, cap)
    assert seen == want
    assert len(windows) > 1  # the cases are meant to need several windows
    assert [w.more for w in windows] == [True] * (len(windows) - 1) + [False]
    for window in windows[:-1]:
        assert window.matches <= cap and window.label().endswith("+")
        assert window.next() == window.before_id - 1
    assert windows[-1].before_id is None and not windows[-1].label().endswith("+")


def test_count_is_exact_below_the_cap_and_capped_above(db, many):
    want = expected(db, "all", "firmware")
    exact = store.match_window(db, PairFilter.of("all", "firmware"), cap=len(want))
    assert (exact.matches, exact.more) == (len(want), False)
    capped = store.match_window(db, PairFilter.of("all", "firmware"), cap=len(want) - 1)
    assert (capped.matches, capped.more) == (len(want) - 1, True)
    assert capped.before_id == want[-1]  # the next window starts at the last match
    assert store.count(db, PairFilter.of("all", "firmware")) == len(want)


def test_no_match_search_is_an_empty_last_window(db, many):
    window = store.match_window(db, PairFilter.of("all", "nothing like this"), cap=100)
    assert (window.matches, window.more, window.next()) == (0, False, None)
    assert store.page(db, PairFilter.of("all", "nothing like this"), offset=0,
                               limit=50) == []


def test_a_window_can_hold_no_match_yet_more_follow(db, many):
    # the first full-text hit (pair 2) is approved: a window of one candidate holds no
    # 'deleted' match, yet the following windows do
    window = store.match_window(db, PairFilter.of("deleted", "firmware"), cap=1)
    assert (window.matches, window.more, window.before_id) == (0, True, many[2])
    seen, _ = walk(db, "deleted", "firmware", cap=40)
    assert seen == expected(db, "deleted", "firmware")


@pytest.mark.parametrize("status", ["all", "approved"])
def test_deep_pages_skip_over_a_narrow_index_not_the_table(db, many, status):
    sql, params = PairFilter.of(status).ids_sql(0, None)
    plan = " ".join(r[3] for r in db.execute(
        f"EXPLAIN QUERY PLAN {sql} LIMIT 50 OFFSET 2000", params).fetchall())
    assert "COVERING INDEX" in plan, plan
