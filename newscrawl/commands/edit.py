"""`scrapy edit`: Scrapy's own, with every setting checked first (newscrawl.command)."""

from __future__ import annotations

from scrapy.commands import edit as scrapy_edit

from newscrawl.command import SettingsChecked


class Command(SettingsChecked, scrapy_edit.Command):
    pass
