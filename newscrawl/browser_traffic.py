"""What the browser itself fetched while rendering a page, collected for the WARC files.

A rendered page (newscrawl.rendering) makes Chromium fetch the page again and whatever its
scripts load: the live blog's JSON, scripts, fragments. Those answers reach the crawl too, so
they are kept as the crawl's own are (newscrawl.recording writes them). `BrowserTraffic`
listens to the page's events through scrapy-playwright's `playwright_page_event_handlers`,
reads each finished exchange while the page is open, and waits for those still arriving before
scrapy-playwright closes the page (a last page method, `settle`).

- Only exchanges that finished: a request the rendering aborted (images, other hosts) or that
  failed gave no answer and gives no record.
- Bounded per rendering: at most `max_responses` answers and `max_bytes` of payload; past
  either, answers are counted (`over_cap`), not kept, so a page that fetches without end costs
  no more than that.
- The headers as they went over the wire: Chromium's own account of them (its DevTools
  protocol, `Network.*ExtraInfo` events, on a session of our own), for Playwright reports a
  request the rendering routes (to abort some) with the headers asked for, not those sent.
  Another browser, or a request Chromium gave no account of, keeps Playwright's.
- Chromium hands on a payload decoded (Content-Encoding undone) and de-chunked: the headers
  kept say so (Content-Encoding and Transfer-Encoding left out, Content-Length the payload's),
  as browser-based archivers (Browsertrix, ArchiveWeb.page) keep them, or a replay tool would
  decode the payload a second time.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import urlsplit

from newscrawl.warc import status_phrase, utc_now, warc_date

if TYPE_CHECKING:
    from playwright.async_api import Page, Request as BrowserRequest

logger = logging.getLogger(__name__)

# how long the rendering waits, once the article is there, for answers still arriving
SETTLE_SECONDS = 5.0
_POLL_SECONDS = 0.05


@dataclass
class BrowserExchange:
    """One request the browser sent and the answer it got, as the WARC records keep them."""

    url: str
    date: str  # WARC-Date: when the answer was whole
    method: str
    request_headers: list[tuple[bytes, bytes]]
    request_body: bytes
    status: int
    status_line: bytes  # as received over HTTP/1.x (HTTP/2 has none: one is written)
    response_headers: list[tuple[bytes, bytes]]
    payload: bytes
    resource_type: str  # Playwright's (= Chromium's): document, script, xhr, fetch, stylesheet...
    protocol: Optional[str] = None  # "h2" when the answer came over HTTP/2 (WARC-Protocol)
    ip_address: Optional[str] = None


@dataclass
class BrowserTraffic:
    """The exchanges of one rendering (a Scrapy request's), bounded; see the module docstring."""

    max_responses: int
    max_bytes: int
    page_id: str = field(default_factory=lambda: str(uuid.uuid4()))  # WARC-Page-ID of its records
    exchanges: list[BrowserExchange] = field(default_factory=list)
    over_cap: int = 0  # answers past max_responses or max_bytes: not kept
    unreadable: int = 0  # answers whose payload the browser no longer had
    unfinished: int = 0  # requests still unanswered, or answers still being read, when the rendering ended
    payload_bytes: int = 0
    _taken: int = 0  # answers kept or being read
    _in_flight: set[Any] = field(default_factory=set)  # the browser's requests not finished yet
    _reading: set[asyncio.Task[None]] = field(default_factory=set)
    wire: "WireLog" = field(default_factory=lambda: WireLog())

    def event_handlers(self) -> dict[str, Any]:
        """scrapy-playwright's playwright_page_event_handlers."""
        return {"request": self._started, "requestfinished": self._finished, "requestfailed": self._failed}

    def _started(self, request: "BrowserRequest") -> None:
        self._in_flight.add(request)

    def _failed(self, request: "BrowserRequest") -> None:
        self._in_flight.discard(request)  # aborted by the rendering, or no answer: nothing to keep

    def _finished(self, request: "BrowserRequest") -> None:
        self._in_flight.discard(request)
        if urlsplit(request.url).scheme not in ("http", "https"):
            return  # data: and blob: never left the browser
        if self._taken >= self.max_responses:
            self.over_cap += 1
            return
        self._taken += 1
        task = asyncio.ensure_future(self._read(request))
        self._reading.add(task)
        task.add_done_callback(self._reading.discard)

    async def _read(self, request: "BrowserRequest") -> None:
        from playwright.async_api import Error as BrowserError

        counted = 0  # payload bytes counted against max_bytes (given back if the answer cannot be read)
        try:
            response = await request.response()
            if response is None:
                self._taken -= 1
                return
            announced = response.headers.get("content-length", "")
            if announced.isdigit() and self.payload_bytes + int(announced) > self.max_bytes and not response.headers.get("content-encoding"):
                self._over_bytes()
                return
            payload = b"" if 300 <= response.status < 400 else await response.body()
            if self.payload_bytes + len(payload) > self.max_bytes:
                self._over_bytes()
                return
            counted = len(payload)
            self.payload_bytes += counted  # at once: the other answers being read check against it
            hop = self.wire.take(request.url)
            request_headers = hop.request_headers if hop and hop.request_headers else _pairs(await request.headers_array())
            if hop and hop.response_head:
                status_line, response_headers = hop.response_head
            else:
                reason = response.status_text or status_phrase(response.status)
                status_line = f"HTTP/1.1 {response.status} {reason}".rstrip().encode("latin-1", "replace")
                response_headers = _pairs(await response.headers_array())
            version = (await response.http_version()).upper()
            address = await response.server_addr()
        except BrowserError as exc:  # the page or the browser went away meanwhile
            self._taken -= 1
            self.payload_bytes -= counted
            self.unreadable += 1
            logger.debug("The browser's answer from %s could not be read: %s", request.url, str(exc).splitlines()[0])
            return
        self.exchanges.append(BrowserExchange(
            url=response.url, date=warc_date(utc_now()), method=request.method,
            request_headers=request_headers, request_body=request.post_data_buffer or b"",
            status=response.status, status_line=status_line,
            response_headers=decoded_payload_headers(response_headers, len(payload)),
            payload=payload, resource_type=request.resource_type, protocol="h2" if version.startswith("HTTP/2") else None,
            ip_address=address["ipAddress"] if address else None,
        ))

    def _over_bytes(self) -> None:
        self._taken -= 1
        self.over_cap += 1

    async def settle(self, page: "Page", seconds: float = SETTLE_SECONDS) -> None:
        """A page method, the rendering's last: until every request the browser started has
        finished or failed and every answer is read, at most `seconds` (the rest is not kept)."""
        deadline = time.monotonic() + seconds
        while (self._in_flight or self._reading) and time.monotonic() < deadline:
            if self._reading:
                await asyncio.wait(set(self._reading), timeout=min(_POLL_SECONDS, max(0.0, deadline - time.monotonic())))
            else:
                await asyncio.sleep(_POLL_SECONDS)
        for task in list(self._reading):  # still reading at the deadline: its answer is not kept
            task.cancel()
        self.unfinished += len(self._in_flight) + len(self._reading)
        if self.unfinished:
            logger.debug("Rendering of %s: %d requests of the browser unfinished after %gs, not kept", page.url, self.unfinished, seconds)
        self._in_flight.clear()

    def take(self) -> list[BrowserExchange]:
        """The exchanges collected, in the order they finished; the collection starts anew (a rendering tried again)."""
        taken, self.exchanges = self.exchanges, []
        self._taken = 0
        self.payload_bytes = 0
        return taken


@dataclass
class Hop:
    """One request Chromium sent (a redirect's every hop is one), as it tells of it."""

    url: Optional[str] = None
    request_headers: Optional[list[tuple[bytes, bytes]]] = None
    response_head: Optional[tuple[bytes, list[tuple[bytes, bytes]]]] = None  # status line, header lines
    taken: bool = False


class WireLog:
    """Chromium's account of the headers its requests went out with and its answers came with
    (DevTools protocol, Network domain, on a session of its own beside Playwright's). Its events
    name a request by Chromium's id, shared by a redirect's hops, and come in no fixed order
    between the kinds: each is paired with the first hop of its request that lacks it."""

    def __init__(self) -> None:
        self.hops: dict[str, list[Hop]] = {}

    async def watch(self, page: "Page", _request: Any = None) -> None:
        """scrapy-playwright's playwright_page_init_callback: before the page is opened."""
        from playwright.async_api import Error as BrowserError

        try:
            session = await page.context.new_cdp_session(page)
            session.on("Network.requestWillBeSent", self._sent)
            session.on("Network.requestWillBeSentExtraInfo", self._request_headers)
            session.on("Network.responseReceivedExtraInfo", self._response_head)
            await session.send("Network.enable")
        except BrowserError as exc:  # not Chromium: Playwright's headers are kept
            logger.debug("No DevTools session for the rendering of %s: %s", page.url, str(exc).splitlines()[0])

    def _hop(self, request_id: str, lacking: str) -> Hop:
        hops = self.hops.setdefault(request_id, [])
        hop = next((h for h in hops if getattr(h, lacking) is None), None)
        if hop is None:
            hop = Hop()
            hops.append(hop)
        return hop

    def _sent(self, event: dict[str, Any]) -> None:
        self._hop(event["requestId"], "url").url = event["request"]["url"]

    def _request_headers(self, event: dict[str, Any]) -> None:
        headers = event.get("headers") or {}
        self._hop(event["requestId"], "request_headers").request_headers = _pairs([{"name": n, "value": v} for n, v in headers.items()])

    def _response_head(self, event: dict[str, Any]) -> None:
        text = event.get("headersText")  # HTTP/1.x: the head as received
        if text:
            lines = text.split("\r\n")
            headers = [(name.strip().encode("latin-1", "replace"), value.strip().encode("latin-1", "replace"))
                       for name, _, value in (line.partition(":") for line in lines[1:] if line)]
            head = (lines[0].encode("latin-1", "replace"), headers)
        else:  # HTTP/2: the header list
            head = (f"HTTP/1.1 {event.get('statusCode', 200)} {status_phrase(int(event.get('statusCode', 200)))}".rstrip().encode("ascii"),
                    _pairs([{"name": n, "value": v} for n, v in (event.get("headers") or {}).items()]))
        self._hop(event["requestId"], "response_head").response_head = head

    def take(self, url: str) -> Optional[Hop]:
        """The first hop to `url` not taken yet."""
        for hops in self.hops.values():
            for hop in hops:
                if hop.url == url and not hop.taken:
                    hop.taken = True
                    return hop
        return None


def _pairs(headers: list[Any]) -> list[tuple[bytes, bytes]]:
    """Playwright's header list as the HTTP message's header lines (HTTP/2's pseudo-headers left out)."""
    pairs = []
    for header in headers:
        name, value = header["name"], header["value"]
        if name.startswith(":"):
            continue
        for line in value.split("\n"):  # Chromium joins repeated headers (Set-Cookie) with a newline
            pairs.append((name.encode("latin-1", "replace"), line.encode("latin-1", "replace")))
    return pairs


def decoded_payload_headers(headers: list[tuple[bytes, bytes]], length: int) -> list[tuple[bytes, bytes]]:
    """A response's header lines for its payload as the browser decoded it: no Content-Encoding
    or Transfer-Encoding, and a Content-Length that is the payload's (in the place it had)."""
    kept = []
    for name, value in headers:
        lower = name.lower()
        if lower in (b"content-encoding", b"transfer-encoding"):
            continue
        if lower == b"content-length":
            if any(n.lower() == b"content-length" for n, _ in kept):
                continue
            value = str(length).encode("ascii")
        kept.append((name, value))
    if not any(n.lower() == b"content-length" for n, _ in kept):
        kept.append((b"Content-Length", str(length).encode("ascii")))
    return kept
