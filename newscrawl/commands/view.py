"""`scrapy view`: Scrapy's own, with every setting checked first (newscrawl.command)."""

from __future__ import annotations

from scrapy.commands import view as scrapy_view

from newscrawl.command import SettingsChecked


class Command(SettingsChecked, scrapy_view.Command):
    pass
