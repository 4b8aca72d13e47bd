"""`scrapy bench`: Scrapy's own, with every setting checked first (newscrawl.command)."""

from __future__ import annotations

from scrapy.commands import bench as scrapy_bench

from newscrawl.command import SettingsChecked


class Command(SettingsChecked, scrapy_bench.Command):
    pass
