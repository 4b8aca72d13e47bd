"""`scrapy genspider`: Scrapy's own, with every setting checked first (newscrawl.command)."""

from __future__ import annotations

from scrapy.commands import genspider as scrapy_genspider

from newscrawl.command import SettingsChecked


class Command(SettingsChecked, scrapy_genspider.Command):
    pass
