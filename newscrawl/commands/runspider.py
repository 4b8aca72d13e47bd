"""`scrapy runspider`: Scrapy's own, with every setting checked first (newscrawl.command)."""

from __future__ import annotations

from scrapy.commands import runspider as scrapy_runspider

from newscrawl.command import SettingsChecked


class Command(SettingsChecked, scrapy_runspider.Command):
    pass
