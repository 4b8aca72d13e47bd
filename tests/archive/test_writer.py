"""The archive's writer process starts with what it needs and nothing of the crawl's main script."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = '''
import sys
from pathlib import Path


def loaded() -> dict:
    runs = Path("main-runs.txt").read_text().split()
    return {"main_script_run": "__mp_main__" in runs, "scrapy": "scrapy" in sys.modules}
'''

# a main script like Scrapy's console script: a heavy import at its top
MAIN = '''
import json
import sys
from pathlib import Path

import scrapy  # what the child must not import again

with Path("main-runs.txt").open("a") as runs:  # who ran this script: __main__, and __mp_main__ in a child
    runs.write(__name__ + "\\n")

import probe
from newscrawl.writer import ArchiveWriter

if __name__ == "__main__":
    writer = ArchiveWriter(sys.argv[1], 0.9)
    print(json.dumps(writer._pool.submit(probe.loaded).result(timeout=60)))
    writer.close()
'''


def run_script(tmp_path: Path, *, as_module: bool) -> dict[str, bool]:
    (tmp_path / "probe.py").write_text(textwrap.dedent(PROBE))
    (tmp_path / "crawlmain.py").write_text(textwrap.dedent(MAIN))
    target = ["-m", "crawlmain"] if as_module else [str(tmp_path / "crawlmain.py")]
    done = subprocess.run(
        [sys.executable, *target, f"sqlite:///{tmp_path / 'news.sqlite'}"],
        cwd=tmp_path, env={"PYTHONPATH": f"{ROOT}:{tmp_path}", "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_writer_does_not_run_the_crawls_main_script_again(tmp_path: Path) -> None:
    # `scrapy crawl` runs a script file: spawn would run it again in the child, importing Scrapy
    assert run_script(tmp_path, as_module=False) == {"main_script_run": False, "scrapy": False}


def test_a_main_module_run_with_dash_m_is_not_run_again_either(tmp_path: Path) -> None:
    assert run_script(tmp_path, as_module=True) == {"main_script_run": False, "scrapy": False}


def test_the_main_modules_spec_is_put_back() -> None:
    from newscrawl.writer import _main_script_left_out

    main = sys.modules["__main__"]
    before = getattr(main, "__spec__", None)
    with _main_script_left_out():
        # inside, spawn sees a main module named __main__ with nowhere to load it from: it runs nothing again
        inside = getattr(main, "__spec__", None)
        assert inside is not before and inside is not None
        assert (inside.name, inside.origin) == ("__main__", None)
    assert getattr(main, "__spec__", None) is before
    # put back when the block fails too
    with pytest.raises(RuntimeError), _main_script_left_out():
        raise RuntimeError("the pool failed to start")
    assert getattr(main, "__spec__", None) is before
