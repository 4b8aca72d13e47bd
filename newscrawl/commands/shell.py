"""`scrapy shell`: Scrapy's own, with every setting checked first (newscrawl.command)."""

from __future__ import annotations

from scrapy.commands import shell as scrapy_shell

from newscrawl.command import SettingsChecked


class Command(SettingsChecked, scrapy_shell.Command):
    pass
