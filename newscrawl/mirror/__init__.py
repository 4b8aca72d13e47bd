"""A static mirror of Sputnik International's Asia & Pacific section, for tests and benchmarks.

Built from the corpus in `corpus/` (never from the parsers): `build_mirror()` writes
pages, routes.json and manifest.json (with the expected items); `MirrorServer`
serves them on 127.0.0.1. Markup contract: docs/MIRROR-CONTRACT.md.
"""

from __future__ import annotations

from .build import build_mirror
from .server import MirrorServer

__all__ = ["MirrorServer", "build_mirror"]
