"""newscrawl's settings, read once into a typed config (every name has the NEWSCRAWL_ prefix)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from scrapy.settings import BaseSettings

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def default_data_dir() -> Path:
    """data/ beside scrapy.cfg; NEWSCRAWL_DATA_DIR moves it (scrapyd runs from elsewhere)."""
    env = os.environ.get("NEWSCRAWL_DATA_DIR")
    return Path(env).expanduser().resolve() if env else PROJECT_ROOT / "data"


class ConfigError(ValueError):
    """A setting whose value cannot work; the message names the setting."""


@dataclass(frozen=True)
class NewscrawlConfig:
    data_dir: Path
    database_url: str
    batch_size: int
    read_more_depth: int
    feed_dir: Path
    refresh_days: int

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> "NewscrawlConfig":
        data_dir = Path(settings.get("NEWSCRAWL_DATA_DIR") or default_data_dir())
        database_url = settings.get("NEWSCRAWL_DATABASE_URL") or f"sqlite:///{data_dir / 'news.sqlite'}"
        batch_size = _positive_int(settings, "NEWSCRAWL_BATCH_SIZE", 100)
        depth = _positive_int(settings, "NEWSCRAWL_READ_MORE_DEPTH", 2, allow_zero=True)
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            batch_size=batch_size,
            read_more_depth=depth,
            feed_dir=data_dir / "feeds",
            refresh_days=_positive_int(settings, "NEWSCRAWL_REFRESH_DAYS", 2, allow_zero=True),
        )


def _positive_int(settings: BaseSettings, name: str, default: int, allow_zero: bool = False) -> int:
    raw = settings.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0 or (value == 0 and not allow_zero):
        raise ConfigError(f"{name} must be {'0 or more' if allow_zero else 'at least 1'}, not {value}")
    return value
