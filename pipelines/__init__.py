"""Item pipelines, one job each, ordered in newscrawl.settings.ITEM_PIPELINES."""
