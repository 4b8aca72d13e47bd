"""The retry record's back-off (newscrawl.healing.RetryPolicy)."""

from __future__ import annotations

from newscrawl.healing import GIVEN_UP, GONE, PENDING, PageFailure, RetryPolicy

NOW = "2026-12-07T10:00:00Z"


def failure(status: int | None = 503) -> PageFailure:
    return PageFailure("1", "https://sputnikglobe.com/20261207/x-1.html", 0, f"http_{status}", "HTTP", status)


def test_first_retry_at_the_next_crawl_then_doubling_up_to_the_cap() -> None:
    policy = RetryPolicy(max_attempts=20, backoff_hours=1, max_interval_hours=6)
    due = [policy.after(failure(), attempts, 0, NOW)["next_try_at"] for attempts in range(1, 7)]
    assert due == [NOW, "2026-12-07T11:00:00Z", "2026-12-07T12:00:00Z", "2026-12-07T14:00:00Z",
                   "2026-12-07T16:00:00Z", "2026-12-07T16:00:00Z"]


def test_given_up_after_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert policy.after(failure(), 2, 0, NOW)["state"] == PENDING
    assert policy.after(failure(), 3, 0, NOW) == {"state": GIVEN_UP, "gone_answers": 0, "next_try_at": None}


def test_gone_after_repeated_404_or_410_in_a_row() -> None:
    policy = RetryPolicy(gone_after=3)
    assert policy.after(failure(404), 2, 1, NOW)["state"] == PENDING
    assert policy.after(failure(410), 3, 2, NOW)["state"] == GONE
    # a 5xx between them starts the count again
    assert policy.after(failure(503), 3, 2, NOW)["gone_answers"] == 0
