"""`scrapy check`: Scrapy's own, with every setting checked first (newscrawl.command)."""

from __future__ import annotations

from scrapy.commands import check as scrapy_check

from newscrawl.command import SettingsChecked


class Command(SettingsChecked, scrapy_check.Command):
    pass
