"""Compact per-crawl state: sets and maps of 64-bit keys at about 8 bytes an entry.

A crawl remembers every article id, canonical URL, text and request it met (newscrawl.dedup,
the spider's depth bookkeeping, the dupefilter). Python sets and dicts of strings cost 100 to
250 bytes an entry, which made a crawl's memory grow with the site; here each entry is a
64-bit key in a sorted numpy array (8 bytes, plus 1 to 8 for a value), with the newest
additions in a small Python set or dict that is merged into the array now and then.

Keys: `id_key` is an article id itself when it is a decimal number (the site's ids are), so
those never collide; anything else goes through `text_key`, 64 bits of BLAKE2b (the
dupefilter keeps the first 64 bits of each request's SHA-1 fingerprint). Two different
strings share a key with probability about n²/2**65 over n of them (2e-11 at 25,000
articles, 3e-8 at a million), and then one page is taken for another: a risk accepted here.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Optional

import numpy as np
import numpy.typing as npt

# keys of non-numeric ids carry the top bit; decimal ids below 10**18 never do
_HASHED = 1 << 63
_MAX_DECIMAL_DIGITS = 18


def text_key(text: str) -> int:
    """64 bits of BLAKE2b of any string, as an unsigned int."""
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def id_key(article_id: str) -> int:
    """An article id as a 64-bit key: the number itself for a plain decimal id (no leading
    zero, so that two spellings of one number cannot meet), else its text_key, top bit set."""
    if (
        article_id.isascii() and article_id.isdigit() and len(article_id) <= _MAX_DECIMAL_DIGITS
        and (article_id[0] != "0" or article_id == "0")
    ):
        return int(article_id)
    return text_key(article_id) | _HASHED


def is_decimal_key(key: int) -> bool:
    """Whether `str(key)` gives back the id that id_key made this key of."""
    return not key & _HASHED


class _SortedKeys:
    """The sorted array of merged keys, and where a key is in it."""

    MIN_RECENT = 1024

    def __init__(self) -> None:
        self._keys: npt.NDArray[np.uint64] = np.empty(0, dtype=np.uint64)

    def _index(self, key: int) -> Optional[int]:
        """Where key is in the sorted array, or None."""
        keys = self._keys
        i = int(keys.searchsorted(np.uint64(key)))
        return i if i < len(keys) and int(keys[i]) == key else None

    def _merge_at(self) -> int:
        """The newest additions go into the array once they are 1/32 of it: few merges,
        and a Python set or dict that stays small."""
        return max(self.MIN_RECENT, len(self._keys) >> 5)


class KeySet(_SortedKeys):
    """A set of unsigned 64-bit ints: a sorted numpy array plus a Python set of the latest
    additions."""

    def __init__(self, keys: Iterable[int] = ()) -> None:
        super().__init__()
        self._keys = np.unique(np.fromiter(keys, dtype=np.uint64))
        self._recent: set[int] = set()

    def __len__(self) -> int:
        return len(self._keys) + len(self._recent)

    def __contains__(self, key: int) -> bool:
        return key in self._recent or self._index(key) is not None

    def add(self, key: int) -> bool:
        """Add key; True when it was not there yet."""
        if key in self:
            return False
        self._recent.add(key)
        if len(self._recent) >= self._merge_at():
            self._merge()
        return True

    def discard(self, key: int) -> None:
        if key in self._recent:
            self._recent.discard(key)
            return
        i = self._index(key)
        if i is not None:  # rare (the backfill's passed-over articles): a copy of the array
            self._keys = np.delete(self._keys, i)

    def _merge(self) -> None:
        recent = np.fromiter(self._recent, dtype=np.uint64, count=len(self._recent))
        self._keys = np.union1d(self._keys, recent)  # disjoint from the array: add checked
        self._recent = set()


class KeyMap(_SortedKeys):
    """A map from unsigned 64-bit ints to unsigned ints of `dtype` (np.uint8 for READ MORE
    depths, np.uint64 for other keys), laid out like KeySet: the sorted key array with its
    values, plus a Python dict of the latest additions. Values in the array change in place."""

    def __init__(self, dtype: type[np.unsignedinteger] = np.uint64) -> None:
        super().__init__()
        self._dtype = dtype
        self._values: npt.NDArray[np.unsignedinteger] = np.empty(0, dtype=dtype)
        self._recent: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._keys) + len(self._recent)

    def __contains__(self, key: int) -> bool:
        return key in self._recent or self._index(key) is not None

    def get(self, key: int, default: Optional[int] = None) -> Optional[int]:
        value = self._recent.get(key)
        if value is not None:
            return value
        i = self._index(key)
        return default if i is None else int(self._values[i])

    def __setitem__(self, key: int, value: int) -> None:
        if key not in self._recent:
            i = self._index(key)
            if i is not None:
                self._values[i] = value
                return
        self._recent[key] = value
        if len(self._recent) >= self._merge_at():
            self._merge()

    def setdefault(self, key: int, value: int) -> int:
        found = self.get(key)
        if found is not None:
            return found
        self[key] = value
        return value

    def _merge(self) -> None:
        count = len(self._recent)
        keys = np.concatenate([self._keys, np.fromiter(self._recent.keys(), dtype=np.uint64, count=count)])
        values = np.concatenate([self._values, np.fromiter(self._recent.values(), dtype=self._dtype, count=count)])
        order = np.argsort(keys, kind="stable")
        self._keys, self._values = keys[order], values[order]
        self._recent = {}
