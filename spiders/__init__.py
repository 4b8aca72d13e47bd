"""Spiders: one per region, all from newscrawl's section spider."""
