"""Where the archive goes when newscrawl runs from a checkout, and when it runs from an egg
or an installed package (no data/ of its own): explicit, absolute, or a clear error."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from newscrawl import config
from newscrawl.config import ConfigError, resolve_data_dir
from newscrawl.eggs import package_dir


@pytest.fixture
def in_egg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """newscrawl as if imported from an egg: its root has no scrapy.cfg."""
    egg = tmp_path / "eggs" / "newscrawl" / "r1.egg"
    egg.parent.mkdir(parents=True)
    with zipfile.ZipFile(egg, "w") as archive:
        archive.writestr("newscrawl/__init__.py", "")
    monkeypatch.setattr(config, "PROJECT_ROOT", egg)
    monkeypatch.delenv("NEWSCRAWL_DATA_DIR", raising=False)
    return egg


def test_a_checkout_defaults_to_its_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSCRAWL_DATA_DIR", raising=False)
    assert resolve_data_dir() == config.PROJECT_ROOT / "data"


def test_the_setting_wins_over_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSCRAWL_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir() == tmp_path / "env"
    assert resolve_data_dir(str(tmp_path / "setting")) == tmp_path / "setting"


def test_an_egg_needs_an_explicit_absolute_data_dir(in_egg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match=f"NEWSCRAWL_DATA_DIR is not set, and newscrawl runs from {in_egg}"):
        resolve_data_dir()
    with pytest.raises(ConfigError, match="must be an absolute path"):
        resolve_data_dir("data")
    with pytest.raises(ConfigError, match="is inside the file"):
        resolve_data_dir(str(in_egg / "data"))
    monkeypatch.setenv("NEWSCRAWL_DATA_DIR", str(tmp_path / "srv"))
    assert resolve_data_dir() == tmp_path / "srv"


def test_package_folders_are_copied_out_of_a_zip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    egg = tmp_path / "pkg.egg"
    with zipfile.ZipFile(egg, "w") as archive:
        archive.writestr("zipped_pkg/__init__.py", "")
        archive.writestr("zipped_pkg/versions/0001_first.py", "revision = '0001'\n")
    monkeypatch.syspath_prepend(str(egg))
    copied = package_dir("zipped_pkg")
    assert copied.is_dir() and (copied / "versions" / "0001_first.py").read_text() == "revision = '0001'\n"
    assert package_dir("zipped_pkg") == copied  # once per process
    assert package_dir("newscrawl") == Path(config.__file__).parent  # a real folder is used as it is
