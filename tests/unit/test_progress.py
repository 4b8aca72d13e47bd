"""Which setting gives the progress line's interval: NEWSCRAWL_PROGRESS_INTERVAL (settings.py
sets it), or Scrapy's LOGSTATS_INTERVAL when a user gives that over it (the line takes the place
of LogStats' line, so asking for one must not silently give nothing)."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from newscrawl.progress import progress_interval


def settings(cmdline: dict[str, object], spider: dict[str, object] | None = None) -> Settings:
    """As a crawl sees them: the project's settings.py, a spider's custom_settings, then -s."""
    built = Settings()
    built.setmodule("newscrawl.settings", priority="project")
    built.setdict(spider or {}, priority="spider")
    built.setdict(cmdline, priority="cmdline")
    return built


@pytest.mark.parametrize(
    "cmdline,spider,expected",
    [
        ({}, {}, (10.0, "NEWSCRAWL_PROGRESS_INTERVAL")),  # settings.py's 10, not Scrapy's default LOGSTATS_INTERVAL of 60
        ({"NEWSCRAWL_PROGRESS_INTERVAL": "2"}, {}, (2.0, "NEWSCRAWL_PROGRESS_INTERVAL")),
        ({"LOGSTATS_INTERVAL": "30"}, {}, (30.0, "LOGSTATS_INTERVAL")),
        ({"LOGSTATS_INTERVAL": "0"}, {}, (0.0, "LOGSTATS_INTERVAL")),  # off, as it turns LogStats off
        ({}, {"LOGSTATS_INTERVAL": 5}, (5.0, "LOGSTATS_INTERVAL")),
        # both given alike: newscrawl's own name wins
        ({"LOGSTATS_INTERVAL": "30", "NEWSCRAWL_PROGRESS_INTERVAL": "3"}, {}, (3.0, "NEWSCRAWL_PROGRESS_INTERVAL")),
        ({"NEWSCRAWL_PROGRESS_INTERVAL": "3"}, {"LOGSTATS_INTERVAL": 5}, (3.0, "NEWSCRAWL_PROGRESS_INTERVAL")),
    ],
)
def test_the_interval_comes_from_the_setting_given_last(cmdline: dict[str, object], spider: dict[str, object],
                                                        expected: tuple[float, str]) -> None:
    assert progress_interval(settings(cmdline, spider)) == expected
