"""`scrapy settings`: Scrapy's own, with every setting checked first (newscrawl.command)."""

from __future__ import annotations

from scrapy.commands import settings as scrapy_settings

from newscrawl.command import SettingsChecked


class Command(SettingsChecked, scrapy_settings.Command):
    pass
