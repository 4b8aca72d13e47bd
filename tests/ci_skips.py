"""In CI (CI=true, as .ci/run is started), a skipped test is a failure: every tool the tests
need is installed there (scripts/system-deps.sh), so a skip means a missing install step, and
a green run must not hide it. Elsewhere a skip stays a skip, with its reason.

Loaded by tests/conftest.py (pytest_plugins); `pytest -p tests.ci_skips` loads it alone."""

from __future__ import annotations

import os
from typing import Any, Generator

import pytest

CI_VALUES = {"1", "true", "yes"}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in CI_VALUES


def _reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (file, line, "Skipped: reason")
        return f"{longrepr[2]} ({longrepr[0]}:{longrepr[1]})"
    return str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail") and in_ci():
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where it must run (CI={os.environ.get('CI')}): {_reason(report)}"
