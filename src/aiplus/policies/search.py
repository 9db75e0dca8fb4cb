"""Full-text search over policy documents, in Chinese.

Each document's text is split into paragraphs (its clauses; a document imported without text
contributes its title instead). Paragraphs are tokenised like the matching engine
(`aiplus.matching.text`: normalisation, jieba search mode, stop words) and scored with BM25
(`bm25s`); a document scores as its best paragraph. A hit carries that paragraph and a snippet of
it with the query's terms wrapped in `<mark>` and everything else HTML-escaped, so the snippet is
safe to render as is.

The index is built on first use and kept per process, keyed by the number of documents and the
latest `imported_at`, so an import (which saves changed documents only) rebuilds it.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from django.db.models import Count, Max
from django.utils.html import escape

from aiplus.matching.text import tokenize, tokenize_many

from .models import PolicyDocument

SNIPPET_CHARS = 300  # a longer paragraph is cut around its matches

_lock = threading.Lock()
_cache: dict = {"key": None, "index": None}


def paragraphs(text: str) -> list[str]:
    """The non-empty lines of a document's text, stripped: its paragraphs and headings."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def query_terms(query: str) -> list[str]:
    """The query's index terms (normalised, jieba search mode, no stop words), each once."""
    return list(dict.fromkeys(tokenize(query or "")))


# --- highlighting ----------------------------------------------------------------------------


@lru_cache(maxsize=20000)
def _fold(char: str) -> str:
    """One character in the engine's normal form (NFKC, simplified, lower case)."""
    import zhconv

    folded = unicodedata.normalize("NFKC", char).lower()
    simplified = zhconv.convert(folded, "zh-cn")
    return simplified if len(simplified) == len(folded) else folded


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Merged (start, end) ranges of `text` where a term occurs (compared in normal form)."""
    norm: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        for folded in _fold(char):
            norm.append(folded)
            origin.append(i)
    haystack = "".join(norm)
    found = []
    for term in terms:
        if not term:
            continue
        start = haystack.find(term)
        while start >= 0:
            end = start + len(term)
            found.append((origin[start], origin[end - 1] + 1))
            start = haystack.find(term, start + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _window(text: str, spans: list[tuple[int, int]], size: int) -> tuple[int, int]:
    """A stretch of `size` characters holding as much matched text as possible."""
    best, best_start = -1, 0
    for start, _ in spans or [(0, 0)]:
        lo = max(0, min(start - size // 6, len(text) - size))
        covered = sum(max(0, min(e, lo + size) - max(s, lo)) for s, e in spans)
        if covered > best:
            best, best_start = covered, lo
    return best_start, best_start + size


def highlight(text: str, terms: list[str], max_chars: int | None = None) -> str:
    """`text` HTML-escaped with each occurrence of a term wrapped in `<mark>`; cut to about
    `max_chars` characters around the matches (with "…") when given and the text is longer."""
    spans = _spans(text, terms)
    lo, hi = 0, len(text)
    if max_chars and len(text) > max_chars:
        lo, hi = _window(text, spans, max_chars)
    out = ["…" if lo > 0 else ""]
    pos = lo
    for start, end in spans:
        start, end = max(start, lo), min(end, hi)
        if start >= end:
            continue
        out.append(escape(text[pos:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(escape(text[pos:hi]))
    if hi < len(text):
        out.append("…")
    return "".join(out)


# --- the index -------------------------------------------------------------------------------


@dataclass
class _Index:
    doc_ids: np.ndarray  # document pk of each paragraph
    positions: list[int]  # paragraph number within its document (-1: the title)
    texts: list[str]
    bm25: object | None

    def scores(self, terms: list[str]) -> np.ndarray:
        if self.bm25 is None or not terms:
            return np.zeros(len(self.texts), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(terms), dtype=np.float32)


def _build() -> _Index:
    import bm25s

    doc_ids: list[int] = []
    positions: list[int] = []
    texts: list[str] = []
    for pk, title, text in PolicyDocument.objects.order_by("pk").values_list("pk", "title", "text"):
        parts = paragraphs(text)
        if parts:
            for n, part in enumerate(parts):
                doc_ids.append(pk)
                positions.append(n)
                texts.append(part)
        elif title:
            doc_ids.append(pk)
            positions.append(-1)
            texts.append(title)
    bm25 = None
    if texts:
        bm25 = bm25s.BM25()
        # An empty paragraph gets the empty token so that bm25s keeps its position.
        corpus = [tokens or [""] for tokens in tokenize_many(texts)]
        bm25.index(corpus, show_progress=False)
    return _Index(np.asarray(doc_ids, dtype=np.int64), positions, texts, bm25)


def get_index() -> _Index:
    agg = PolicyDocument.objects.aggregate(n=Count("pk"), latest=Max("imported_at"))
    key = (agg["n"], agg["latest"])
    with _lock:
        if _cache["key"] != key or _cache["index"] is None:
            _cache["index"] = _build()
            _cache["key"] = key
        return _cache["index"]


def clear_cache() -> None:
    with _lock:
        _cache.update(key=None, index=None)


# --- search ----------------------------------------------------------------------------------


@dataclass
class Hit:
    document: PolicyDocument
    score: float
    paragraph: str  # the best-matching paragraph, plain text
    position: int  # its number among the document's paragraphs (-1: the title matched)
    snippet: str  # the paragraph, escaped, terms in <mark> (safe HTML)


def search(
    query: str,
    *,
    region: str | None = None,
    policy_type: str | None = None,
    terms: list[str] | None = None,
) -> list[Hit]:
    """Documents matching `query`, best first (score: BM25 of the best paragraph). An empty
    query, or one of stop words only, finds nothing."""
    terms = query_terms(query) if terms is None else terms
    if not terms:
        return []
    index = get_index()
    scores = index.scores(terms)
    if region or policy_type:
        qs = PolicyDocument.objects.all()
        if region:
            qs = qs.filter(region=region)
        if policy_type:
            qs = qs.filter(policy_type=policy_type)
        allowed = np.asarray(list(qs.values_list("pk", flat=True)), dtype=np.int64)
        scores = np.where(np.isin(index.doc_ids, allowed), scores, 0.0)
    best: dict[int, int] = {}  # document pk → paragraph row
    for row in np.flatnonzero(scores > 0):
        pk = int(index.doc_ids[row])
        if pk not in best or scores[row] > scores[best[pk]]:
            best[pk] = int(row)
    documents = PolicyDocument.objects.defer("text").in_bulk(list(best))
    hits = [
        Hit(
            document=documents[pk],
            score=round(float(scores[row]), 4),
            paragraph=index.texts[row],
            position=index.positions[row],
            snippet=highlight(index.texts[row], terms, SNIPPET_CHARS),
        )
        for pk, row in best.items()
        if pk in documents
    ]
    hits.sort(key=lambda h: (-h.score, h.document.code))
    return hits


def clean_query(value: str | None) -> str:
    """A query or filter value as typed, without NUL bytes or surrounding space."""
    return (value or "").replace("\x00", "").strip()


def browse(*, region: str | None = None, policy_type: str | None = None, columns=()):
    """Documents without a query, newest first (undated last), optionally filtered."""
    from django.db.models import F

    qs = PolicyDocument.objects.order_by(F("published").desc(nulls_last=True), "code")
    if columns:
        qs = qs.only(*columns)
    if region:
        qs = qs.filter(region=region)
    if policy_type:
        qs = qs.filter(policy_type=policy_type)
    return qs


def measures_of(document: PolicyDocument):
    """The measures applying a document (linked, or naming its code before it was imported)."""
    from django.db.models import Q

    from .models import Measure

    return Measure.objects.filter(Q(document=document) | Q(document_code=document.code)).order_by(
        "position", "rule_id"
    )
