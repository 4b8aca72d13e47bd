"""newscrawl: an archive of one region of Sputnik International."""

__version__ = "0.1.0"
