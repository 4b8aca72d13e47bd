"""Serves a built mirror over HTTP on 127.0.0.1, from its routes.json.

Lookup order for a request target (path+query):
1. exact match in routes;
2. the same with tracking parameters (utm_*, fbclid, gclid, yclid, _openstat, at_*) dropped;
3. if the path lacks a trailing slash and path + "/" is a route: 301 to it;
4. 404.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Iterable, Optional, Self

from . import urls
from .render_misc import render_error

_NOT_FOUND = render_error(404).encode("utf-8")


@dataclass(frozen=True)
class Answer:
    status: int
    file: Optional[str] = None  # absolute path of the body, None for redirects and plain 404
    location: Optional[str] = None
    ctype: str = "text/html; charset=utf-8"


def load_routes(root: Path) -> dict[str, dict[str, Any]]:
    with open(Path(root) / "routes.json", encoding="utf-8") as fh:
        routes: dict[str, dict[str, Any]] = json.load(fh)
    return routes


def resolve(routes: dict[str, dict[str, Any]], root: Path, target: str) -> Answer:
    """What the mirror answers for a request target."""
    path, query = urls.split_target(target)
    clean_query = urls.strip_tracking(query)
    for candidate in (urls.join_target(path, query), urls.join_target(path, clean_query)):
        route = routes.get(candidate)
        if route is not None:
            if route["status"] == 301:
                return Answer(301, location=route["location"])
            return Answer(route["status"], os.path.join(root, route["file"]), ctype=route["type"])
    if not path.endswith("/") and urls.join_target(path + "/", clean_query) in routes:
        return Answer(301, location=urls.join_target(path + "/", clean_query))
    return Answer(404)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every answer has a Content-Length
    server: "_Server"

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        mirror = self.server.mirror
        mirror._record(self.path, self.headers.items())
        root, routes = mirror._state  # one read: root and routes always match
        answer = resolve(routes, root, self.path)
        body = b""
        if answer.file:
            with open(answer.file, "rb") as fh:  # read per request: a rebuilt file is served at once
                body = fh.read()
        elif answer.status == 404:
            body = _NOT_FOUND
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.ctype)
        self.send_header("Content-Length", str(len(body)))
        if answer.location:
            self.send_header("Location", answer.location)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: no stderr line per request
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    mirror: "MirrorServer"


class ServedInThread:
    """An HTTP server on `host` (a free port unless `port` is given) served by a daemon thread:
    start()/stop(), or a with-block; `base_url` once started."""

    thread_name = "server"

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._httpd: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    def _make_server(self) -> ThreadingHTTPServer:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        httpd = self._make_server()
        self.port = httpd.server_address[1]
        self._httpd = httpd
        # a short poll: stop() returns within 50 ms, not serve_forever's default 0.5 s
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"{self.thread_name}-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        self.stop()


class MirrorServer(ServedInThread):
    """A mirror served in a daemon thread. `root` may be reassigned while running (routes reload)."""

    thread_name = "mirror"

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self.requests: list[str] = []
        # the same requests with the header lines they came with (who asked: Scrapy, or a browser)
        self.requests_with_headers: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self._state: tuple[Path, dict[str, dict[str, Any]]] = (Path(root), load_routes(Path(root)))

    @property
    def root(self) -> Path:
        return self._state[0]

    @root.setter
    def root(self, value: Path) -> None:
        # swapped as one tuple: a request in flight sees the old pair or the new one, never a mix
        self._state = (Path(value), load_routes(Path(value)))

    def _make_server(self) -> ThreadingHTTPServer:
        httpd = _Server((self.host, self.port), _Handler)
        httpd.mirror = self
        return httpd

    def reset_requests(self) -> None:
        with self._lock:
            self.requests.clear()
            self.requests_with_headers.clear()

    def _record(self, target: str, headers: Iterable[tuple[str, str]] = ()) -> None:
        with self._lock:
            self.requests.append(target)
            self.requests_with_headers.append((target, {name.lower(): value for name, value in headers}))

