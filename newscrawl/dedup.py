"""Dedup, in one place: every way newscrawl tells that two things are the same article.

1. URL identity (newscrawl.urls): `canonical_url` folds host aliases, scheme, trailing
   slash, tracking parameters, fragments, AMP and print copies; `identity_key` makes the
   article id the identity of any article URL.
2. Request level (newscrawl.middlewares.ArticleRequestFingerprinter): requests are keyed
   on `identity_key`, so Scrapy's dupefilter never fetches an equivalent URL twice in a crawl.
3. Item level (`CrawlSeen` here, applied by pipelines.dedup): one item per id and per
   canonical URL in a crawl; the same text (content hash) under another id, in this crawl
   or in the archive, is stored with `duplicate_of` the first id. The crawl keeps them as
   64-bit keys (newscrawl.compact), about 8 bytes each, so a big crawl stays small.
4. Near-duplicates (`TextPrint` here, stored by newscrawl.db): the same story re-published
   with small edits. Bodies are compared as sets of 4-word shingles (Jaccard similarity).
   A 128-hash MinHash signature cut into 32 LSH bands, kept in `article_bands`, finds the
   candidates with an indexed lookup (no all-pairs comparison); the stored signatures
   (`article_signatures`) weed out most of them; the exact similarity of the rest decides.
   Pairs at or above NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD are linked in `near_duplicates`,
   never dropped. A very long body is printed and compared by a bounded sample of its
   shingles (`print_shingles`), so that no body costs more than a long article.
"""

from __future__ import annotations

import hashlib
import heapq
import re
import zlib
from dataclasses import dataclass
from typing import Optional

import numpy as np
import numpy.typing as npt

from newscrawl.compact import KeyMap, KeySet, id_key, is_decimal_key, text_key
from newscrawl.urls import canonical_url

SHINGLE_WORDS = 4
NUM_HASHES = 128
BANDS = 32
ROWS_PER_BAND = NUM_HASHES // BANDS
# A pair shares a band with probability 1-(1-J^4)^32: 0.988 at J=0.6, 0.9998 at J=0.7, so
# lower thresholds are refused; unrelated texts (J about 0.1) share one with probability 0.003,
# which keeps the candidates (each checked exactly) few in a large archive.
MIN_THRESHOLD = 0.6
# One sentence added to a short story still leaves J above 0.72 (the mirror's near pairs);
# different stories built from the same stock phrases stay below 0.45.
DEFAULT_THRESHOLD = 0.7
# A candidate whose signature agrees on fewer than (threshold - margin) of its hashes is
# dropped before its body is read: the estimate's spread is at most 0.045 with 128 hashes.
ESTIMATE_MARGIN = 0.15

# Bounded cost per body: a print reads at most PRINT_CHARS characters of a body (its start)
# and hashes at most PRINT_SHINGLES of its shingles, the ones with the smallest CRC-32 (a
# bottom-k sample: two similar bodies sample alike). Articles of normal length (up to some
# 60,000 characters) have fewer shingles and are printed and compared whole, as before.
PRINT_CHARS = 1_000_000
PRINT_SHINGLES = 10_000
# rows of MinHash computed at once: its temporary array stays near 4 MB
_MINHASH_ROWS = 4096

_WORD = re.compile(r"\w+")


def shingles(text: str) -> frozenset[str]:
    """Every run of 4 consecutive words (lower case); a shorter text is one shingle."""
    words = _WORD.findall(text.lower())
    if len(words) <= SHINGLE_WORDS:
        return frozenset({" ".join(words)}) if words else frozenset()
    # the runs as zip gives them: each word beside the next three (no slice per shingle)
    return frozenset(map(" ".join, zip(*(words[i:] for i in range(SHINGLE_WORDS)))))


def print_shingles(text: str) -> frozenset[str]:
    """The shingles a print and an exact comparison use: all of them for a body of normal
    length; of a longer one (from its first PRINT_CHARS characters) the PRINT_SHINGLES with
    the smallest CRC-32, so that its cost does not grow with the body."""
    if len(text) > PRINT_CHARS:
        end = text.rfind(" ", 0, PRINT_CHARS)
        text = text[: end if end > 0 else PRINT_CHARS]
    found = shingles(text)
    if len(found) <= PRINT_SHINGLES:
        return found
    # ties broken by the text, so that the sample never depends on the set's order
    return frozenset(item for _, item in heapq.nsmallest(PRINT_SHINGLES, ((zlib.crc32(item.encode("utf-8")), item) for item in found)))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


# MinHash by universal hashing: h_i(x) = (a_i * crc32(x) + b_i) mod p, with p = 2**32 - 5 so
# that a_i * x + b_i stays below 2**64 in numpy's uint64 (one vectorised pass per body).
_PRIME = np.uint64(4294967291)
_PERMUTATIONS = np.random.Generator(np.random.PCG64(20261127))
_A = _PERMUTATIONS.integers(1, int(_PRIME), NUM_HASHES, dtype=np.uint64)
_B = _PERMUTATIONS.integers(0, int(_PRIME), NUM_HASHES, dtype=np.uint64)


def minhash(items: frozenset[str]) -> npt.NDArray[np.uint64]:
    """NUM_HASHES independent 32-bit hashes of every shingle, the minimum of each."""
    if not items:
        return np.zeros(NUM_HASHES, dtype=np.uint64)
    base = np.fromiter(map(zlib.crc32, map(str.encode, items)), dtype=np.uint64, count=len(items))  # UTF-8
    lowest = np.full(NUM_HASHES, np.iinfo(np.uint64).max, dtype=np.uint64)
    for start in range(0, len(base), _MINHASH_ROWS):
        rows = base[start : start + _MINHASH_ROWS, None] * _A
        rows += _B  # in place: one temporary array, not three
        rows %= _PRIME
        np.minimum(lowest, rows.min(axis=0), out=lowest)
    return lowest


# a band as its key hashes it: its number (a byte), then its values (little-endian 64-bit), no
# padding, as struct.pack("<B4Q", band, *values) gives it; the 32 bands in one buffer
_BAND_LAYOUT = np.dtype([("band", "u1"), ("values", "<u8", (ROWS_PER_BAND,))])


def band_keys(signature: npt.NDArray[np.uint64]) -> tuple[int, ...]:
    """One key per band (its number and its 4 values), as a signed 63-bit integer for the DB."""
    packed = np.empty(BANDS, dtype=_BAND_LAYOUT)
    packed["band"] = np.arange(BANDS)
    packed["values"] = signature.reshape(BANDS, ROWS_PER_BAND)
    data = memoryview(packed.tobytes())
    size, blake2b, from_bytes = _BAND_LAYOUT.itemsize, hashlib.blake2b, int.from_bytes
    return tuple(from_bytes(blake2b(data[start : start + size], digest_size=8).digest(), "big") >> 1
                 for start in range(0, len(data), size))


def pack_signature(signature: npt.NDArray[np.uint64]) -> bytes:
    return signature.astype("<u4").tobytes()  # every hash is below 2**32


def likely_similar(packed: bytes, candidates: list[tuple[str, bytes]], floor: float) -> list[str]:
    """The candidates whose stored signature agrees with this one on at least `floor` of its
    hashes (estimated Jaccard similarity), compared all at once."""
    if not candidates:
        return []
    mine = np.frombuffer(packed, dtype="<u4")
    theirs = np.frombuffer(b"".join(other for _, other in candidates), dtype="<u4").reshape(len(candidates), NUM_HASHES)
    agreeing = (theirs == mine).sum(axis=1)
    return [candidates[i][0] for i in np.flatnonzero(agreeing >= floor * NUM_HASHES).tolist()]


@dataclass(frozen=True)
class TextPrint:
    """What near-duplicate search needs of one body: its LSH band keys and its signature as
    stored (to estimate a candidate's similarity before reading its body). The shingles are
    not kept: few bodies ever need the exact comparison, and a batch's shingle sets were
    most of the writer's memory."""

    bands: tuple[int, ...]
    signature: bytes

    @classmethod
    def of(cls, body: str) -> "TextPrint":
        signature = minhash(print_shingles(body))
        return cls(band_keys(signature), pack_signature(signature))


class PrintIndex:
    """The prints of the articles one process wrote to an archive that held no band before
    (a rebuild into a fresh archive): what the archive's `article_bands` and
    `article_signatures` hold, kept in memory too, so that near-duplicate search asks no query.

    Band keys are sorted runs of (key, writer's order) arrays, 12 bytes a band, merged as they
    grow (each run at least twice the next), so a look-up searches a few runs; a key's holders
    come in the order they were written, as the archive's index on `key` gives them."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.signatures: dict[str, bytes] = {}
        self._runs: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]] = []

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, prints: dict[str, TextPrint]) -> None:
        """The prints of articles just written, none of them written before by this process."""
        first = len(self.ids)
        self.ids += prints
        self.signatures.update((article_id, text.signature) for article_id, text in prints.items())
        keys = np.fromiter((key for text in prints.values() for key in text.bands), dtype=np.int64, count=BANDS * len(prints))
        owners = np.repeat(np.arange(first, len(self.ids), dtype=np.int32), BANDS)
        order = np.argsort(keys, kind="stable")
        self._runs.append((keys[order], owners[order]))
        while len(self._runs) > 1 and 2 * len(self._runs[-1][0]) >= len(self._runs[-2][0]):
            (older_keys, older_owners), (newer_keys, newer_owners) = self._runs[-2:]
            keys, owners = np.concatenate([older_keys, newer_keys]), np.concatenate([older_owners, newer_owners])
            order = np.argsort(keys, kind="stable")  # equal keys: the older run's first
            self._runs[-2:] = [(keys[order], owners[order])]

    def holders(self, keys: set[int]) -> dict[int, list[str]]:
        """The articles holding each of these band keys, in the order they were written."""
        query = np.fromiter(keys, dtype=np.int64, count=len(keys))
        found: dict[int, list[str]] = {}
        for run_keys, run_owners in self._runs:  # oldest first
            starts, ends = run_keys.searchsorted(query, "left"), run_keys.searchsorted(query, "right")
            for i in np.flatnonzero(ends > starts).tolist():
                found.setdefault(int(query[i]), []).extend(self.ids[owner] for owner in run_owners[starts[i] : ends[i]].tolist())
        return found


def check_threshold(value: float) -> float:
    """The near-duplicate threshold, refused outside what the LSH bands find reliably."""
    if not MIN_THRESHOLD <= value <= 1.0:
        raise ValueError(f"must be between {MIN_THRESHOLD} and 1.0, not {value}")
    return value


class CrawlSeen:
    """Item-level dedup state of one crawl: ids, canonical URLs and texts already kept, as
    64-bit keys (newscrawl.compact: about 8 bytes an entry, where strings took 100 to 250)."""

    def __init__(self) -> None:
        self.ids = KeySet()
        self.urls = KeySet()  # text_key of the canonical URL
        self.first_by_hash = KeyMap(np.uint64)  # text_key of the content hash -> id_key of the first
        self._hashed_ids: dict[int, str] = {}  # the few ids that are not decimal numbers, by key

    def is_repeat(self, article_id: str, url: str) -> bool:
        """The same article again (by id or by canonical URL)."""
        return id_key(article_id) in self.ids or text_key(canonical_url(url)) in self.urls

    def same_text_as(self, content_hash: str, article_id: str) -> Optional[str]:
        """The first article with this text met in this crawl, if it is another one."""
        first = self.first_by_hash.get(text_key(content_hash))
        if first is None or first == id_key(article_id):
            return None
        return str(first) if is_decimal_key(first) else self._hashed_ids[first]

    def keep(self, article_id: str, url: str, content_hash: str, duplicate_of: Optional[str] = None) -> None:
        """Remember a kept item; a copy remembers its original as the first with its text."""
        self.ids.add(id_key(article_id))
        self.urls.add(text_key(canonical_url(url)))
        first = duplicate_of or article_id
        key = id_key(first)
        if not is_decimal_key(key):
            self._hashed_ids[key] = first
        self.first_by_hash.setdefault(text_key(content_hash), key)
