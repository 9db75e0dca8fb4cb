"""Faceted search of the catalogue with Chinese full text.

Full text: each entry's title (twice, so a title match ranks first), summary, description,
card, tags, task, base model and owner name are tokenised like the matching engine
(`aiplus.matching.text`: normalisation, jieba search mode, stop words) and scored with BM25
(`bm25s`). The index is built on first use and kept per process, keyed by the number of entries
and the latest `updated_at`, so any save rebuilds it.

Facets (kind, sector, task, licence, access, language) count the entries the user may see that
match the query and every *other* facet's selection, so choosing a value in one facet never
hides the alternatives of that same facet.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Case, Count, F, Max, QuerySet, Value, When

from aiplus.core.models import Sector
from aiplus.matching.text import tokenize, tokenize_many

from . import permissions
from .choices import Access, Kind, Language, Licence, Task
from .models import Entry

FACETS = ("kind", "sector", "task", "licence", "access", "language")
_lock = threading.Lock()
_cache: dict = {"key": None, "index": None}


@dataclass
class _Index:
    ids: np.ndarray
    bm25: object | None

    def scores(self, terms: list[str]) -> dict[int, float]:
        if self.bm25 is None or not terms:
            return {}
        raw = np.asarray(self.bm25.get_scores(terms), dtype=np.float32)
        return {int(self.ids[i]): float(raw[i]) for i in np.flatnonzero(raw > 0)}


def _text(entry: Entry, tags: list[str]) -> str:
    parts = [
        entry.title,
        entry.title,
        entry.summary,
        entry.description,
        entry.intended_use,
        entry.data_sources,
        entry.evaluation,
        entry.base_model,
        entry.get_task_display(),
        entry.owner.name,
        " ".join(tags),
    ]
    return "\n".join(p for p in parts if p)


def _build() -> _Index:
    import bm25s

    entries = list(Entry.objects.select_related("owner").prefetch_related("tags").order_by("pk"))
    texts = [_text(e, [t.name for t in e.tags.all()]) for e in entries]
    bm25 = None
    if texts:
        bm25 = bm25s.BM25()
        bm25.index([tokens or [""] for tokens in tokenize_many(texts)], show_progress=False)
    return _Index(np.asarray([e.pk for e in entries], dtype=np.int64), bm25)


def get_index() -> _Index:
    agg = Entry.objects.aggregate(n=Count("pk"), latest=Max("updated_at"))
    key = (agg["n"], agg["latest"])
    with _lock:
        if _cache["key"] != key or _cache["index"] is None:
            _cache["index"] = _build()
            _cache["key"] = key
        return _cache["index"]


def clear_cache() -> None:
    with _lock:
        _cache.update(key=None, index=None)


@dataclass
class Query:
    """What the user asked: free text and at most one value per facet ("" = any)."""

    q: str = ""
    kind: str = ""
    sector: str = ""  # sector code
    task: str = ""
    licence: str = ""
    access: str = ""
    language: str = ""
    sort: str = ""  # "" (relevance when q, else newest) | "title" | "quality"

    def selected(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in FACETS if getattr(self, f)}


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Result:
    entries: QuerySet[Entry] | list[Entry]
    count: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    scores: dict[int, float] = field(default_factory=dict)


def _apply(qs: QuerySet[Entry], name: str, value: str) -> QuerySet[Entry]:
    if name == "sector":
        return qs.filter(sector__code=value)
    if name == "language":
        # JSON list membership, portable across SQLite and PostgreSQL.
        return qs.filter(languages__icontains=f'"{value}"')
    return qs.filter(**{name: value})


def _labels(name: str) -> dict[str, str]:
    if name == "sector":
        return dict(Sector.objects.values_list("code", "name"))
    choices = {
        "kind": Kind,
        "task": Task,
        "licence": Licence,
        "access": Access,
        "language": Language,
    }[name]
    return {value: str(label) for value, label in choices.choices}


def _facet_counts(qs: QuerySet[Entry], name: str) -> Counter:
    if name == "language":
        counts: Counter = Counter()
        for langs in qs.values_list("languages", flat=True):
            counts.update(set(langs or []))
        return counts
    column = "sector__code" if name == "sector" else name
    return Counter(
        {
            row[column]: row["n"]
            for row in qs.values(column).annotate(n=Count("pk")).order_by()
            if row[column]
        }
    )


def search(user, query: Query) -> Result:
    """The entries `user` may see matching `query`, ranked, with facet counts."""
    base = permissions.entries_visible_to(user)
    scores: dict[int, float] = {}
    terms = list(dict.fromkeys(tokenize(query.q or ""))) if query.q.strip() else []
    if query.q.strip():
        scores = get_index().scores(terms)
        base = base.filter(pk__in=list(scores))
    selected = query.selected()
    facets = {}
    for name in FACETS:
        qs = base
        for other, value in selected.items():
            if other != name:
                qs = _apply(qs, other, value)
        counts = _facet_counts(qs, name)
        labels = _labels(name)
        facets[name] = [
            FacetValue(value, labels.get(value, value), counts[value], selected.get(name) == value)
            for value in labels
            if counts[value] or selected.get(name) == value
        ]
    qs = base
    for name, value in selected.items():
        qs = _apply(qs, name, value)
    qs = qs.select_related("owner", "sector")
    if query.sort == "title":
        entries: QuerySet[Entry] | list[Entry] = qs.order_by("title", "pk")
    elif query.sort == "quality":
        # Best grade first; entries not yet assessed ("") last.
        rank = Case(When(quality_grade="", then=Value("Z")), default=F("quality_grade"))
        entries = qs.order_by(rank, "-updated_at", "-pk")
    elif scores:
        entries = sorted(qs, key=lambda e: (-scores.get(e.pk, 0.0), -e.pk))
    else:
        entries = qs.order_by("-published_at", "-updated_at", "-pk")
    count = len(entries) if isinstance(entries, list) else entries.count()
    return Result(entries, count, facets, scores)
