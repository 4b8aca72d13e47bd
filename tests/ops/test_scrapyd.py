"""The project on scrapyd, as the README deploys it: a real scrapyd (deploy/scrapyd/scrapyd.conf
on a free port of 127.0.0.1, basic auth on), `scrapyd-deploy local` from a copy of the
checkout (its scrapy.cfg target, credentials from ~/.netrc), the Asia crawl of a mirror
scheduled through the HTTP API, and the archive checked against the mirror's manifest."""

from __future__ import annotations

import base64
import configparser
import grp
import json
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

from newscrawl.db import Archive
from newscrawl.items import ARTICLE_FIELDS
from newscrawl.mirror.server import MirrorServer
from tests.conftest import PROJECT_ROOT
from tests.ops.conftest import crawl_rows, expected_ids, stored_ids, wait_for

pytestmark = pytest.mark.e2e

USER, PASSWORD = "newscrawl", "test-password"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Scrapyd:
    def __init__(self, url: str) -> None:
        self.url = url

    def call(self, endpoint: str, data: Optional[dict[str, Any]] = None, auth: bool = True) -> dict[str, Any]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.url + endpoint, data=body)
        if auth:
            token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            answer: dict[str, Any] = json.loads(response.read())
        return answer


@pytest.fixture(scope="module")
def server_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("server")
    dirs = {name: base / name for name in ("scrapyd", "data", "home", "checkout")}
    for name in ("scrapyd", "home"):
        dirs[name].mkdir()
    return dirs


@pytest.fixture(scope="module")
def scrapyd(server_dirs: dict[str, Path]) -> Iterator[Scrapyd]:
    """scrapyd with deploy/scrapyd/scrapyd.conf, moved to a free port and temporary folders,
    NEWSCRAWL_DATA_DIR in its environment as deploy/scrapyd/scrapyd.service sets it."""
    config = configparser.ConfigParser()
    config.read(PROJECT_ROOT / "deploy" / "scrapyd" / "scrapyd.conf")
    section = config["scrapyd"]
    assert section["bind_address"] == "127.0.0.1" and section["username"] and section["password"]
    home = server_dirs["scrapyd"]
    port = free_port()
    section.update({
        "http_port": str(port), "password": PASSWORD, "eggs_dir": str(home / "eggs"), "logs_dir": str(home / "logs"),
        "dbs_dir": str(home / "dbs"), "poll_interval": "0.2",
    })
    with open(home / "scrapyd.conf", "w") as fh:
        config.write(fh)
    env = {"PATH": str(BIN) + ":/usr/bin:/bin", "HOME": str(server_dirs["home"]), "NEWSCRAWL_DATA_DIR": str(server_dirs["data"])}
    process = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, env=env, stdout=open(home / "scrapyd.out", "wb"), stderr=subprocess.STDOUT)
    client = Scrapyd(f"http://127.0.0.1:{port}/")

    def up() -> bool:
        try:
            return client.call("daemonstatus.json")["status"] == "ok"
        except OSError:
            return process.poll() is not None  # ends the wait; the assertion below says why
    try:
        wait_for(up, timeout=30, what="scrapyd to answer")
        assert process.poll() is None, (home / "scrapyd.out").read_text()
        yield client
    finally:
        process.terminate()
        process.wait(30)


def test_scrapyd_asks_for_its_password(scrapyd: Scrapyd) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        scrapyd.call("daemonstatus.json", auth=False)
    assert refused.value.code == 401


@pytest.fixture(scope="module")
def deployed(scrapyd: Scrapyd, server_dirs: dict[str, Path]) -> dict[str, str]:
    """The project deployed to scrapyd as README says; the environment scrapyd-deploy ran in."""
    checkout = server_dirs["checkout"]
    shutil.copytree(
        PROJECT_ROOT, checkout,
        ignore=shutil.ignore_patterns(".*", "__pycache__", "*.egg-info", "build", "data", "tests", "bench", "docs"),
    )
    cfg = configparser.ConfigParser()
    cfg.read(checkout / "scrapy.cfg")
    target = cfg["deploy:local"]
    assert urllib.parse.urlsplit(target["url"]).hostname == "127.0.0.1" and target["project"] == "newscrawl"
    assert "password" not in target  # credentials live in ~/.netrc, not in git
    target["url"] = scrapyd.url
    with open(checkout / "scrapy.cfg", "w") as fh:
        cfg.write(fh)
    netrc = server_dirs["home"] / ".netrc"
    netrc.write_text(f"machine 127.0.0.1 login {USER} password {PASSWORD}\n")
    netrc.chmod(0o600)
    env = {"PATH": str(BIN) + ":/usr/bin:/bin", "HOME": str(server_dirs["home"])}
    deploy = subprocess.run([str(BIN / "scrapyd-deploy"), "local", "--version", "r1"], cwd=checkout, env=env,
                            capture_output=True, text=True, timeout=120)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert json.loads(deploy.stdout)["spiders"] == 1
    assert scrapyd.call("listspiders.json?project=newscrawl")["spiders"] == ["asia"]
    return env


def wait_for_job(scrapyd: Scrapyd, job: str) -> None:
    def finished() -> bool:
        return any(j["id"] == job for j in scrapyd.call("listjobs.json?project=newscrawl")["finished"])
    wait_for(finished, timeout=180, what="the scrapyd job to finish")
    time.sleep(0.2)


def test_deploy_schedule_and_crawl_through_scrapyd(
    scrapyd: Scrapyd, server_dirs: dict[str, Path], deployed: dict[str, str], mirror: MirrorServer, manifest: dict[str, Any],
) -> None:
    env = deployed
    job = scrapyd.call("schedule.json", {
        "project": "newscrawl", "spider": "asia", "base_url": mirror.base_url, "setting": "AUTOTHROTTLE_ENABLED=False",
    })["jobid"]
    wait_for_job(scrapyd, job)

    data = server_dirs["data"]
    job_log = (server_dirs["scrapyd"] / "logs" / "newscrawl" / "asia" / f"{job}.log").read_text()
    assert "Spider closed (finished)" in job_log, job_log[-3000:]
    # the same archive, feeds and logs as a crawl from the checkout, under NEWSCRAWL_DATA_DIR
    assert stored_ids(data / "news.sqlite") == expected_ids(manifest)
    assert [r[1] for r in crawl_rows(data / "news.sqlite")] == ["finished"]
    assert len(list((data / "feeds").glob("asia-*.jsonl"))) == 1
    assert len(list((data / "logs").glob("asia-*.log"))) == 1
    assert not (server_dirs["scrapyd"] / "data").exists()  # nothing written where scrapyd runs

    # `scrapy health` from the deployed egg, as on a server without a checkout
    runner = [sys.executable, "-m", "scrapyd.runner"]
    egg_env = {**env, "SCRAPY_PROJECT": "newscrawl", "NEWSCRAWL_DATA_DIR": str(data)}
    health = subprocess.run([*runner, "health"], cwd=server_dirs["scrapyd"], env=egg_env, capture_output=True, text=True, timeout=60)
    assert health.returncode == 0 and "Healthy" in health.stdout, health.stdout + health.stderr

    # without NEWSCRAWL_DATA_DIR a crawl from the egg says what to do, and writes nothing
    del egg_env["NEWSCRAWL_DATA_DIR"]
    missing = subprocess.run([*runner, "crawl", "asia", "-a", f"base_url={mirror.base_url}"], cwd=server_dirs["scrapyd"],
                             env=egg_env, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2
    # ...and the code that says it runs from the deployed egg, as scrapyd's crawls do
    assert "NEWSCRAWL_DATA_DIR is not set, and newscrawl runs from" in missing.stderr
    assert f"{server_dirs['scrapyd']}/eggs/newscrawl/r1.egg" in missing.stderr
    assert sorted(p.name for p in server_dirs["scrapyd"].iterdir()) == ["dbs", "eggs", "logs", "scrapyd.conf", "scrapyd.out", "twistd.pid"]


def test_the_item_schema_ships_in_the_egg(server_dirs: dict[str, Path], deployed: dict[str, str]) -> None:
    """newscrawl/schema/article.schema.json is in the deployed egg, and loads from it (zipped)."""
    egg = server_dirs["scrapyd"] / "eggs" / "newscrawl" / "r1.egg"
    with zipfile.ZipFile(egg) as zipped:
        assert zipped.read("newscrawl/schema/article.schema.json") == (PROJECT_ROOT / "newscrawl/schema/article.schema.json").read_bytes()
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import newscrawl.schema as s; "
             "print(s.__file__); print(len(s.article_schema()['properties']))")
    done = subprocess.run([sys.executable, "-c", probe, str(egg)], cwd=server_dirs["scrapyd"], env=deployed,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    where, fields = done.stdout.split()
    assert where.startswith(str(egg)) and int(fields) == len(ARTICLE_FIELDS)


def test_a_bad_argument_under_scrapyd_is_one_line_in_the_jobs_log_and_health_reports_it(
    scrapyd: Scrapyd, server_dirs: dict[str, Path], deployed: dict[str, str], mirror: MirrorServer,
) -> None:
    data = server_dirs["data"]
    Archive(f"sqlite:///{data / 'news.sqlite'}").close()  # the archive earlier crawls made (or an empty one)
    job = scrapyd.call("schedule.json", {"project": "newscrawl", "spider": "asia", "base_url": mirror.base_url, "since": "2018-13-45"})["jobid"]
    wait_for_job(scrapyd, job)

    job_log = (server_dirs["scrapyd"] / "logs" / "newscrawl" / "asia" / f"{job}.log").read_text()
    lines = [line for line in job_log.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].endswith("ERROR: -a since= takes a date as YYYY-MM-DD, not '2018-13-45'"), job_log
    newest = crawl_rows(data / "news.sqlite")[-1]
    assert newest[1] == "bad_argument" and newest[3] is not None

    egg_env = {**deployed, "SCRAPY_PROJECT": "newscrawl", "NEWSCRAWL_DATA_DIR": str(data)}
    report = subprocess.run([sys.executable, "-m", "scrapyd.runner", "health"], cwd=server_dirs["scrapyd"], env=egg_env,
                            capture_output=True, text=True, timeout=60)
    assert report.returncode == 1, report.stdout + report.stderr
    assert f"crawl {newest[0]} ({newest[2]}) failed: bad_argument (-a since= takes a date as YYYY-MM-DD, not '2018-13-45')" in report.stdout


INSTALL_CONF = PROJECT_ROOT / "deploy" / "scrapyd" / "install-conf.sh"


def as_user(uid: int, gid: int, *command: str) -> subprocess.CompletedProcess[str]:
    """A command run as another user and group, without root's supplementary groups."""
    return subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", *command],
                          capture_output=True, text=True, timeout=30)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root (install -o root) and setpriv")
def test_the_install_step_leaves_scrapyd_conf_readable_by_its_service_user_only() -> None:
    """deploy/scrapyd/install-conf.sh, as the README runs it: root:GROUP, mode 0640, a password of
    its own; the group's user reads it, another user does not; run again, it keeps the password."""
    service = pwd.getpwnam("nobody")  # stands in for newscrawl: its group is the file's
    other = pwd.getpwnam("daemon")
    group = grp.getgrgid(service.pw_gid).gr_name
    base = Path(tempfile.mkdtemp(prefix="newscrawl-etc-"))
    try:
        base.chmod(0o755)  # as /etc: anyone may pass
        dest = base / "scrapyd"
        done = subprocess.run(["sh", str(INSTALL_CONF), "--dest", str(dest), "--group", group], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        conf = dest / "scrapyd.conf"
        mode = conf.stat()
        assert (stat.S_IMODE(mode.st_mode), mode.st_uid, mode.st_gid) == (0o640, 0, service.pw_gid)
        assert [p.name for p in dest.iterdir()] == ["scrapyd.conf"]  # no draft left beside it
        installed = configparser.ConfigParser()
        installed.read(conf)
        shipped = configparser.ConfigParser()
        shipped.read(PROJECT_ROOT / "deploy" / "scrapyd" / "scrapyd.conf")
        password = installed["scrapyd"].pop("password")
        assert password != shipped["scrapyd"].pop("password") and re.fullmatch(r"[A-Za-z0-9]{32}", password)
        assert dict(installed["scrapyd"]) == dict(shipped["scrapyd"])  # the rest as shipped

        assert as_user(service.pw_uid, service.pw_gid, "cat", str(conf)).returncode == 0  # scrapyd's user reads it
        refused = as_user(other.pw_uid, other.pw_gid, "cat", str(conf))
        assert refused.returncode != 0 and "Permission denied" in refused.stderr  # nobody else

        conf.chmod(0o644)  # as `sudo cp` left it before
        again = subprocess.run(["sh", str(INSTALL_CONF), "--dest", str(dest), "--group", group], capture_output=True, text=True, timeout=30)
        assert again.returncode == 0, again.stderr
        assert stat.S_IMODE(conf.stat().st_mode) == 0o640
        kept = configparser.ConfigParser()
        kept.read(conf)
        assert kept["scrapyd"]["password"] == password
    finally:
        shutil.rmtree(base)


def test_scrapy_browse_runs_from_the_deployed_egg_with_its_own_templates(
    scrapyd: Scrapyd, server_dirs: dict[str, Path], deployed: dict[str, str],
) -> None:
    """`scrapy browse` from the egg (no checkout): metadata, templates and static files are the
    package's, read out of the zipped egg."""
    data = server_dirs["data"]
    database = data / "news.sqlite"
    if not database.exists():  # when run alone: an archive a first crawl makes
        Archive(f"sqlite:///{database}").close()
    egg_env = {**deployed, "SCRAPY_PROJECT": "newscrawl", "NEWSCRAWL_DATA_DIR": str(data), "TMPDIR": str(server_dirs["home"])}
    copies = set(server_dirs["home"].glob("newscrawl-browse-*"))
    process = subprocess.Popen([sys.executable, "-m", "scrapyd.runner", "browse", "--port", "0"], cwd=server_dirs["scrapyd"],
                               env=egg_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    try:
        line = process.stdout.readline()
        assert f"Serving the archive {database.resolve()} at http://127.0.0.1:" in line, line + process.stderr.read()
        base = line.split(" at ", 1)[1].split("/ ", 1)[0]

        def page(path: str) -> str:
            with urllib.request.urlopen(base + path, timeout=30) as response:
                assert response.status == 200, path
                return str(response.read().decode("utf-8"))
        assert "Ready-made views" in page("/")  # the package's index.html
        assert ".article-headline" in page("/newscrawl-static/browse.css")  # its static folder
        assert "Crawl history" in page("/archive/crawl_history")  # its metadata.yaml's canned query
        assert "Articles per day" in page("/charts")  # its plugin
        # the templates were copied out of the zipped egg (newscrawl.eggs), not read from a checkout
        copied = set(server_dirs["home"].glob("newscrawl-browse-*")) - copies
        assert len(copied) == 1 and (copied.pop() / "templates" / "row-archive-articles.html").is_file()
    finally:
        process.terminate()
        process.wait(30)
    assert process.returncode == 0, process.stderr.read()
    assert set(server_dirs["home"].glob("newscrawl-browse-*")) == copies  # removed at exit
    assert {p.name for p in server_dirs["scrapyd"].iterdir()} <= {"dbs", "eggs", "logs", "scrapyd.conf", "scrapyd.out", "twistd.pid"}
