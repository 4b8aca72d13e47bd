"""`scrapy list`: Scrapy's own, with every setting checked first (newscrawl.command)."""

from __future__ import annotations

from scrapy.commands import list as scrapy_list

from newscrawl.command import SettingsChecked


class Command(SettingsChecked, scrapy_list.Command):
    pass
