"""The fault-injecting proxy (newscrawl/mirror/faults.py) in front of a real MirrorServer.

Each answer is read off a raw socket and classified here from what arrives (status,
declared against received length, header charset, a reset), against the mirror's own
answer; the proxy's record must say the same.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

from newscrawl.mirror.__main__ import main as mirror_main
from newscrawl.mirror.faults import FAULTS, FaultPlan, FaultProxy, mirror_article_targets
from newscrawl.mirror.server import MirrorServer
from newscrawl.urls import article_id_from_url

SEED = 7
RATE = 0.2


@dataclass
class Raw:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def declared(self) -> Optional[int]:
        return int(self.headers["content-length"]) if "content-length" in self.headers else None


def raw_get(base_url: str, target: str) -> Raw:
    """One GET on a fresh connection, read to the end of the stream: what was declared and
    what came, whatever the server does (ConnectionResetError on a reset)."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    return Raw(int(lines[0].split()[1]), headers, body)


def observe(base_url: str, target: str, clean: Raw) -> str:
    """What the answer is, from the bytes alone: a fault class's name, "clean" or "unexpected"."""
    try:
        answer = raw_get(base_url, target)
    except ConnectionResetError:
        return "reset"
    if answer.status in (500, 503):
        return f"http_{answer.status}"
    if answer.status != 200:
        return "unexpected"
    if answer.declared is not None and answer.declared > len(answer.body):
        # declared the whole page, sent its beginning only
        is_cut = answer.declared == len(clean.body) and clean.body.startswith(answer.body)
        return "cut_transfer" if is_cut else "unexpected"
    if answer.declared == 0 and not answer.body:
        return "empty_200"
    if answer.body == clean.body[: len(clean.body) // 2] and answer.declared == len(answer.body):
        return "half_body"
    if answer.body == clean.body and answer.declared == len(clean.body):
        if answer.headers["content-type"] == clean.headers["content-type"]:
            return "clean"
        if answer.headers["content-type"] == "text/html; charset=windows-1252" and "utf-8" in clean.headers["content-type"]:
            return "wrong_charset"
    return "unexpected"


@pytest.fixture(scope="module")
def targets(mirror_root: Path) -> list[str]:
    return mirror_article_targets(mirror_root)


@pytest.fixture(scope="module")
def clean(mirror: MirrorServer, targets: list[str]) -> dict[str, Raw]:
    return {target: raw_get(mirror.base_url, target) for target in targets}


@pytest.fixture
def dealt_proxy(mirror: MirrorServer, targets: list[str], tmp_path: Path) -> Iterator[FaultProxy]:
    """Faults dealt over the mirror's article pages: exactly RATE of them, every class."""
    with FaultProxy(mirror.base_url, seed=SEED, rate=RATE, targets=targets, record_path=tmp_path / "faults.json") as proxy:
        yield proxy


def observe_all(proxy: FaultProxy, targets: list[str], clean: dict[str, Raw], workers: int = 1) -> dict[str, str]:
    with ThreadPoolExecutor(workers) as pool:
        seen = pool.map(lambda target: observe(proxy.base_url, target, clean[target]), targets)
        return dict(zip(targets, seen))


def test_the_mirror_pages_are_what_the_faults_need(targets: list[str], clean: dict[str, Raw], manifest: dict[str, Any]) -> None:
    # every article the crawl stores is a page of its own, answered with 200 and non-ASCII
    # text (so that a wrong charset really spoils it), declared UTF-8 by its header and by
    # its <meta> where it has one (the legacy pages copied from the site have none)
    assert len(targets) == manifest["counts"]["articles"]
    for target in targets:
        assert clean[target].status == 200
        assert "charset=utf-8" in clean[target].headers["content-type"]
        assert set(re.findall(rb"<meta[^>]*charset=[\"']?([\w-]+)", clean[target].body, re.I)) <= {b"utf-8"}
        assert any(byte > 127 for byte in clean[target].body), target


def test_every_fault_class_is_given_as_claimed(dealt_proxy: FaultProxy, targets: list[str], clean: dict[str, Raw]) -> None:
    seen = observe_all(dealt_proxy, targets, clean)
    spoiled = {target: kind for target, kind in seen.items() if kind != "clean"}
    assert "unexpected" not in spoiled.values()
    assert len(spoiled) == round(RATE * len(targets))
    assert set(spoiled.values()) == set(FAULTS)
    # the record says what arrived
    assert dealt_proxy.faults == spoiled
    assert dict(dealt_proxy.counts) == dict(Counter(spoiled.values()))
    assert dealt_proxy.article_requests == len(targets)


def test_a_cut_transfer_fails_a_client_and_half_a_body_does_not(dealt_proxy: FaultProxy, targets: list[str],
                                                                 clean: dict[str, Raw]) -> None:
    by_fault = {dealt_proxy.plan.fault_for(target): target for target in targets}
    host, port = dealt_proxy.host, dealt_proxy.port
    cut = http.client.HTTPConnection(host, port, timeout=10)
    cut.request("GET", by_fault["cut_transfer"])
    with pytest.raises(http.client.IncompleteRead):
        cut.getresponse().read()
    cut.close()
    half = http.client.HTTPConnection(host, port, timeout=10)
    half.request("GET", by_fault["half_body"])
    response = half.getresponse()
    body = response.read()  # complete as far as HTTP can tell
    half.close()
    assert response.status == 200
    assert 0 < len(body) < len(clean[by_fault["half_body"]].body)


def test_a_spoiled_url_is_served_clean_after_its_n_faulty_answers(mirror: MirrorServer, targets: list[str],
                                                                  clean: dict[str, Raw]) -> None:
    with FaultProxy(mirror.base_url, seed=SEED, rate=RATE, targets=targets, times=2) as proxy:
        one_per_class = {proxy.plan.fault_for(target): target for target in targets}
        one_per_class.pop(None)
        for fault, target in one_per_class.items():
            answers = [observe(proxy.base_url, target, clean[target]) for _ in range(4)]
            assert answers == [fault, fault, "clean", "clean"]
            assert proxy.spoiled_answers[target] == 2
        assert sum(proxy.counts.values()) == 2 * len(FAULTS)


def test_the_same_seed_spoils_the_same_urls_whatever_the_order(mirror: MirrorServer, targets: list[str],
                                                               clean: dict[str, Raw]) -> None:
    # without the list of targets: each URL drawn on its own
    with FaultProxy(mirror.base_url, seed=SEED, rate=0.5) as first, FaultProxy(mirror.base_url, seed=SEED, rate=0.5) as second:
        in_order = observe_all(first, targets, clean)
        reversed_and_concurrent = observe_all(second, targets[::-1], clean, workers=8)
    assert in_order == reversed_and_concurrent
    assert "unexpected" not in in_order.values()
    assert {kind for kind in in_order.values() if kind != "clean"}, "nothing spoiled at rate 0.5"
    with FaultProxy(mirror.base_url, seed=SEED + 1, rate=0.5) as other_seed:
        assert observe_all(other_seed, targets, clean) != in_order


def test_the_share_spoiled_follows_the_rate() -> None:
    # a URL drawn on its own: about RATE of many article URLs, each class about as often
    urls = [f"/2024{month:02d}{day:02d}/story-{1110000000 + 7919 * n}.html"
            for n, (month, day) in enumerate((1 + i % 12, 1 + i % 28) for i in range(7000))]
    plan = FaultPlan(seed=SEED, rate=RATE)
    given = Counter(plan.fault_for(url) for url in urls)
    assert abs((len(urls) - given[None]) / len(urls) - RATE) < 0.02
    per_class = len(urls) * RATE / len(FAULTS)  # 200
    assert all(0.75 * per_class < given[fault] < 1.25 * per_class for fault in FAULTS), given
    assert Counter(FaultPlan(seed=SEED, rate=0.0).fault_for(url) for url in urls) == {None: len(urls)}
    assert None not in {FaultPlan(seed=SEED, rate=1.0).fault_for(url) for url in urls}
    # dealt over a list: exactly the share, classes in turn
    dealt = FaultPlan(seed=SEED, rate=RATE, targets=urls)
    dealt_given = Counter(dealt.fault_for(url) for url in urls)
    assert len(urls) - dealt_given[None] == round(RATE * len(urls))
    assert {dealt_given[fault] for fault in FAULTS} == {len(urls) * RATE // len(FAULTS)}


def test_other_answers_pass_untouched(mirror: MirrorServer, mirror_root: Path, targets: list[str]) -> None:
    # every route that is no article page (index, fragments, sitemaps, robots.txt) or no 200
    # (an article's redirect, 404 or 500), and a 404 and a 301 of the server's own
    routes = json.loads((mirror_root / "routes.json").read_text(encoding="utf-8"))
    others = [target for target, route in routes.items() if article_id_from_url(target) is None or route["status"] != 200]
    others += ["/no/such/page/", "/asia"]
    with FaultProxy(mirror.base_url, seed=SEED, rate=1.0) as proxy:
        assert observe(proxy.base_url, targets[0], raw_get(mirror.base_url, targets[0])) != "clean"  # rate 1 spoils
        for target in others:
            direct, relayed = raw_get(mirror.base_url, target), raw_get(proxy.base_url, target)
            assert (relayed.status, relayed.body, relayed.headers.get("location"), relayed.headers["content-type"]) == \
                   (direct.status, direct.body, direct.headers.get("location"), direct.headers["content-type"]), target
        assert proxy.faults == {targets[0]: proxy.plan.fault_for(targets[0])}
    assert {routes[target]["status"] for target in others if article_id_from_url(target)} == {301, 404, 500}


def test_the_record_is_served_and_written(dealt_proxy: FaultProxy, targets: list[str], clean: dict[str, Raw],
                                          tmp_path: Path) -> None:
    seen = observe_all(dealt_proxy, targets[:30], clean)
    served = json.loads(raw_get(dealt_proxy.base_url, "/__faults__").body)
    assert served["faults"] == {target: kind for target, kind in seen.items() if kind != "clean"}
    assert served["article_requests"] == 30 and served["seed"] == SEED and served["rate"] == RATE
    dealt_proxy.stop()
    assert json.loads((tmp_path / "faults.json").read_text(encoding="utf-8")) == served


def test_an_upstream_that_does_not_answer_is_a_502(targets: list[str]) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with FaultProxy(f"http://127.0.0.1:{port}") as proxy:
        answer = raw_get(proxy.base_url, targets[0])
    assert answer.status == 502
    assert proxy.faults == {}


@pytest.mark.parametrize("arguments, message", [
    (["--upstream", "ftp://127.0.0.1:1"], "plain http://host:port"),
    (["--upstream", "http://127.0.0.1:1", "--rate", "1.5"], "between 0 and 1"),
    (["--upstream", "http://127.0.0.1:1", "--times", "0"], "at least 1"),
    (["--upstream", "http://127.0.0.1:1", "--faults", "http_500,teapot"], "unknown fault class teapot"),
    (["--upstream", "http://127.0.0.1:1", "--mirror-root", "/no/such/mirror"], "/no/such/mirror"),
])
def test_a_bad_argument_is_one_line_and_exit_2(arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        mirror_main(["faults", *arguments])
    assert exited.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert message in error and "Traceback" not in error
