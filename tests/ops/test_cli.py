"""Every command the project adds, as a person meets it: each option of each command has its
--help text (newscrawl/commands/ for scrapy, and every module with a command line of its own:
the mirror, the demo, the benchmarks), and printing into a pipe whose reader has gone ends
quietly (scrapy export and health have their own tests in tests/archive and tests/ops)."""

from __future__ import annotations

import argparse
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from scrapy.cmdline import ScrapyArgumentParser, _get_commands_from_module
from scrapy.commands import ScrapyHelpFormatter
from scrapy.settings import Settings

from newscrawl import settings as project_settings
from newscrawl.cli import EXIT_BROKEN_PIPE
from newscrawl.command import ProjectCommand, SettingsChecked
from tests.conftest import PROJECT_ROOT

# the project's own scrapy commands (COMMANDS_MODULE); a new one is found by the walk below
PROJECT_COMMANDS = {"crawl", "export", "health", "reparse"}


def scrapy_commands() -> dict[str, Any]:
    commands = _get_commands_from_module(project_settings.COMMANDS_MODULE, inproject=True)
    assert PROJECT_COMMANDS <= set(commands)
    return commands


def scrapy_parser(name: str, command: Any) -> argparse.ArgumentParser:
    """The parser `scrapy <name>` builds (scrapy.cmdline.execute)."""
    parser = ScrapyArgumentParser(formatter_class=ScrapyHelpFormatter, usage=f"scrapy {name} {command.syntax()}",
                                  conflict_handler="resolve", description=command.long_desc())
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    command.settings = settings
    command.add_options(parser)
    return parser


def module_commands() -> list[str]:
    """Every module of newscrawl/ and bench/ that has a command line (argparse) of its own."""
    found = []
    for folder in ("newscrawl", "bench"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            if "argparse.ArgumentParser(" in path.read_text(encoding="utf-8"):
                found.append(".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts))
    return found


class Built(Exception):
    """Raised in place of parse_args: carries the parser a main() built."""


def module_parser(module: str, monkeypatch: pytest.MonkeyPatch) -> argparse.ArgumentParser:
    """The parser the module's main(argv) builds, taken when it asks it to parse."""
    def capture(parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> Any:
        raise Built(parser)
    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", capture)
    with pytest.raises(Built) as built:
        importlib.import_module(module).main([])
    parser: argparse.ArgumentParser = built.value.args[0]
    return parser


def options_without_help(parser: argparse.ArgumentParser, where: str) -> Iterator[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:  # the sub-commands' own lines
                if not (choice.help or "").strip():
                    yield f"{where} {choice.dest} (the sub-command)"
            for name, sub in action.choices.items():
                yield from options_without_help(sub, f"{where} {name}")
        elif not (action.help or "").strip() or action.help == argparse.SUPPRESS:
            yield f"{where} {'/'.join(action.option_strings) or action.dest}"


def scrapy_s_own(command: Any) -> bool:
    """A Scrapy command the project replaces only to check the settings (newscrawl.command): its
    options, and their help (or none: `scrapy view --headers` is hidden on purpose), are Scrapy's."""
    return isinstance(command, SettingsChecked) and not isinstance(command, ProjectCommand)


def test_every_option_of_every_scrapy_command_of_the_project_has_help() -> None:
    missing = []
    for name, command in scrapy_commands().items():
        if type(command).__module__.startswith(project_settings.COMMANDS_MODULE) and not scrapy_s_own(command):
            missing += options_without_help(scrapy_parser(name, command), f"scrapy {name}")
    assert not missing, "options without --help text:\n" + "\n".join(missing)


def test_every_option_of_every_module_command_has_help(monkeypatch: pytest.MonkeyPatch) -> None:
    modules = module_commands()
    assert {"newscrawl.mirror.__main__", "newscrawl.demo", "bench.run"} <= set(modules)
    missing = []
    for module in modules:
        missing += options_without_help(module_parser(module, monkeypatch), f"python -m {module.removesuffix('.__main__')}")
    assert not missing, "options without --help text:\n" + "\n".join(missing)


@pytest.mark.parametrize("name", sorted(PROJECT_COMMANDS))
def test_help_as_printed_names_each_option_with_its_text(name: str) -> None:
    """`scrapy <command> --help` itself: exit 0, and each option's help text beside it."""
    parser = scrapy_parser(name, scrapy_commands()[name])
    done = subprocess.run([sys.executable, "-m", "scrapy", name, "--help"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    flat = re.sub(r"\s+", " ", done.stdout)
    for action in parser._actions:
        if action.option_strings:
            assert max(action.option_strings, key=len) in flat, action.option_strings
            assert re.sub(r"\s+", " ", action.help % {"default": action.default} if "%(" in action.help else action.help)[:40] in flat


def test_the_mirror_printing_into_a_pipe_nobody_reads_ends_quietly(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the line is printed
    try:
        done = subprocess.run([sys.executable, "-m", "newscrawl.mirror", "build", "--out", str(tmp_path / "m"), "--articles", "45"],
                              cwd=PROJECT_ROOT, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert done.returncode == EXIT_BROKEN_PIPE, done.stderr
    assert not any(sign in done.stderr for sign in ("Traceback", "BrokenPipe", "Exception ignored")), done.stderr
    assert (tmp_path / "m" / "manifest.json").is_file()  # the work was done; only its line found no reader
