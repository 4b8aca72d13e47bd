"""`scrapy fetch`: Scrapy's own, with every setting checked first (newscrawl.command)."""

from __future__ import annotations

from scrapy.commands import fetch as scrapy_fetch

from newscrawl.command import SettingsChecked


class Command(SettingsChecked, scrapy_fetch.Command):
    pass
