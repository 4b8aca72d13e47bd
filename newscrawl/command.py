"""What the project's scrapy commands share (newscrawl/commands/): every setting checked before
the command does anything, as `scrapy crawl` checks them, so that a misspelt or bad NEWSCRAWL_
setting is one line and exit status 2 for `scrapy health` or `scrapy export` as for a crawl,
never taken silently (a typo in a cron line would go unseen for years) nor a traceback.

Scrapy's own commands that read the project's settings (`scrapy list`, `settings`, `parse`,
`shell`, `fetch`...) are replaced in newscrawl/commands/ by a module of the same name whose
Command is Scrapy's with SettingsChecked in front: Scrapy lets COMMANDS_MODULE override a
built-in command by its name. `scrapy version` and `startproject` need no project: left alone.

Not in newscrawl/commands/: Scrapy takes every command class found there for a command.
"""

from __future__ import annotations

import argparse
from typing import Any, ClassVar, Optional

from scrapy.commands import ScrapyCommand
from scrapy.settings import BaseSettings

from newscrawl.cli import refused
from newscrawl.config import ConfigError, check_setting_names, check_setting_values
from newscrawl.extensions import ServerConfig
from newscrawl.rendering import RenderingConfig


def check_settings(settings: BaseSettings) -> None:
    """Every setting a newscrawl command reads, read as it will be read: names, then values
    (SETTING_RULES, LOG_LEVEL), then the typed configs (NewscrawlConfig: the data dir, the
    database URL, the near-duplicate threshold...; the lock and log settings; rendering's)."""
    check_setting_names(settings)
    check_setting_values(settings)
    ServerConfig.from_settings(settings)  # NewscrawlConfig, and the extensions' own
    RenderingConfig.from_settings(settings)


class SettingsChecked:
    """In front of a ScrapyCommand's class (class Command(SettingsChecked, ScrapyCommand)): its
    options, -s NAME=VALUE among them, are taken as Scrapy takes them, then every setting is
    checked (check_settings); a mistake is refused in one line, `scrapy <command>: error: ...`."""

    settings: Optional[BaseSettings]

    @property
    def command_name(self) -> str:
        """As Scrapy names it: its module's name (newscrawl.commands.health: health)."""
        return type(self).__module__.rsplit(".", 1)[-1]

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)  # type: ignore[misc]  # -s NAME=VALUE is in the settings from here on
        assert self.settings is not None
        try:
            check_settings(self.settings)
        except ConfigError as exc:
            raise refused(self.command_name, str(exc)) from None


class ProjectCommand(SettingsChecked, ScrapyCommand):
    """A command of the project, run without a crawler; quiet but for warnings."""

    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}
