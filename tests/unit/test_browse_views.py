"""What the browse pages compute, without a server: a word diff cut into paragraphs (both
texts given back, the unchanged paragraphs folded), side-by-side texts, and the charts'
geometry and window."""

from __future__ import annotations

from datetime import date

import pytest

from newscrawl.browse.article_page import DiffParagraph, Folded, diff_paragraphs, shown, side_by_side, web_url
from newscrawl.browse.charts import MAX_DAYS, ChartRequestError, Point, bar_chart, nice_step, parse_window
from newscrawl.history import word_diff

OLD = "First paragraph stays.\n\nSecond one says the talks failed.\n\nThird stays too.\n\nFourth stays as well."
NEW = "First paragraph stays.\n\nSecond one says the talks resumed on Monday.\n\nThird stays too.\n\nFourth stays as well."


def texts(paragraph: DiffParagraph) -> tuple[str, str]:
    before = "".join(s.text for s in paragraph.segments if s.op != "insert")
    after = "".join(s.text for s in paragraph.segments if s.op != "delete")
    return before, after


def test_a_diff_shows_the_changed_paragraph_whole_and_folds_the_others() -> None:
    parts = diff_paragraphs(word_diff(OLD, NEW))
    assert parts[0] == Folded(1) and parts[2] == Folded(2)
    changed = parts[1]
    assert isinstance(changed, DiffParagraph) and changed.changed
    assert texts(changed) == ("Second one says the talks failed.", "Second one says the talks resumed on Monday.")
    assert [s.op for s in changed.segments] == ["equal", "delete", "insert"]
    assert "".join(s.text for s in changed.segments if s.op == "insert").split() == ["resumed", "on", "Monday."]


def test_context_keeps_the_neighbouring_paragraphs() -> None:
    parts = diff_paragraphs(word_diff(OLD, NEW), context=1)
    assert [type(p).__name__ for p in parts] == ["DiffParagraph", "DiffParagraph", "DiffParagraph", "Folded"]


def test_a_paragraph_added_at_the_end_is_one_inserted_paragraph() -> None:
    parts = diff_paragraphs(word_diff("One.\n\nTwo.", "One.\n\nTwo.\n\nThree is new."))
    assert parts[0] == Folded(2)
    assert texts(parts[1]) == ("", "Three is new.")


def test_side_by_side_gives_each_text_its_own_words_in_the_same_paragraphs() -> None:
    parts = side_by_side(OLD, NEW)
    shown_paragraphs = [p for p in parts if isinstance(p, DiffParagraph)]
    assert [texts(p) for p in shown_paragraphs] == [("Second one says the talks failed.", "Second one says the talks resumed on Monday.")]
    assert side_by_side("Same text.", "Same text.") == [Folded(1)]


def test_shown_gives_fields_as_plain_text() -> None:
    assert shown(["Asia", "<b>Trade</b>"]) == "Asia; <b>Trade</b>"  # escaped by the template, never here
    assert shown({"url": "https://x/1", "title": "A link"}) == "A link"
    assert shown(None) == "(none)" and shown([]) == "(none)"


def test_only_web_addresses_become_links() -> None:
    assert web_url("https://sputnikglobe.com/20260101/a-1.html") == "https://sputnikglobe.com/20260101/a-1.html"
    assert web_url("HTTP://example.org/") == "HTTP://example.org/"
    for hostile in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x", "", None, 7):
        assert web_url(hostile) is None, hostile


def test_bars_scale_to_a_round_top_and_label_no_closer_than_they_are_wide() -> None:
    points = [Point(f"2026-01-{day:02d}", day % 7, f"{day}") for day in range(1, 31)]
    chart = bar_chart("x", "X", "", "articles", points)
    assert len(chart.bars) == 30 and chart.total == sum(day % 7 for day in range(1, 31))
    assert [label for _, label in chart.y_ticks] == ["0", "2", "4", "6"]  # max 6: whole steps to 6
    tallest = max(chart.bars, key=lambda bar: bar.height)
    assert tallest.point.value == 6 and tallest.y == pytest.approx(12) and tallest.y + tallest.height == pytest.approx(chart.bottom)
    xs = [x for x, _ in chart.x_labels]
    assert all(b - a >= 10 * 6.6 for a, b in zip(xs, xs[1:]))  # a 10-character label never overlaps the next


def test_counts_step_by_whole_numbers_and_measures_by_any() -> None:
    assert nice_step(2, whole=True) == 1 and nice_step(2) == 0.5
    assert nice_step(7300) == 2000 and nice_step(0) == 1
    assert bar_chart("x", "X", "", "minutes", [Point("a", 1.5, "")], counts=False).total is None


def test_the_window_defaults_to_the_newest_day_and_refuses_what_it_cannot_read() -> None:
    window = parse_window(None, None, date(2026, 3, 31))
    assert (window.until, window.days, window.start) == (date(2026, 3, 31), 60, date(2026, 1, 31))
    assert parse_window("2026-02-28", "28", None).each_day()[0] == date(2026, 2, 1)
    assert window.earlier().until == date(2026, 1, 30) and window.later().start == date(2026, 4, 1)
    for until, days, message in (("2026-02-30", None, "until takes a date as YYYY-MM-DD, not '2026-02-30'"),
                                 (None, "ten", "days takes a number of days, not 'ten'"),
                                 (None, str(MAX_DAYS + 1), f"days takes a number from 1 to {MAX_DAYS}")):
        with pytest.raises(ChartRequestError, match=message):
            parse_window(until, days, None)
