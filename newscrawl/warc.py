"""The pages themselves, kept as WARC (ISO 28500, WARC/1.1): what the site sent, as it sent it.

Files: `<data dir>/warc/newscrawl-<spider>-<crawl start, UTC>-<serial>.warc.gz`, each record
a gzip member of its own (what every WARC tool reads, and what lets a reader seek to one record).
A file being written is named `<name>.open`; it is renamed to its name, fsynced, once whole,
and the next one begins when it would pass NEWSCRAWL_WARC_MAX_BYTES. Every record is written
with one write(2) of its whole gzip member, so a crawl killed at any point leaves every record
before the last whole; the next crawl finds the `.open` file, cuts a torn last record off (one
warning) and renames it.

Beside each file, `<name>.idx`: one JSON line per record (offset, length, type, URI, date, id,
payload digest, HTTP status, the record it refers to). It is what `scrapy reparse` and the
revisit check read instead of decompressing whole files; a missing or stale one is rebuilt
from the WARC file itself, which alone is the archive.

Records are built with warcio (digests, headers); compression is ours: zlib level 6 for a
page as the server sent it plain, level 1 for a payload the server compressed already
(deflating it again gains nothing), warcio's own level 9 costing several times more CPU.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
import zlib
from base64 import b32encode
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import IO, Iterable, Iterator, Optional

import numpy as np
from warcio.recordbuilder import RecordBuilder
from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader
from warcio.warcwriter import WARCWriter

from newscrawl.compact import KeyMap

logger = logging.getLogger(__name__)

WARC_VERSION = "WARC/1.1"
SUFFIX = ".warc.gz"
OPEN_SUFFIX = ".open"
INDEX_SUFFIX = ".idx"
# a payload the server compressed: deflating it again costs CPU and saves nothing; a record
# without payload (a request, a revisit) is a few hundred bytes of headers, which level 1 packs as well
_LEVEL_PLAIN, _LEVEL_ENCODED = 6, 1
_CHUNK = 1 << 20
# WARC-Truncated reasons (WARC 1.1, 5.13)
TRUNCATED_LENGTH = "length"
TRUNCATED_DISCONNECT = "disconnect"


class TornRecord(Exception):
    """A record cut short: the end of a file written by a crawl that was killed, or a damaged file."""

    def __init__(self, offset: int, why: str) -> None:
        super().__init__(f"torn record at byte {offset}: {why}")
        self.offset = offset


@dataclass
class Entry:
    """One record of a WARC file, as its `.idx` line has it."""

    offset: int  # of the gzip member (or, uncompressed, of the record) in the file
    length: int  # of that member
    type: str
    uri: str
    date: str
    id: str
    digest: Optional[str] = None  # WARC-Payload-Digest
    status: Optional[int] = None  # HTTP status of a response or revisit
    refers_to: Optional[str] = None  # WARC-Refers-To: a revisit's original, a conversion's source
    truncated: Optional[str] = None  # WARC-Truncated
    page: Optional[str] = None  # WARC-Page-ID: the records of one rendering (newscrawl.browser_traffic)
    n: int = 0  # the record's place in its member (a member holding several records: other tools)

    def line(self) -> bytes:
        values = {"offset": self.offset, "length": self.length, "type": self.type, "uri": self.uri, "date": self.date, "id": self.id}
        for name in ("digest", "status", "refers_to", "truncated", "page"):
            value = getattr(self, name)
            if value is not None:
                values[name] = value
        if self.n:
            values["n"] = self.n
        return json.dumps(values, separators=(",", ":")).encode() + b"\n"

    @classmethod
    def from_line(cls, line: bytes) -> "Entry":
        return cls(**json.loads(line))

    @classmethod
    def of(cls, record: ArcWarcRecord, offset: int, length: int, n: int = 0) -> "Entry":
        header = record.rec_headers.get_header
        status = None
        if record.http_headers is not None and record.rec_type in ("response", "revisit"):
            code = record.http_headers.get_statuscode()
            status = int(code) if code and code.isdigit() else None
        return cls(
            offset=offset, length=length, type=record.rec_type, uri=header("WARC-Target-URI") or "",
            date=header("WARC-Date") or "", id=header("WARC-Record-ID") or "", digest=header("WARC-Payload-Digest"),
            status=status, refers_to=header("WARC-Refers-To"), truncated=header("WARC-Truncated"), page=header("WARC-Page-ID"), n=n,
        )


def payload_digest(payload: bytes) -> str:
    """WARC-Payload-Digest as warcio writes it: SHA-1 in base32."""
    return _base32(hashlib.sha1(payload).digest())


def warc_date(when: datetime) -> str:
    """WARC/1.1's date: UTC with microseconds."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def index_path(warc: Path) -> Path:
    """The `.idx` beside a WARC file (its name without `.open`)."""
    name = warc.name.removesuffix(OPEN_SUFFIX)
    return warc.with_name(name + INDEX_SUFFIX)


# reading ------------------------------------------------------------------------------------

_LOADER = ArcWarcRecordLoader()


def _records_of(stream: IO[bytes], size: int) -> Iterator[tuple[ArcWarcRecord, bytes]]:
    """Each record in an uncompressed stream of `size` bytes, with its block read whole."""
    while True:
        start = stream.tell()
        rest = stream.read(4)
        while rest and not rest.strip():  # the blank lines that end the record before
            start = stream.tell()
            rest = stream.read(4)
        if not rest:
            return
        stream.seek(start)
        try:
            record = _LOADER.parse_record_stream(stream, known_format="warc")
        except Exception as exc:  # noqa: BLE001 - warcio raises several kinds for a header cut short
            raise TornRecord(start, f"unreadable headers ({type(exc).__name__})") from None
        payload = record.raw_stream.read()
        if record.length is not None and record.raw_stream.limit > 0:
            raise TornRecord(start, f"{record.raw_stream.limit} bytes of its block missing")
        yield record, payload
        stream.read(4)  # the record's closing \r\n\r\n
        if stream.tell() >= size:
            return


def _members(file: IO[bytes], start: int = 0) -> Iterator[tuple[int, int, bytes]]:
    """(offset, length, decompressed bytes) of each gzip member from `start` on."""
    file.seek(start)
    offset = start
    pending = file.read(_CHUNK)
    while pending:
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        parts: list[bytes] = []
        consumed = 0
        while True:
            try:
                parts.append(inflater.decompress(pending))
            except zlib.error as exc:
                raise TornRecord(offset, f"not gzip data ({exc})") from None
            if inflater.eof:
                consumed += len(pending) - len(inflater.unused_data)
                pending = inflater.unused_data
                break
            consumed += len(pending)
            pending = file.read(_CHUNK)
            if not pending:
                raise TornRecord(offset, "its gzip member ends before its end")
        yield offset, consumed, b"".join(parts)
        offset += consumed
        if not pending:
            pending = file.read(_CHUNK)
        while pending and not pending.strip(b"\0"):  # zero padding some writers leave at the end
            offset += len(pending)
            pending = file.read(_CHUNK)


def scan(path: Path) -> Iterator[tuple[Entry, ArcWarcRecord, bytes]]:
    """Every record of a WARC file (gzip per record, or uncompressed), with its payload (the
    block past any HTTP headers), in file order. A record cut short raises TornRecord after
    every whole record before it."""
    with path.open("rb") as file:
        magic = file.read(2)
        file.seek(0)
        if magic == b"\x1f\x8b":
            for offset, length, raw in _members(file):
                stream = BytesIO(raw)
                try:
                    for n, (record, payload) in enumerate(_records_of(stream, len(raw))):
                        yield Entry.of(record, offset, length, n), record, payload
                except TornRecord as torn:
                    raise TornRecord(offset, str(torn)) from None
            return
        size = path.stat().st_size
        while file.tell() < size:
            offset = file.tell()
            for record, payload in _records_of(file, size):
                yield Entry.of(record, offset, file.tell() - offset), record, payload
                offset = file.tell()


def read_record(path: Path, entry: Entry, file: Optional[IO[bytes]] = None) -> tuple[ArcWarcRecord, bytes]:
    """The record an index entry names, and its payload (`file`: the file already open)."""
    if file is None:
        with path.open("rb") as opened:
            return read_record(path, entry, opened)
    file.seek(entry.offset)
    data = file.read(entry.length)
    if data[:2] == b"\x1f\x8b":
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        data = inflater.decompress(data)
    records = _records_of(BytesIO(data), len(data))
    for _ in range(entry.n):
        next(records)
    return next(records)


@dataclass
class Message:
    """A stored HTTP message, as `scrapy reparse` reads it: the record's WARC fields (names in
    lower case), the HTTP head (status line and header lines, bytes as sent), the payload."""

    fields: dict[str, str]
    first_line: bytes
    headers: list[tuple[bytes, bytes]]
    payload: bytes


def read_message(path: Path, entry: Entry, file: IO[bytes]) -> Message:
    """The record an index entry names, split without warcio's parser (a third of the time a
    reparse spends on a page went there), warcio's kept for what this does not read."""
    if entry.n == 0:
        file.seek(entry.offset)
        data = file.read(entry.length)
        if data[:2] == b"\x1f\x8b":
            data = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(data)
        end = data.find(b"\r\n\r\n")
        if data.startswith(b"WARC/") and end > 0:
            fields = {}
            for line in data[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                fields[name.strip().lower().decode("utf-8", "replace")] = value.strip().decode("utf-8", "replace")
            length = int(fields.get("content-length") or 0)
            start, stop = end + 4, end + 4 + length  # the block: sliced once, as the payload
            if len(data) < stop:
                raise TornRecord(entry.offset, f"{length - max(0, len(data) - start)} bytes of its block missing")
            if not fields.get("content-type", "").startswith("application/http"):
                return Message(fields, b"", [], data[start:stop])
            head_end = data.find(b"\r\n\r\n", start, stop)
            head, payload = (data[start:stop], b"") if head_end < 0 else (data[start:head_end], data[head_end + 4 : stop])
            lines = head.split(b"\r\n")
            headers = [(name.strip(), value.strip()) for name, _, value in (line.partition(b":") for line in lines[1:] if line)]
            return Message(fields, lines[0], headers, payload)
    record, payload = read_record(path, entry, file)
    fields = {name.lower(): value for name, value in record.rec_headers.headers}
    if record.http_headers is None:
        return Message(fields, b"", [], payload)
    http = record.http_headers
    first = f"{http.protocol} {http.statusline}" if http.protocol else http.statusline
    return Message(fields, first.encode("latin-1"), [(n.encode("latin-1"), v.encode("latin-1")) for n, v in http.headers], payload)


@dataclass
class FileIndex:
    """A WARC file's records, and where it stops being readable (a torn record), if it does."""

    path: Path
    entries: list[Entry]
    torn: Optional[TornRecord] = None


def index_of(path: Path, rebuild_index: bool = False) -> FileIndex:
    """The file's records: from its `.idx` when that covers the whole file, else from the file
    itself (and, with rebuild_index, its `.idx` written anew)."""
    idx = index_path(path)
    size = path.stat().st_size
    if idx.is_file():
        try:
            entries = [Entry.from_line(line) for line in idx.read_bytes().splitlines() if line.strip()]
        except (ValueError, TypeError):
            entries = []
        last = entries[-1] if entries else None
        if last is not None and last.offset + last.length == size:
            return FileIndex(path, entries)
    entries, torn = [], None
    try:
        for entry, _record, _payload in scan(path):
            entries.append(entry)
    except TornRecord as exc:
        torn = exc
    if rebuild_index:
        _write_index(idx, entries)
    return FileIndex(path, entries, torn)


def _write_index(idx: Path, entries: Iterable[Entry]) -> None:
    part = idx.with_name(idx.name + ".part")
    with part.open("wb") as file:
        for entry in entries:
            file.write(entry.line())
        file.flush()
        os.fsync(file.fileno())
    os.replace(part, idx)


def warc_files(directory: Path, with_open: bool = True) -> list[Path]:
    """The WARC files a crawl wrote into `directory`, oldest first (their names sort by time)."""
    if not directory.is_dir():
        return []
    found = [p for p in directory.iterdir() if p.name.endswith(SUFFIX) or (with_open and p.name.endswith(SUFFIX + OPEN_SUFFIX))]
    return sorted(found, key=lambda p: p.name)


def warcinfo_fields(path: Path, entries: list[Entry]) -> dict[str, str]:
    """The fields of the file's first warcinfo record (the crawl that wrote it), if any."""
    first = next((e for e in entries if e.type == "warcinfo"), None)
    if first is None:
        return {}
    _record, payload = read_record(path, first)
    fields = {}
    for line in payload.decode("utf-8", "replace").splitlines():
        name, _, value = line.partition(":")
        if value:
            fields[name.strip()] = value.strip()
    return fields


# writing ------------------------------------------------------------------------------------


class RecordFactory(RecordBuilder):
    """warcio's record builder, at WARC/1.1."""

    def __init__(self) -> None:
        super().__init__(warc_version=WARC_VERSION)
        self._writer = WARCWriter(BytesIO(), gzip=False, warc_version=WARC_VERSION)  # one: each asks the host name

    def serialize(self, record: ArcWarcRecord) -> bytes:
        """The record's bytes, uncompressed (we compress each one as a gzip member)."""
        out = self._writer.out = BytesIO()
        self._writer.write_record(record)
        return out.getvalue()


@dataclass
class Record:
    """A record the crawl writes for each page, serialized here: warcio's builder (kept for
    warcinfo records, and for reading) costs about as much again as compressing the record,
    and a crawl writes two a page. warcio reads these back and checks their digests (the tests)."""

    type: str
    uri: str
    date: str
    fields: list[tuple[str, str]]  # the WARC header fields past type, id, target and date
    block_head: bytes  # the HTTP request or response head (empty: no HTTP message)
    payload: bytes
    content_type: str
    digest: Optional[str] = None  # WARC-Payload-Digest, when known already
    status: Optional[int] = None
    refers_to: Optional[str] = None
    truncated: Optional[str] = None
    id: str = field(default_factory=lambda: f"<urn:uuid:{uuid.uuid4()}>")

    def serialize(self) -> bytes:
        block = hashlib.sha1(self.block_head)
        block.update(self.payload)
        lines = [WARC_VERSION, f"WARC-Type: {self.type}", f"WARC-Record-ID: {self.id}", f"WARC-Date: {self.date}"]
        if self.uri:
            lines.append(f"WARC-Target-URI: {self.uri}")
        lines += [f"{name}: {value}" for name, value in self.fields]
        if self.digest:
            lines.append(f"WARC-Payload-Digest: {self.digest}")
        lines += [f"WARC-Block-Digest: {_base32(block.digest())}", f"Content-Type: {self.content_type}",
                  f"Content-Length: {len(self.block_head) + len(self.payload)}", "", ""]
        return b"".join(("\r\n".join(lines).encode("utf-8"), self.block_head, self.payload, b"\r\n\r\n"))

    def entry(self, offset: int, length: int) -> Entry:
        page = next((value for name, value in self.fields if name == "WARC-Page-ID"), None)
        return Entry(offset, length, self.type, self.uri, self.date, self.id, self.digest, self.status, self.refers_to, self.truncated, page)


def _base32(digest: bytes) -> str:
    return "sha1:" + b32encode(digest).decode("ascii")


def status_phrase(status: int) -> str:
    """The reason phrase of an HTTP status ("" for a status HTTP does not name)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def http_head(first_line: bytes, headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """An HTTP message's head as it goes on the wire: its first line, its header lines, a blank line."""
    return b"".join([first_line, b"\r\n", *(b"%s: %s\r\n" % pair for pair in headers), b"\r\n"])


def gzip_member(data: bytes, level: int) -> bytes:
    packer = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return packer.compress(data) + packer.flush()


@dataclass
class Pending:
    """A record to write, and how hard to compress it."""

    record: Record | ArcWarcRecord
    encoded: bool = False  # its payload arrived compressed (Content-Encoding), or it has none

    def serialize(self, factory: RecordFactory) -> bytes:
        return self.record.serialize() if isinstance(self.record, Record) else factory.serialize(self.record)

    def entry(self, offset: int, length: int) -> Entry:
        return self.record.entry(offset, length) if isinstance(self.record, Record) else Entry.of(self.record, offset, length)


class WarcFileSet:
    """The files one crawl writes: `<prefix>-<serial>.warc.gz`, rotated past max_bytes, each
    opened with a warcinfo record describing the crawl."""

    def __init__(self, directory: Path, prefix: str, max_bytes: int, info: dict[str, str]) -> None:
        self.directory = directory
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.info = info
        self.factory = RecordFactory()
        self.serial = -1
        self.path: Optional[Path] = None  # the `.open` file being written
        self._fd: Optional[int] = None
        self._idx_fd: Optional[int] = None
        self.size = 0
        self._records = 0
        self.written: list[Path] = []  # files closed whole

    @property
    def current_name(self) -> Optional[str]:
        return self.path.name.removesuffix(OPEN_SUFFIX) if self.path else None

    def write(self, records: list[Pending]) -> list[Entry]:
        """Writes these records together (a request with its response): one write(2) each file."""
        members = [(p, gzip_member(p.serialize(self.factory), _LEVEL_ENCODED if p.encoded else _LEVEL_PLAIN)) for p in records]
        total = sum(len(m) for _p, m in members)
        if self._fd is None or (self.size > 0 and self.size + total > self.max_bytes and self._holds_more_than_warcinfo()):
            self._rotate()
        entries = []
        offset = self.size
        for pending, member in members:
            entries.append(pending.entry(offset, len(member)))
            offset += len(member)
        self._write_all(b"".join(m for _p, m in members), entries)
        return entries

    def _holds_more_than_warcinfo(self) -> bool:
        return self._records > 1

    def _write_all(self, data: bytes, entries: list[Entry]) -> None:
        assert self._fd is not None and self._idx_fd is not None
        start = self.size
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
        except OSError:
            # no half record left behind for the next one to follow
            try:
                os.ftruncate(self._fd, start)
            except OSError:
                pass
            raise
        self.size += len(data)
        self._records += len(entries)
        os.write(self._idx_fd, b"".join(e.line() for e in entries))

    def _rotate(self) -> None:
        self.close()
        self.serial += 1
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{self.prefix}-{self.serial:05d}{SUFFIX}"
        self.path = self.directory / (name + OPEN_SUFFIX)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self._idx_fd = os.open(index_path(self.path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self.size = 0
        self._records = 0
        info = self.factory.create_warcinfo_record(name, self.info)
        member = gzip_member(self.factory.serialize(info), _LEVEL_PLAIN)
        self._write_all(member, [Entry.of(info, 0, len(member))])

    def close(self) -> None:
        """The file being written, made whole under its name."""
        if self._fd is None or self.path is None:
            return
        fd, idx_fd, self._fd, self._idx_fd = self._fd, self._idx_fd, None, None
        try:
            os.fsync(fd)
            if idx_fd is not None:
                os.fsync(idx_fd)
        finally:
            os.close(fd)
            if idx_fd is not None:
                os.close(idx_fd)
        final = self.path.with_name(self.path.name.removesuffix(OPEN_SUFFIX))
        os.replace(self.path, final)
        self.written.append(final)
        self.path = None


def seal(path: Path) -> Optional[str]:
    """A `.open` file left by a crawl that was killed, made a WARC file: its torn last record
    (if any) cut off, its `.idx` rebuilt, its name given. Returns what was cut, or None."""
    found = index_of(path)
    cut = None
    if found.torn is not None:
        size = path.stat().st_size
        with path.open("r+b") as file:
            file.truncate(found.torn.offset)
            file.flush()
            os.fsync(file.fileno())
        cut = f"{size - found.torn.offset} bytes of a torn last record"
    _write_index(index_path(path), found.entries)
    os.replace(path, path.with_name(path.name.removesuffix(OPEN_SUFFIX)))
    return cut


def record_fields(path: Path, offset: int) -> dict[str, str]:
    """The WARC header fields (names in lower case) of the record at `offset`, its block unread."""
    with path.open("rb") as file:
        file.seek(offset)
        data = file.read(16384)
    if data[:2] == b"\x1f\x8b":
        data = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(data)
    head = data.split(b"\r\n\r\n", 1)[0]
    fields = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower().decode("utf-8", "replace")] = value.strip().decode("utf-8", "replace")
    return fields


class Originals:
    """The revisit check's originals: a payload at a URI (revisit_key) -> the record holding it
    (its WARC-Record-ID and WARC-Date). Those of earlier files take 8 bytes of key and 8 of
    place (file and offset: compact.KeyMap), their id and date read from the file when a
    revisit needs them; those written by this crawl are kept as they are."""

    _OFFSET_BITS = 40

    def __init__(self) -> None:
        self.earlier = KeyMap(np.uint64)
        self.files: list[Path] = []
        self.recent: dict[int, tuple[str, str]] = {}

    def add_file(self, path: Path, entries: Iterable[Entry]) -> None:
        number = len(self.files)
        self.files.append(path)
        for entry in entries:
            if entry.type == "response" and entry.digest and not entry.truncated:
                self.earlier.setdefault(revisit_key(entry.uri, entry.digest), (number << self._OFFSET_BITS) | entry.offset)

    def add(self, key: int, record_id: str, date: str) -> None:
        self.recent.setdefault(key, (record_id, date))

    def get(self, key: int) -> Optional[tuple[str, str]]:
        found = self.recent.get(key)
        if found is not None:
            return found
        place = self.earlier.get(key)
        if place is None:
            return None
        fields = record_fields(self.files[place >> self._OFFSET_BITS], place & ((1 << self._OFFSET_BITS) - 1))
        if not fields.get("warc-record-id") or not fields.get("warc-date"):
            return None  # a file changed under us: a full record is written instead
        return fields["warc-record-id"], fields["warc-date"]

    def __len__(self) -> int:
        return len(self.earlier) + len(self.recent)


def delete_file(path: Path) -> None:
    path.unlink(missing_ok=True)
    index_path(path).unlink(missing_ok=True)


def revisit_key(uri: str, digest: str) -> int:
    """The revisit check's key of a payload at a URI: 64 bits of BLAKE2b."""
    return int.from_bytes(hashlib.blake2b(f"{uri} {digest}".encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
