"""Run one measured child process: wall time, CPU time and peak RSS.

The peak comes from the kernel (ru_maxrss of wait4), read by a small launcher process
(`python -m bench.procs`) that forks and execs the command: Linux carries the high-water
mark of the image a process replaces across exec, so a command started straight from the
runner (a big Python process, vfork'd by subprocess) would report the runner's own peak.
The launcher's is about 10 MB, below anything measured here. CPU time (user + system) moves
far less than wall time when other work shares the machine. It is the command's and every
process's it started, orphans included (the launcher is their subreaper: `scrapy reparse`'s
workers are children of a fork server, which outlives the command's own process).
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Optional

_PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


@dataclass
class Measured:
    returncode: int
    wall_seconds: float
    peak_rss_mb: float
    cpu_seconds: float = 0.0
    timed_out: bool = False


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """The launcher and the command run in their own session: end both, by the launcher's id."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def run_measured(
    command: list[str], cwd: Path, env: dict[str, str], stdout: Optional[IO[bytes]] = None,
    stderr: Optional[IO[bytes] | int] = None, timeout: float = 3600.0,
) -> Measured:
    """Run command to its end (killed after timeout seconds)."""
    with tempfile.NamedTemporaryFile(prefix="bench-rss-", delete=False) as fh:
        rss_file = Path(fh.name)
    launcher = [sys.executable, "-m", "bench.procs", str(rss_file), *command]
    launcher_env = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH")]))}
    started = time.perf_counter()
    process = subprocess.Popen(launcher, cwd=cwd, env=launcher_env, stdout=stdout, stderr=stderr, start_new_session=True)
    timed_out = False
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(process)
    except BaseException:  # SIGTERM or Ctrl-C of the runner: leave no crawl behind
        _kill_group(process)
        raise
    wall = time.perf_counter() - started
    fields = rss_file.read_text().split()
    rss_file.unlink()
    peak_kib, cpu = (int(fields[0]), float(fields[1])) if len(fields) == 2 else (0, 0.0)
    return Measured(process.returncode, wall, peak_kib / 1024.0, cpu, timed_out)


def _become_subreaper() -> None:
    """Orphans of the command come to this process (Linux): a multiprocessing fork server
    outlives the command's own process, and its workers are its children, not the command's:
    wait4 alone would leave their CPU out."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # elsewhere: the CPU of orphans is not counted


def _reap_orphans(patience: float = 30.0) -> None:
    """Wait for the command's orphans (a fork server ends once the command has)."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # none left
        if pid == 0:
            time.sleep(0.05)


def _launch(rss_file: str, command: list[str]) -> int:
    """Fork, exec command, wait for it; write its ru_maxrss (KiB) and the CPU seconds of it and
    every process it started to rss_file."""
    _become_subreaper()
    pid = os.fork()
    if pid == 0:  # the child: becomes the command
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, _frame: os.kill(pid, number))
    _, status, usage = os.wait4(pid, 0)
    _reap_orphans()
    every = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command's and every descendant's reaped
    Path(rss_file).write_text(f"{usage.ru_maxrss} {every.ru_utime + every.ru_stime:.3f}")
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(_launch(sys.argv[1], sys.argv[2:]))
