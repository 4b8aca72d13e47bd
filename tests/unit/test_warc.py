"""WARC files as newscrawl writes and reads them (newscrawl/warc.py, newscrawl/recording.py):
read back by warcio itself, rotated, torn records found where they are, retention that never
strands a revisit record."""

from __future__ import annotations

import os
import shutil
from io import BytesIO
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders

from newscrawl.recording import WarcConfig, open_files
from newscrawl.warc import (
    OPEN_SUFFIX, Entry, Pending, TornRecord, WarcFileSet, index_of, index_path, payload_digest, read_record, revisit_key,
    scan, seal, warc_files,
)

PAGE = b"<html><body><p>" + b"A paragraph of an article. " * 200 + b"</p></body></html>"


def exchange(files: WarcFileSet, uri: str, body: bytes = PAGE, original: Entry | None = None) -> list[Entry]:
    """A response (or, given its original, a revisit) and its request, as the recorder writes them."""
    factory = files.factory
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
    digest = payload_digest(body)
    if original is None:
        record = factory.create_warc_record(uri, "response", payload=BytesIO(body), length=len(body), http_headers=headers,
                                            warc_headers_dict={"WARC-Payload-Digest": digest})
    else:
        record = factory.create_revisit_record(uri, digest, uri, original.date, http_headers=headers,
                                               warc_headers_dict={"WARC-Refers-To": original.id})
    request = factory.create_warc_record(
        uri, "request", payload=BytesIO(b""), length=0,
        http_headers=StatusAndHeaders("GET /a HTTP/1.1", [("Host", "example.org")], is_http_request=True),
        warc_headers_dict={"WARC-Concurrent-To": record.rec_headers.get_header("WARC-Record-ID")},
    )
    return files.write([Pending(record), Pending(request)])


def written(directory: Path, pages: int, max_bytes: int = 10**9, prefix: str = "newscrawl-test-20260101000000") -> WarcFileSet:
    files = WarcFileSet(directory, prefix, max_bytes, {"software": "newscrawl tests", "newscrawl-spider": "asia"})
    for number in range(pages):
        exchange(files, f"https://sputnikglobe.com/2025/a-{number}.html", PAGE + str(number).encode())
    files.close()
    return files


def warcio_records(path: Path) -> list[tuple[str, str]]:
    """(type, target URI) of every record, read by warcio with every digest checked."""
    found = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream, check_digests=True):
            record.content_stream().read()
            assert record.digest_checker.passed is not False, record.digest_checker.problems
            found.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI") or ""))
    return found


def test_warcio_reads_every_record_and_the_index_says_where_each_is(tmp_path: Path) -> None:
    files = written(tmp_path, 5)
    [path] = files.written
    assert path.name.endswith(".warc.gz") and not list(tmp_path.glob(f"*{OPEN_SUFFIX}"))
    records = warcio_records(path)
    assert [t for t, _ in records] == ["warcinfo"] + ["response", "request"] * 5
    entries = index_of(path).entries  # from the .idx
    assert [(e.type, e.uri) for e in entries] == records
    assert entries == [entry for entry, _record, _payload in scan(path)]  # the same as reading the file
    last = entries[-2]
    record, payload = read_record(path, last)
    assert payload == PAGE + b"4" and record.http_headers.get_statuscode() == "200"
    assert last.digest == payload_digest(payload) and last.status == 200


def test_files_rotate_before_passing_the_size_cap_and_each_opens_with_warcinfo(tmp_path: Path) -> None:
    member = os.path.getsize(written(tmp_path / "one", 1).written[0])
    files = written(tmp_path / "many", 12, max_bytes=3 * member)
    assert len(files.written) >= 4
    for path in files.written:
        assert path.stat().st_size <= 3 * member
        types = [t for t, _ in warcio_records(path)]
        assert types[0] == "warcinfo" and types.count("warcinfo") == 1
    responses = [uri for path in files.written for t, uri in warcio_records(path) if t == "response"]
    assert len(responses) == len(set(responses)) == 12


@pytest.mark.parametrize("cut_into", [1, 40, -9])
def test_a_torn_last_record_is_found_and_sealing_cuts_it_off(tmp_path: Path, cut_into: int) -> None:
    [path] = written(tmp_path, 3).written
    entries = index_of(path).entries
    last = entries[-1]
    left_open = path.with_name(path.name + OPEN_SUFFIX)
    shutil.copy(path, left_open)
    with left_open.open("r+b") as file:  # a crawl killed while writing its last record
        file.truncate(last.offset + (cut_into if cut_into > 0 else last.length + cut_into))
    path.unlink()
    index_path(path).unlink()
    found = index_of(left_open)
    assert isinstance(found.torn, TornRecord) and found.torn.offset == last.offset
    assert found.entries == entries[:-1]
    with pytest.raises(TornRecord):
        list(scan(left_open))
    assert seal(left_open) is not None
    assert warc_files(tmp_path) == [path] and path.stat().st_size == last.offset
    assert len(warcio_records(path)) == len(entries) - 1
    assert index_of(path).entries == entries[:-1] and index_of(path).torn is None


def test_a_stale_index_is_not_trusted(tmp_path: Path) -> None:
    [path] = written(tmp_path, 3).written
    entries = index_of(path).entries
    index_path(path).write_bytes(b"".join(e.line() for e in entries[:-2]))  # killed before its last lines
    assert index_of(path, rebuild_index=True).entries == entries
    assert index_path(path).read_bytes() == b"".join(e.line() for e in entries)


def test_retention_keeps_what_kept_revisits_refer_to(tmp_path: Path) -> None:
    uri = "https://sputnikglobe.com/2025/a.html"
    first = WarcFileSet(tmp_path, "newscrawl-asia-20260101000000", 10**9, {})
    original = exchange(first, uri)[0]
    first.close()
    second = WarcFileSet(tmp_path, "newscrawl-asia-20260102000000", 10**9, {})
    exchange(second, "https://sputnikglobe.com/2025/b.html")
    second.close()
    third = WarcFileSet(tmp_path, "newscrawl-asia-20260103000000", 10**9, {})
    revisit = exchange(third, uri, original=original)[0]
    third.close()
    assert revisit.type == "revisit" and revisit.refers_to == original.id
    config = WarcConfig(enabled=True, directory=tmp_path, max_bytes=10**9, keep=1)
    originals = open_files(config)
    # the second file goes; the first stays, its record the kept revisit's original, but takes no new revisit
    assert [p.name[:30] for p in warc_files(tmp_path)] == ["newscrawl-asia-20260101000000-", "newscrawl-asia-20260103000000-"]
    assert originals.get(revisit_key(uri, original.digest or "")) is None
    everything = open_files(WarcConfig(enabled=True, directory=tmp_path, max_bytes=10**9, keep=0))
    assert everything.get(revisit_key(uri, original.digest or "")) == (original.id, original.date)  # read back from its file
    assert len(everything) == 1  # the second file went with the first pass


def test_a_file_left_open_is_made_whole_at_the_next_start(tmp_path: Path) -> None:
    files = WarcFileSet(tmp_path, "newscrawl-asia-20260101000000", 10**9, {})
    entries = exchange(files, "https://sputnikglobe.com/2025/a.html")
    assert files.path is not None and files.path.name.endswith(OPEN_SUFFIX)  # never closed: the crawl was killed
    originals = open_files(WarcConfig(enabled=True, directory=tmp_path, max_bytes=10**9, keep=0))
    [path] = warc_files(tmp_path)
    assert not path.name.endswith(OPEN_SUFFIX)
    assert [t for t, _ in warcio_records(path)] == ["warcinfo", "response", "request"]
    assert len(originals) == 1
    assert originals.get(revisit_key(entries[0].uri, entries[0].digest or "")) == (entries[0].id, entries[0].date)


# the browser's own fetches (newscrawl.browser_traffic) ---------------------------------------

def test_a_decoded_payload_is_kept_without_its_content_coding_and_with_its_own_length() -> None:
    from newscrawl.browser_traffic import decoded_payload_headers

    sent = [(b"Content-Type", b"application/json"), (b"Content-Encoding", b"gzip"), (b"Content-Length", b"312"),
            (b"Transfer-Encoding", b"chunked"), (b"Vary", b"Accept-Encoding")]
    assert decoded_payload_headers(sent, 1024) == [(b"Content-Type", b"application/json"), (b"Content-Length", b"1024"),
                                                   (b"Vary", b"Accept-Encoding")]
    # chunked, no length announced: the payload's is added
    assert decoded_payload_headers([(b"Transfer-Encoding", b"chunked")], 7) == [(b"Content-Length", b"7")]


def test_chromiums_account_of_each_hop_is_paired_whatever_order_its_events_come_in() -> None:
    """Chromium's DevTools events name a request by an id its redirect hops share, and the
    headers of a hop may come before the hop itself: each goes to the first hop lacking it."""
    from newscrawl.browser_traffic import WireLog

    log = WireLog()
    log._request_headers({"requestId": "7", "headers": {"Host": "site", "Sec-Fetch-Dest": "document"}})  # before the hop
    log._sent({"requestId": "7", "request": {"url": "http://site/a"}})
    log._response_head({"requestId": "7", "headersText": "HTTP/1.1 301 Moved Permanently\r\nLocation: /b\r\n\r\n"})
    log._sent({"requestId": "7", "request": {"url": "http://site/b"}})  # the redirect's next hop, same id
    log._response_head({"requestId": "7", "headersText": "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"})
    log._request_headers({"requestId": "7", "headers": {"Host": "site", "Sec-Fetch-Dest": "document", "Referer": "x"}})
    log._response_head({"requestId": "8", "statusCode": 200, "headers": {"content-type": "text/css"}})  # HTTP/2: no head text
    log._sent({"requestId": "8", "request": {"url": "http://site/c.css"}})
    first, second, sheet = log.take("http://site/a"), log.take("http://site/b"), log.take("http://site/c.css")
    assert first and first.response_head == (b"HTTP/1.1 301 Moved Permanently", [(b"Location", b"/b")])
    assert first.request_headers == [(b"Host", b"site"), (b"Sec-Fetch-Dest", b"document")]
    assert second and second.response_head == (b"HTTP/1.1 200 OK", [(b"Content-Type", b"text/html")])
    assert second.request_headers is not None and (b"Referer", b"x") in second.request_headers
    assert sheet and sheet.response_head == (b"HTTP/1.1 200 OK", [(b"content-type", b"text/css")])
    assert log.take("http://site/a") is None  # each hop is taken once
