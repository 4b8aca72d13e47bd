"""A reverse proxy in front of a mirror that spoils a seeded share of its article responses.

A test tool for crawls that must heal: every request is forwarded to the upstream (a
`MirrorServer`, nginx, any HTTP server); an answer to an article URL (the site's article
shapes, `newscrawl.urls.article_id_from_url`) that the plan picks is spoiled with one of
the fault classes below on its first `times` requests, then served clean.

Fault classes (`FAULTS`):
- `http_500`, `http_503`: that status, a short error page;
- `reset`: the connection is reset (SO_LINGER 0, then close): no answer at all;
- `cut_transfer`: the full Content-Length declared, half the body sent, the connection closed;
- `wrong_charset`: the UTF-8 body as it is under `Content-Type: text/html; charset=windows-1252`
  (its own <meta charset> still says UTF-8);
- `empty_200`: 200 with Content-Length 0;
- `half_body`: 200 with the first half of the body, its Content-Length declaring that half.

Which URL gets which fault depends on (seed, URL) alone, never on the order or concurrency
of the requests: each article target (path and query, as requested) has a draw u in [0, 1)
from SHA-256 of the seed and the target; it is spoiled when u < rate, with class number
floor(u / rate * len(faults)). Given the full list of article targets (`targets`, e.g.
`mirror_article_targets(root)`), the plan instead spoils exactly round(rate * n) of them,
the lowest draws, dealing the classes in turn, so that each class occurs once at least
len(faults) targets are spoiled. Only answers the upstream gives with status 200 are
spoiled (a redirect or a 404 passes as it is).

What the proxy did is in `FaultProxy.report()` (and its attributes), at `GET /__faults__`
on the proxy, and in the JSON file `record_path` when it stops.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import socket
import struct
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence
from urllib.parse import urlsplit

from newscrawl.urls import LIVE_BASE_URL, article_id_from_url, request_url

from .server import ServedInThread, load_routes

logger = logging.getLogger(__name__)

FAULTS: tuple[str, ...] = ("http_500", "http_503", "reset", "cut_transfer", "wrong_charset", "empty_200", "half_body")
RECORD_PATH = "/__faults__"
WRONG_CHARSET_TYPE = "text/html; charset=windows-1252"
# never relayed: they describe one hop (RFC 9110 7.6.1), or this server writes its own
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
                         "upgrade", "content-length", "host", "accept-encoding", "server", "date"})
_ERROR_PAGES = {500: "Internal Server Error", 503: "Service Unavailable"}


def is_article_target(target: str) -> bool:
    return article_id_from_url(target) is not None


def _draw(seed: int, target: str) -> float:
    digest = hashlib.sha256(f"{seed}\n{target}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def mirror_article_targets(root: Path) -> list[str]:
    """The article pages of a built mirror as a crawl requests them: routes answered with 200
    in their own request form (no AMP or print copy, no tracking parameters)."""
    return [target for target, route in load_routes(Path(root)).items()
            if route["status"] == 200 and is_article_target(target) and request_url(LIVE_BASE_URL + target) == LIVE_BASE_URL + target]


class FaultPlan:
    """Which article target gets which fault: a function of the seed and the target (and,
    when given, of the list of all article targets)."""

    def __init__(self, seed: int = 0, rate: float = 0.2, faults: Sequence[str] = FAULTS,
                 targets: Optional[Iterable[str]] = None) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"the fault rate must be between 0 and 1, not {rate}")
        unknown = [name for name in faults if name not in FAULTS]
        if unknown or not faults:
            raise ValueError(f"unknown fault class {', '.join(unknown) or '(none given)'}; known: {', '.join(FAULTS)}")
        self.seed = seed
        self.rate = rate
        self.faults = tuple(faults)
        self._dealt: Optional[dict[str, str]] = None
        if targets is not None:
            articles = sorted({t for t in targets if is_article_target(t)}, key=lambda t: (_draw(seed, t), t))
            spoiled = articles[: round(rate * len(articles))]
            self._dealt = {target: self.faults[i % len(self.faults)] for i, target in enumerate(spoiled)}

    def fault_for(self, target: str) -> Optional[str]:
        if not is_article_target(target):
            return None
        if self._dealt is not None:
            return self._dealt.get(target)
        draw = _draw(self.seed, target)
        if draw >= self.rate:
            return None
        return self.faults[min(int(draw / self.rate * len(self.faults)), len(self.faults) - 1)]


class _Upstream:
    """The answer of the upstream to one request, read whole."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the mirror
    server: "_Server"
    _upstream: Optional[http.client.HTTPConnection] = None  # one kept-alive connection per client connection

    def do_GET(self) -> None:
        self._relay(head=False)

    def do_HEAD(self) -> None:
        self._relay(head=True)

    def _relay(self, head: bool) -> None:
        proxy = self.server.proxy
        if self.path == RECORD_PATH:
            self._send(200, [("Content-Type", "application/json")], json.dumps(proxy.report(), indent=1).encode(), head)
            return
        try:
            answer = self._fetch("HEAD" if head else "GET")
        except OSError as exc:
            self._send(502, [("Content-Type", "text/plain; charset=utf-8")], f"upstream: {exc}\n".encode(), head)
            return
        fault = proxy._take_fault(self.path) if not head and answer.status == 200 else None
        if fault is None:
            self._send(answer.status, answer.headers, answer.body, head)
        else:
            getattr(self, f"_fault_{fault}")(answer)

    def _fetch(self, method: str) -> _Upstream:
        headers = {name: value for name, value in self.headers.items() if name.lower() not in _HOP_BY_HOP}
        for attempt in (1, 2):  # a kept-alive upstream connection may have been closed meanwhile: once more on a new one
            if self._upstream is None:
                self._upstream = self.server.proxy._connect()
            try:
                self._upstream.request(method, self.path, headers=headers)
                response = self._upstream.getresponse()
                body = response.read()
            except (http.client.HTTPException, OSError):
                self._upstream.close()
                self._upstream = None
                if attempt == 2:
                    raise
                continue
            relayed = [(name, self.server.proxy._local_location(value) if name.lower() == "location" else value)
                       for name, value in response.getheaders() if name.lower() not in _HOP_BY_HOP]
            return _Upstream(response.status, relayed, body)
        raise AssertionError("unreachable")

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes, head: bool = False,
              declared: Optional[int] = None) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if declared is None else declared))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    # the faults --------------------------------------------------------------------------

    def _error_page(self, status: int) -> None:
        text = f"<html><head><title>{status} {_ERROR_PAGES[status]}</title></head><body><h1>{_ERROR_PAGES[status]}</h1></body></html>"
        self._send(status, [("Content-Type", "text/html; charset=utf-8")], text.encode("utf-8"))

    def _fault_http_500(self, answer: _Upstream) -> None:
        self._error_page(500)

    def _fault_http_503(self, answer: _Upstream) -> None:
        self._error_page(503)

    def _fault_reset(self, answer: _Upstream) -> None:
        # linger 0: close() sends RST instead of FIN; rfile holds a reference to the socket,
        # which close() only releases once that is closed too
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.connection.close()
        self.close_connection = True

    def _fault_cut_transfer(self, answer: _Upstream) -> None:
        self._send(answer.status, answer.headers, answer.body[: len(answer.body) // 2], declared=len(answer.body))
        self.close_connection = True  # then FIN: the client gets fewer bytes than declared

    def _fault_wrong_charset(self, answer: _Upstream) -> None:
        headers = [(name, value) for name, value in answer.headers if name.lower() != "content-type"]
        self._send(answer.status, [*headers, ("Content-Type", WRONG_CHARSET_TYPE)], answer.body)

    def _fault_empty_200(self, answer: _Upstream) -> None:
        self._send(200, answer.headers, b"")

    def _fault_half_body(self, answer: _Upstream) -> None:
        self._send(answer.status, answer.headers, answer.body[: len(answer.body) // 2])

    def finish(self) -> None:
        if self._upstream is not None:
            self._upstream.close()
        try:
            super().finish()
        except OSError:  # the socket a reset closed
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet, as the mirror
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: "FaultProxy"


class FaultProxy(ServedInThread):
    """The proxy, served in a daemon thread on 127.0.0.1 (a free port unless `port` is given).

    `times`: a crawl meets a fault as often as it asks again. Scrapy tries a request 3 times
    (RETRY_TIMES 2) on a 5xx, a reset or a cut transfer, and Twisted repeats once a request
    reset on a kept-alive connection: times=6 keeps every class failing for a whole crawl.

    Started and stopped as a `MirrorServer`: `with FaultProxy(mirror.base_url, seed=1) as proxy:`
    then crawl `proxy.base_url`. Record of what it did (read under no lock is fine once the crawl is over):
    - `faults`: article target -> the fault class it got (targets spoiled at least once);
    - `counts`: Counter of spoiled answers per fault class;
    - `spoiled_answers`: article target -> how many of its answers were spoiled (at most `times`);
    - `article_requests`: GET requests for article targets the upstream answered with 200, spoiled or not.
    """

    thread_name = "fault-proxy"

    def __init__(self, upstream: str, seed: int = 0, rate: float = 0.2, times: int = 1,
                 faults: Sequence[str] = FAULTS, targets: Optional[Iterable[str]] = None,
                 host: str = "127.0.0.1", port: int = 0, record_path: Optional[Path] = None) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/"):
            raise ValueError(f"the upstream must be a plain http://host:port URL, not {upstream!r}")
        if times < 1:
            raise ValueError(f"times must be at least 1, not {times}")
        super().__init__(host, port)
        self.upstream = upstream.rstrip("/")
        self._upstream_address = (parts.hostname, parts.port or 80)
        self.plan = FaultPlan(seed, rate, faults, targets)
        self.times = times
        self.record_path = Path(record_path) if record_path else None
        self.faults: dict[str, str] = {}
        self.counts: Counter[str] = Counter()
        self.spoiled_answers: Counter[str] = Counter()
        self.article_requests = 0
        self._lock = threading.Lock()

    def report(self) -> dict[str, Any]:
        with self._lock:
            return {"upstream": self.upstream, "seed": self.plan.seed, "rate": self.plan.rate, "times": self.times,
                    "fault_classes": list(self.plan.faults), "article_requests": self.article_requests,
                    "spoiled_answers_total": sum(self.counts.values()),
                    "counts": {name: self.counts[name] for name in self.plan.faults},
                    "faults": dict(sorted(self.faults.items())), "spoiled_answers": dict(sorted(self.spoiled_answers.items()))}

    def _take_fault(self, target: str) -> Optional[str]:
        """The fault for this answer, if any, counted as given."""
        if not is_article_target(target):
            return None
        fault = self.plan.fault_for(target)
        with self._lock:
            self.article_requests += 1
            if fault is None or self.spoiled_answers[target] >= self.times:
                return None
            self.spoiled_answers[target] += 1
            self.counts[fault] += 1
            self.faults[target] = fault
        logger.debug("spoiled %s with %s", target, fault)
        return fault

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(*self._upstream_address, timeout=60)

    def _local_location(self, location: str) -> str:
        """A redirect to the upstream's own host points at the proxy instead."""
        return self.base_url + location[len(self.upstream):] if location.startswith(self.upstream + "/") else location

    def _make_server(self) -> ThreadingHTTPServer:
        httpd = _Server((self.host, self.port), _Handler)
        httpd.proxy = self
        return httpd

    def stop(self) -> None:
        super().stop()
        if self.record_path is not None:
            self.record_path.parent.mkdir(parents=True, exist_ok=True)
            self.record_path.write_text(json.dumps(self.report(), indent=1), encoding="utf-8")
