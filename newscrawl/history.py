"""What each article said over time: its versions, word diffs between them, and the edit log
(`scrapy diff`, `scrapy changes`). Read-only, on SQLite and PostgreSQL alike.

An article's versions are its `article_revisions`, in the order they were stored, numbered
from 1; when the article's current text is not its newest revision's (an edit undone: the
archive stores no revision twice, the row went back to an earlier text), the current text is
one more version, of origin "returned". Each version says where its text came from
(`origin`), and whether a later text showed it to be a damaged copy of the page (`damaged`:
mojibake, a body cut short). Only the site's own texts count as edits: a damaged copy is
left out, so the repair of one is no edit by the site. A later kind of revision (a stored
page extracted again by a newer parser) gets an origin of its own in `_origin`, and
SITE_ORIGINS says whether it stands for a text the site showed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping, Optional, Sequence

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from newscrawl.db import ARTICLES, REVISIONS
from newscrawl.items import ARTICLE_FIELDS

ORIGIN_CRAWL = "crawl"  # stored from a crawl of the page
ORIGIN_RETURNED = "returned"  # the article came back to an earlier version's text
SITE_ORIGINS = frozenset({ORIGIN_CRAWL, ORIGIN_RETURNED})

TEXT_FIELDS = ("title", "lead", "body")
# the item's fields compared besides the text: what the site says of the article (archive
# bookkeeping, the text's hash and word count, and the fetch itself left out)
META_FIELDS = tuple(
    name for name in ARTICLE_FIELDS
    if name not in (*TEXT_FIELDS, "article_id", "content_hash", "word_count", "fetched_url", "fetched_at", "duplicate_of")
)
CHANGE_ORDERS = ("largest", "newest", "oldest")

PARAGRAPH = "\n\n"  # a paragraph break, as the item's body has it
# a diff's tokens: each word with the space before it (a space holding a line break: the word
# starts a paragraph), so that joined they are the text again, and a sentence added at the end
# of a paragraph is words inserted, the paragraph break left where it was
_TOKEN = re.compile(r"\s*\S+|\s+")
# article ids per IN list
_CHUNK = 500


@dataclass(frozen=True)
class Version:
    number: int  # 1 for the first text the archive stored of the article
    origin: str  # ORIGIN_CRAWL, ORIGIN_RETURNED (see SITE_ORIGINS)
    seen_at: str  # when the archive first stored this text
    content_hash: str
    title: str
    lead: Optional[str]
    body: str
    # the item's other fields as stored with this version; None for a revision stored before
    # newscrawl kept them (migration 0002), of which only modified_at is known
    fields: Optional[dict[str, Any]]
    modified_at: Optional[str]
    revision_id: Optional[int] = None  # its article_revisions row (none for a returned text)
    crawl_id: Optional[int] = None
    damaged: Optional[str] = None  # why a later text showed this one to be a damaged copy of the page
    same_as: Optional[int] = None  # a returned text: the version whose text it is

    @property
    def is_site_text(self) -> bool:
        """A text the site showed (not a damaged copy of the page, nor a text of another origin)."""
        return self.damaged is None and self.origin in SITE_ORIGINS

    def field(self, name: str) -> Any:
        if name in TEXT_FIELDS:
            return getattr(self, name)
        if name == "modified_at":
            return self.modified_at
        return None if self.fields is None else self.fields.get(name)

    def summary(self) -> dict[str, Any]:
        """What a JSON line says of this version."""
        return {"number": self.number, "origin": self.origin, "seen_at": self.seen_at, "crawl_id": self.crawl_id,
                "revision_id": self.revision_id, "damaged": self.damaged, "same_as": self.same_as}


@dataclass
class History:
    article: dict[str, Any]  # the article as it is now (the feed's fields)
    first_seen_at: str
    changed_at: str
    versions: list[Version]

    @property
    def site_versions(self) -> list[Version]:
        """The site's own texts, in order, a text met again right after itself counted once."""
        kept: list[Version] = []
        for version in self.versions:
            if version.is_site_text and not (kept and kept[-1].content_hash == version.content_hash):
                kept.append(version)
        return kept

    def edits(self) -> list[tuple[Version, Version]]:
        """(before, after) of each edit by the site, oldest first."""
        site = self.site_versions
        return list(zip(site, site[1:]))

    def version(self, number: int) -> Optional[Version]:
        return self.versions[number - 1] if 1 <= number <= len(self.versions) else None


# -- reading ------------------------------------------------------------------------------
_REVISION_COLUMNS = [REVISIONS.c[name] for name in (
    "id", "article_id", "content_hash", "title", "lead", "body", "modified_at", "seen_at", "crawl_id", "damaged", "other_fields",
)]
_BOOKKEEPING = [ARTICLES.c.first_seen_at, ARTICLES.c.changed_at]
_ARTICLE_COLUMNS = [*(ARTICLES.c[name] for name in ARTICLE_FIELDS), *_BOOKKEEPING]
# what the edit log says of an article: its JSON columns are not decoded for it
SUMMARY_FIELDS = ("article_id", "url", "title", "section", "published_at", "modified_at", "content_hash")
_SUMMARY_COLUMNS = [*(ARTICLES.c[name] for name in SUMMARY_FIELDS), *_BOOKKEEPING]


def _origin(_revision: Mapping[str, Any]) -> str:
    """Where a stored revision's text came from: so far every revision is a crawl's."""
    return ORIGIN_CRAWL


def _history(article: Mapping[str, Any], revisions: Sequence[Mapping[str, Any]]) -> History:
    versions = []
    for number, row in enumerate(revisions, start=1):
        versions.append(Version(
            number=number, origin=_origin(row), seen_at=row["seen_at"], content_hash=row["content_hash"], title=row["title"],
            lead=row["lead"], body=row["body"], fields=row["other_fields"], modified_at=row["modified_at"],
            revision_id=row["id"], crawl_id=row["crawl_id"], damaged=row["damaged"],
        ))
    current = {name: article[name] for name in ARTICLE_FIELDS if name in article}
    if not versions or versions[-1].content_hash != current["content_hash"]:
        earlier = next((v.number for v in versions if v.content_hash == current["content_hash"]), None)
        versions.append(Version(
            number=len(versions) + 1, origin=ORIGIN_RETURNED if earlier else ORIGIN_CRAWL, seen_at=article["changed_at"],
            content_hash=current["content_hash"], title=current["title"], lead=current["lead"], body=current["body"],
            fields={k: v for k, v in current.items() if k not in (*TEXT_FIELDS, "article_id", "content_hash", "modified_at")},
            modified_at=current["modified_at"], same_as=earlier,
        ))
    return History(current, article["first_seen_at"], article["changed_at"], versions)


def read_history(conn: Connection, article_id: str) -> Optional[History]:
    """Every version of one article, or None when the archive does not hold it."""
    return next(iter(read_histories(conn, [article_id])), None)


def read_histories(conn: Connection, article_ids: Iterable[str], whole: bool = True) -> Iterator[History]:
    """The histories of these articles (those the archive holds), a bounded number at a time.
    `whole`: each History.article has every field of the feed; else the SUMMARY_FIELDS (and
    every field for an article whose current text is no newest revision's: it is a version)."""
    ids = list(article_ids)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        revisions: dict[str, list[Mapping[str, Any]]] = {}
        query = select(*_REVISION_COLUMNS).where(REVISIONS.c.article_id.in_(chunk)).order_by(REVISIONS.c.article_id, REVISIONS.c.id)
        for row in conn.execute(query):
            revisions.setdefault(row.article_id, []).append(row._mapping)
        articles = _articles(conn, chunk, _ARTICLE_COLUMNS if whole else _SUMMARY_COLUMNS)
        if not whole:
            returned = [i for i, a in articles.items() if not revisions.get(i) or revisions[i][-1]["content_hash"] != a["content_hash"]]
            articles.update(_articles(conn, returned, _ARTICLE_COLUMNS))
        for article_id in chunk:
            if article_id in articles:
                yield _history(articles[article_id], revisions.get(article_id, []))


def _articles(conn: Connection, article_ids: list[str], columns: list[Any]) -> dict[str, Mapping[str, Any]]:
    if not article_ids:
        return {}
    return {row.article_id: row._mapping for row in conn.execute(select(*columns).where(ARTICLES.c.article_id.in_(article_ids)))}


# -- word diffs ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Piece:
    op: str  # "equal", "insert" or "delete"
    text: str  # as it stands in the text: the equal and deleted pieces' texts, joined, give the
    # old text; the equal and inserted ones the new (each word with the space before it)

    @property
    def words(self) -> int:
        return len(self.text.split())

    @property
    def tokens(self) -> list[str]:
        return tokens_of(self.text)


def tokens_of(text: Optional[str]) -> list[str]:
    """A text's words, each with the space before it: joined, the text again."""
    return _TOKEN.findall(text or "")


def starts_paragraph(token: str) -> bool:
    """Whether this token's word starts a paragraph (not the text's first)."""
    return "\n" in token[: len(token) - len(token.lstrip())]


def _common_start(a: str, b: str) -> int:
    """The length of the longest start of a and b made of whole tokens of both."""
    low, high = 0, min(len(a), len(b))
    while low < high:  # the longest common start, by halves: slices compare at C speed
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1

    def ends_token(text: str, at: int) -> bool:
        return at == len(text) or text[at].isspace()

    while low > 0 and not (not a[low - 1].isspace() and ends_token(a, low) and ends_token(b, low)):
        low -= 1
    return low


def _common_end(a: str, b: str, start: int) -> int:
    """The length of the longest end of a and b, after `start`, made of whole tokens of both."""
    low, high = 0, min(len(a), len(b)) - start
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle :] == b[len(b) - middle :]:
            low = middle
        else:
            high = middle - 1

    def starts_token(text: str, at: int) -> bool:  # a token is the space before a word, and the word
        return at == len(text) or (text[at].isspace() and (at == 0 or not text[at - 1].isspace()))

    while low > 0 and not (starts_token(a, len(a) - low) and starts_token(b, len(b) - low)):
        low -= 1
    return low


def word_diff(old: Optional[str], new: Optional[str]) -> list[Piece]:
    """The changes from old to new, word by word (each word with the space before it, so that
    the pieces give both texts back exactly, paragraph breaks included). The common start and
    end are set aside first: an edit is mostly a sentence, so the costly matching runs on a few
    words, not the whole body."""
    a, b = old or "", new or ""
    start = _common_start(a, b)
    end = _common_end(a, b, start)
    pieces: list[Piece] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if pieces and pieces[-1].op == op:
            pieces[-1] = Piece(op, pieces[-1].text + text)
        else:
            pieces.append(Piece(op, text))

    add("equal", a[:start])
    middle_a, middle_b = tokens_of(a[start : len(a) - end]), tokens_of(b[start : len(b) - end])
    middle: list[tuple[str, Sequence[str], Sequence[str]]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, middle_a, middle_b, autojunk=False).get_opcodes():
        middle.append((tag, middle_a[i1:i2], middle_b[j1:j2]))
    for tag, went, came in _without_chance_matches(middle):
        if tag == "equal":
            add("equal", "".join(went))
        else:  # replace: what went, then what came
            add("delete", "".join(went))
            add("insert", "".join(came))
    add("equal", a[len(a) - end :])
    return pieces


# An unchanged run between two changes, no longer than either of them, is taken as changed
# (diff-match-patch's semantic clean-up, by words): a chance match ("a", "of the") does not
# cut a sentence replaced into pieces, which then reads as one sentence out and one in.
def _without_chance_matches(
    opcodes: list[tuple[str, Sequence[str], Sequence[str]]],
) -> list[tuple[str, Sequence[str], Sequence[str]]]:
    def size(opcode: tuple[str, Sequence[str], Sequence[str]]) -> int:
        return max(len(opcode[1]), len(opcode[2]))

    merged: list[tuple[str, Sequence[str], Sequence[str]]] = []
    for position, (tag, went, came) in enumerate(opcodes):
        chance = (
            tag == "equal" and 0 < position < len(opcodes) - 1 and not any(map(starts_paragraph, went))
            and len(went) <= size(merged[-1]) and len(went) <= size(opcodes[position + 1])
        )
        if chance or tag != "equal":
            if merged and merged[-1][0] == "replace":
                merged[-1] = ("replace", [*merged[-1][1], *went], [*merged[-1][2], *came])
            else:
                merged.append(("replace", list(went), list(came)))
        else:
            merged.append((tag, went, came))
    return merged


def words_changed(pieces: Iterable[Piece]) -> tuple[int, int]:
    """(words added, words removed)."""
    added = removed = 0
    for piece in pieces:
        if piece.op == "insert":
            added += piece.words
        elif piece.op == "delete":
            removed += piece.words
    return added, removed


# -- one edit -----------------------------------------------------------------------------
@dataclass
class VersionDiff:
    before: Version
    after: Version
    text: dict[str, list[Piece]]  # title, lead, body: those that changed
    fields: dict[str, dict[str, Any]]  # metadata that changed: {"from", "to"} (+ "added", "removed" for lists)
    unknown_fields: bool  # a version's metadata was not recorded: only its text and modified_at compared
    words_added: int = 0
    words_removed: int = 0

    def as_json(self, article_id: str) -> dict[str, Any]:
        return {
            "article_id": article_id, "from": self.before.summary(), "to": self.after.summary(),
            "words_added": self.words_added, "words_removed": self.words_removed,
            "text": {name: [{"op": p.op, "text": p.text} for p in pieces] for name, pieces in self.text.items()},
            "fields": self.fields, "fields_recorded": not self.unknown_fields,
        }


def diff_versions(before: Version, after: Version) -> VersionDiff:
    text = {}
    added = removed = 0
    for name in TEXT_FIELDS:
        if (before.field(name) or "") != (after.field(name) or ""):
            pieces = word_diff(before.field(name), after.field(name))
            text[name] = pieces
            plus, minus = words_changed(pieces)
            added, removed = added + plus, removed + minus
    unknown = before.fields is None or after.fields is None
    fields = {}
    for name in META_FIELDS:
        if unknown and name != "modified_at":
            continue
        old, new = before.field(name), after.field(name)
        if old != new:
            fields[name] = _field_change(old, new)
    return VersionDiff(before, after, text, fields, unknown, added, removed)


def _field_change(old: Any, new: Any) -> dict[str, Any]:
    change: dict[str, Any] = {"from": old, "to": new}
    if isinstance(old, list) and isinstance(new, list):
        key = (lambda item: item.get("url") if isinstance(item, dict) else item)  # READ MORE links by URL
        old_keys, new_keys = [key(i) for i in old], [key(i) for i in new]
        change["added"] = [i for i, k in zip(new, new_keys) if k not in old_keys]
        change["removed"] = [i for i, k in zip(old, old_keys) if k not in new_keys]
    return change


# -- the edit log -------------------------------------------------------------------------
@dataclass(frozen=True)
class ChangeFilter:
    """Edits stored between since and until (ISO times, both included), of articles of this
    section; `order`: largest (words added and removed), newest, oldest."""

    since: Optional[str] = None
    until: Optional[str] = None
    section: Optional[str] = None
    order: str = "largest"


@dataclass
class ArticleChanges:
    article: dict[str, Any]
    first_seen_at: str
    edits: list[VersionDiff]  # those in the window, oldest first
    revisions: int  # versions of the site's text (damaged copies left out)
    damaged_copies: int
    words_added: int = 0
    words_removed: int = 0
    fields_changed: list[str] = field(default_factory=list)

    @property
    def changed_at(self) -> str:
        return self.edits[-1].after.seen_at

    def as_json(self) -> dict[str, Any]:
        a = self.article
        return {
            "article_id": a["article_id"], "url": a["url"], "title": a["title"], "section": a["section"],
            "published_at": a["published_at"], "modified_at": a["modified_at"], "first_seen_at": self.first_seen_at,
            "changed_at": self.changed_at, "revisions": self.revisions, "edits": len(self.edits),
            "edited_at": [edit.after.seen_at for edit in self.edits], "words_added": self.words_added,
            "words_removed": self.words_removed, "fields_changed": self.fields_changed, "damaged_copies": self.damaged_copies,
        }


def edit_log(conn: Connection, selection: ChangeFilter = ChangeFilter()) -> list[ArticleChanges]:
    """The articles the site edited after the archive first stored them (edits stored in the
    window), largest change first (or newest, oldest)."""
    # any change leaves two revisions at least (an edit undone too: it went back to an earlier one)
    changed = select(REVISIONS.c.article_id).group_by(REVISIONS.c.article_id).having(func.count() > 1)
    candidates = select(ARTICLES.c.article_id).where(ARTICLES.c.article_id.in_(changed))
    if selection.since:  # changed_at is the newest change: an article changed before `since` has no edit after it
        candidates = candidates.where(ARTICLES.c.changed_at >= selection.since)
    if selection.section:
        candidates = candidates.where(func.lower(ARTICLES.c.section) == selection.section.lower())  # in any case
    found = []
    for history in read_histories(conn, conn.execute(candidates).scalars().all(), whole=False):
        edits = [diff_versions(before, after) for before, after in history.edits()
                 if (not selection.since or after.seen_at >= selection.since) and (not selection.until or after.seen_at <= selection.until)]
        if not edits:
            continue
        changes = ArticleChanges(
            history.article, history.first_seen_at, edits, len(history.site_versions),
            sum(1 for v in history.versions if v.damaged), sum(e.words_added for e in edits), sum(e.words_removed for e in edits),
        )
        changes.fields_changed = sorted({name for edit in edits for name in (*edit.text, *edit.fields)})
        found.append(changes)
    found.sort(key=lambda c: c.article["article_id"])
    found.sort(key=lambda c: c.changed_at, reverse=selection.order != "oldest")  # stable: ties stay by id
    if selection.order == "largest":  # ties: the newest first
        found.sort(key=lambda c: c.words_added + c.words_removed, reverse=True)
    return found
