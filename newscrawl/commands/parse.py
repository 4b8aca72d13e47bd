"""`scrapy parse`: Scrapy's own, with every setting checked first (newscrawl.command)."""

from __future__ import annotations

from scrapy.commands import parse as scrapy_parse

from newscrawl.command import SettingsChecked


class Command(SettingsChecked, scrapy_parse.Command):
    pass
