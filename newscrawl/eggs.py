"""Running from a zipped egg, as scrapyd runs a deployed project: package folders that a
tool reads as folders (Alembic reads newscrawl/migrations with os.listdir and imports its
scripts by path) are copied out of the egg once per process."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

_copied: dict[str, Path] = {}


def package_dir(package: str) -> Path:
    """The package's folder on the file system: itself in a checkout or an installed package;
    from an egg, a copy in a temporary folder that is removed when the process exits (only
    code and data files of the package go there, never the archive)."""
    root = resources.files(package)
    if isinstance(root, Path):
        return root
    if package not in _copied:
        target = Path(tempfile.mkdtemp(prefix=f"{package.replace('.', '-')}-"))
        atexit.register(shutil.rmtree, target, True)
        _copy_tree(root, target)
        _copied[package] = target
    return _copied[package]


def _copy_tree(source: Traversable, target: Path) -> None:
    for entry in source.iterdir():
        if entry.name == "__pycache__":
            continue
        if entry.is_dir():
            (target / entry.name).mkdir()
            _copy_tree(entry, target / entry.name)
        else:
            (target / entry.name).write_bytes(entry.read_bytes())
