"""The Django side of matchmaking: demands and solutions as documents for the pure engine in
`aiplus.matching`, one engine per process loaded from `settings.MATCHING_INDEX_DIR`, kept
fresh by background tasks, and the ranked, explained results the pages and the API show.

The index on disk is the shared state. A task that changes it writes the whole engine to a
new directory `versions/<version>/` and then names it in the `version` file (replaced
atomically), so a process reading the index never sees half of a save; every process reloads
its engine when that file changes (one read per use, at most one reload every
`MATCHING_RELOAD_SECONDS`). Old version directories are removed once no process can still be
starting to read them (`PRUNE_SECONDS`); a process already holding one keeps its mapped arrays.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import random
import shutil
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Collection
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from django.conf import settings
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from aiplus.accounts.choices import OrgStatus
from aiplus.accounts.models import Organisation
from aiplus.core.models import Area, Sector, Tag
from aiplus.core.warmup import freeze_long_lived
from aiplus.matching import (
    Document,
    Match,
    MatchEngine,
    SimilarItem,
    TagSuggester,
    load_encoder,
    tokenize,
)

from .choices import PUBLIC_STATUSES, DemandStatus, ProposalStatus
from .models import CaseStudy, Demand, Embedding, Solution

log = logging.getLogger(__name__)
DEMANDS, SOLUTIONS = "demands", "solutions"
T = TypeVar("T")
_lock = threading.Lock()
_cache: dict[str, Any] = {"engine": None, "version": None, "tags": None}
# The index writer's own engine (refresh), kept between writes under the write lock; never
# handed to readers, who load each version from disk, since the writer changes it in place.
_writer: dict[str, Any] = {"engine": None, "version": None}
# Default of settings.MATCHING_RELOAD_SECONDS (see get_engine).
RELOAD_SECONDS = 30.0
# A version directory superseded this long ago is removed (a reader takes well under a second).
PRUNE_SECONDS = 300.0
TAGS_FILE = "tags.json"  # the fitted tag suggester, in each version's directory
TAGS_REFIT_SECONDS = 600.0


# --- documents -------------------------------------------------------------------------------


def _money(value) -> float | None:
    return None if value is None else float(value)


def demand_document(demand: Demand) -> dict[str, Any]:
    """A demand as the engine's plain dict (text, sector, area, tags, budget)."""
    text = "\n".join(
        x
        for x in [
            demand.pain_point,
            demand.goals,
            demand.kpis,
            demand.data_available,
            demand.acceptance_criteria,
        ]
        if x
    )
    return {
        "id": str(demand.pk),
        "title": demand.title,
        "text": text,
        "sector": demand.sector.code,
        "area": demand.area.code,
        "tags": [t.name for t in demand.tags.all()],
        "budget_min": _money(demand.budget_min),
        "budget_max": None if demand.budget_confidential else _money(demand.budget_max),
        "status": demand.status,
        "public": demand.is_public,
    }


def solution_document(
    solution: Solution, *, selected: int = 0, deployed: int = 0, filings: int = 0
) -> dict[str, Any]:
    """A solution with its supplier's evidence: cases by sector, certifications, and the
    counts of filings and of proposals selected / deployed (see `_supplier_outcomes`)."""
    supplier = solution.supplier
    cases = list(solution.cases.all())
    text = "\n".join(
        [solution.summary, solution.description, *(f"{c.customer}：{c.outcome}" for c in cases)]
    )
    return {
        "id": str(solution.pk),
        "title": solution.title,
        "text": text,
        "sectors": [s.code for s in solution.sectors.all()],
        "tags": [t.name for t in solution.tags.all()],
        "price_from": _money(solution.price_from),
        "supplier_id": supplier.pk,
        "supplier": {
            "id": supplier.pk,
            "name": supplier.name,
            "area": supplier.area.code if supplier.area_id else None,
            "case_sectors": [c.customer_sector.code for c in cases if c.customer_sector_id],
            "filings": filings,
            "certifications": [c.name for c in supplier.certifications.all()],
            "selected_count": selected,
            "deployed_count": deployed,
        },
    }


def indexable_demands():
    """Demands the engine holds: everything past draft (results are filtered per user)."""
    return (
        Demand.objects.exclude(status=DemandStatus.DRAFT)
        .select_related("sector", "area")
        .prefetch_related("tags")
    )


def indexable_solutions():
    """Published solutions of approved suppliers, with the evidence the features use."""
    cases = Prefetch("cases", queryset=CaseStudy.objects.select_related("customer_sector"))
    return (
        Solution.objects.filter(is_published=True, supplier__status=OrgStatus.APPROVED)
        .select_related("supplier", "supplier__area")
        .prefetch_related("sectors", "tags", cases, "supplier__certifications")
    )


def _supplier_outcomes(supplier_ids: set[int]) -> dict[int, tuple[int, int, int]]:
    """Per supplier: proposals selected, those whose demand was deployed or promoted, and
    filings (distinct counts: the two joins would otherwise multiply each other)."""
    deployed = [DemandStatus.DEPLOYED, DemandStatus.PROMOTED]
    selected = Q(proposals__status=ProposalStatus.SELECTED)
    rows = (
        Organisation.objects.filter(pk__in=supplier_ids)
        .annotate(
            sel=Count("proposals", filter=selected, distinct=True),
            dep=Count(
                "proposals",
                filter=selected & Q(proposals__demand__status__in=deployed),
                distinct=True,
            ),
            fil=Count("filings", distinct=True),
        )
        .values_list("pk", "sel", "dep", "fil")
    )
    return {pk: (sel, dep, fil) for pk, sel, dep, fil in rows}


def _solution_documents(queryset) -> list[dict[str, Any]]:
    solutions = list(queryset)
    outcomes = _supplier_outcomes({s.supplier_id for s in solutions})
    docs = []
    for solution in solutions:
        sel, dep, fil = outcomes.get(solution.supplier_id, (0, 0, 0))
        docs.append(solution_document(solution, selected=sel, deployed=dep, filings=fil))
    return docs


# --- the engine ------------------------------------------------------------------------------


def _dir() -> Path:
    return Path(settings.MATCHING_INDEX_DIR)


@contextmanager
def _write_lock():
    """One writer at a time across processes (tasks, commands)."""
    _dir().mkdir(parents=True, exist_ok=True)
    with open(_dir() / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _version() -> str | None:
    try:
        return (_dir() / "version").read_text()
    except FileNotFoundError:
        return None


def _encoder():
    """This process's encoder for `settings.MATCHING_ENCODER` (None: BM25 only), loaded once."""
    spec = settings.MATCHING_ENCODER
    if _cache.get("encoder_spec") != spec:
        encoder, reason = load_encoder(spec)
        _cache.update(encoder=encoder, encoder_reason=reason, encoder_spec=spec)
    return _cache["encoder"]


def _new_engine() -> MatchEngine:
    specialisations = {a.code: a.specialisations for a in Area.objects.all()}
    engine = MatchEngine(
        _encoder(),
        area_specialisations=specialisations,
        fusion_method=settings.MATCHING_FUSION,
        alpha=settings.MATCHING_ALPHA,
    )
    if engine.encoder is None:
        engine.reason = _cache.get("encoder_reason") or engine.reason
    return engine


def _own_dir(version: str | None) -> Path | None:
    """The directory of its own a version was saved in, if there is one."""
    path = _dir() / "versions" / (version or "")
    return path if version and path.is_dir() else None


def _version_dir(version: str | None) -> Path:
    """Where a version's engine is; the index directory itself for an index saved before
    versions had directories of their own."""
    return _own_dir(version) or _dir()


def _read_version(version: str | None, read: Callable[[Path], T]) -> tuple[T, str | None]:
    """`read(directory)` of `version`'s directory, and the version it read: the current one
    should `version` have been pruned in the meantime."""
    try:
        return read(_version_dir(version)), version
    except FileNotFoundError:
        current = _version()
        if current == version:
            raise
        return read(_version_dir(current)), current


def _load_engine(version: str | None = None) -> MatchEngine:
    """The engine of `version` (default: the current one), as saved."""
    engine, _ = _read_version(
        version or _version(), lambda d: MatchEngine.load(d, encoder=_encoder())
    )
    if engine.encoder is None:
        engine.reason = _cache.get("encoder_reason") or engine.reason
    return engine


def _full_text(doc: dict[str, Any]) -> str:
    return Document(id=doc["id"], title=doc.get("title", ""), text=doc.get("text", "")).full_text


def vectors_for(kind: str, docs: list[dict[str, Any]]) -> np.ndarray | None:
    """Embeddings for `docs` in order: reused from the database when the text is unchanged,
    encoded (and stored) otherwise. None without an encoder."""
    encoder = _encoder()
    if encoder is None or not docs:
        return None
    texts = {d["id"]: _full_text(d) for d in docs}
    hashes = {i: hashlib.sha256(t.encode()).hexdigest() for i, t in texts.items()}
    stored = {
        str(e.object_id): e
        for e in Embedding.objects.filter(
            kind=kind, model=encoder.name, object_id__in=[int(i) for i in texts]
        )
    }
    stale = [i for i in texts if i not in stored or stored[i].text_hash != hashes[i]]
    if stale:
        fresh = encoder.encode([texts[i] for i in stale], kind="passage").astype("<f4")
        rows = [
            Embedding(
                kind=kind,
                object_id=int(i),
                model=encoder.name,
                text_hash=hashes[i],
                dim=fresh.shape[1],
                vector=fresh[n].tobytes(),
            )
            for n, i in enumerate(stale)
        ]
        Embedding.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["kind", "object_id", "model"],
            update_fields=["text_hash", "dim", "vector", "updated_at"],
        )
        stored.update({str(r.object_id): r for r in rows})
    return np.vstack([np.frombuffer(bytes(stored[d["id"]].vector), dtype="<f4") for d in docs])


def _save(engine: MatchEngine) -> None:
    version, previous = uuid.uuid4().hex, _version()
    directory = _dir() / "versions" / version
    engine.save(directory)
    superseded = _own_dir(previous)
    suggester = _save_tag_suggester(directory, superseded)
    pointer = _dir() / "version.tmp"
    pointer.write_text(version)
    pointer.replace(_dir() / "version")
    if superseded is not None:
        os.utime(superseded)  # its time is now when it was superseded (see _prune)
    _writer.update(engine=engine, version=version)
    now = time.monotonic()
    with _lock:  # this process's readers load the new version on their next use
        _cache.update(engine=None, version=None)
        if suggester is not None:
            _cache.update(tags=suggester, tags_version=version, tags_at=now)
    _prune(version)


def _writer_engine() -> MatchEngine:
    """The engine `refresh` changes: the one this process saved last while that is still the
    current version (no reload between writes), else the current version from disk. Called
    under the write lock, so the version cannot change meanwhile."""
    version = _version()
    if _writer["engine"] is None or _writer["version"] != version:
        _writer.update(engine=_load_engine(version), version=version)
    return _writer["engine"]


def _prune(current: str) -> None:
    """Remove version directories superseded more than `PRUNE_SECONDS` ago (and the files of
    an index saved before versions had directories). Called under the write lock."""
    cutoff = time.time() - PRUNE_SECONDS
    old = [p for p in (_dir() / "versions").iterdir() if p.name != current]
    old += [_dir() / name for name in ("demands", "solutions", "engine.json")]
    for path in old:
        try:
            if path.stat().st_mtime >= cutoff:
                continue
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            pass


def rebuild() -> MatchEngine:
    """Build both indexes from the database and save them (command, import, first use)."""
    with _write_lock():
        engine = _new_engine()
        started = timezone.now()
        demands = [demand_document(d) for d in indexable_demands()]
        solutions = _solution_documents(indexable_solutions())
        engine.add_demands(demands, vectors=vectors_for(DEMANDS, demands))
        engine.add_solutions(solutions, vectors=vectors_for(SOLUTIONS, solutions))
        _save(engine)
        _mark_indexed(started)
    return engine


def _reload_seconds() -> float:
    return float(getattr(settings, "MATCHING_RELOAD_SECONDS", RELOAD_SECONDS))


def _tags_refit_seconds() -> float:
    return float(getattr(settings, "MATCHING_TAGS_REFIT_SECONDS", TAGS_REFIT_SECONDS))


def _reload_due(loaded_at_key: str, version: str | None) -> bool:
    """Whether this process may now load `version`, newer than the one it loaded at
    `_cache[loaded_at_key]`: `MATCHING_RELOAD_SECONDS` after that load, and some seconds after
    it first saw `version` — up to half that interval, drawn at random per process, so that
    the workers of a server do not all reload at the same moment (their loads come at the same
    time after a start, and a version that is late finds them all due)."""
    now = time.monotonic()
    interval = _reload_seconds()
    if _cache.get("seen", (None,))[0] != version:
        _cache["seen"] = (version, now)
    lag = interval * _cache.setdefault("lag", random.random() / 2)
    return now - _cache.get(loaded_at_key, 0.0) >= interval and now - _cache["seen"][1] >= lag


def get_engine() -> MatchEngine:
    """This process's engine, reloaded when another process changed the index — at most once
    every `MATCHING_RELOAD_SECONDS` (and see `_reload_due`; a reload maps the saved arrays, a
    quarter of a second at 10,000 demands, and under a stream of saves every worker would do it
    all the time). With `MATCHING_BACKGROUND_RELOAD` a thread loads the new version while
    requests go on with the one they have. The process that wrote the index loads its new
    version at once."""
    version = _version()
    with _lock:
        engine = _cache["engine"]
        if engine is not None:
            if _cache["version"] == version or not _reload_due("loaded_at", version):
                return engine
            if _background_reload():
                _start_reload(version)
                return engine
    if version is None:
        rebuild()
        version = _version()
    engine = _load_engine(version)
    with _lock:
        _cache.update(engine=engine, version=version, loaded_at=time.monotonic())
    return engine


def _background_reload() -> bool:
    return bool(getattr(settings, "MATCHING_BACKGROUND_RELOAD", False))


def _start_reload(version: str | None) -> None:
    """Load `version` (engine and tag suggester) in a thread; called under `_lock`."""
    if _cache.get("reloading"):
        return
    _cache["reloading"] = True
    threading.Thread(target=_reload, args=(version,), name="index-reload", daemon=True).start()


def _reload(version: str | None) -> None:
    """The reload thread: read the version and everything its first requests would read, then
    hand it to the requests in one step."""
    try:
        engine = _load_engine(version)
        for index in engine.indexes.values():
            index.preload()
        _indexed_open_ids(engine)
        try:
            tags, tags_version = _read_tag_suggester(version)
        except (OSError, ValueError, KeyError):
            tags = tags_version = None  # _tag_suggester fits one on its next use
        now = time.monotonic()
        with _lock:
            if _cache["engine"] is not None:  # else this process wrote a newer one meanwhile
                _cache.update(engine=engine, version=version, loaded_at=now)
                if tags is not None:
                    _cache.update(tags=tags, tags_version=tags_version, tags_at=now)
        freeze_long_lived()  # the new version's objects, out of the collector's way
    except Exception:
        log.exception("loading index version %s failed; the previous one stays in use", version)
        with _lock:
            _cache["loaded_at"] = time.monotonic()  # tried: again after the interval
    finally:
        with _lock:
            _cache["reloading"] = False


def refresh(kind: str, pk: int) -> None:
    """Re-index one demand or solution after it changed (a background task calls this).

    Saves only when the index changes: a new draft (not indexed) or a task queued behind one
    that already took its change in costs a read, not a new index that every process would
    reload. Demands saved since the last write are taken in too, so a burst of saves is one
    new index rather than one per save."""
    if _version() is None:
        rebuild()
        return
    with _write_lock():
        engine = _writer_engine()
        started = timezone.now()
        docs, gone = _changes(engine, kind, pk, since=_indexed_at() if kind == DEMANDS else None)
        if not docs and not gone:
            return
        try:
            if gone:
                engine.remove(kind, gone)
            if docs:
                add = engine.add_demands if kind == DEMANDS else engine.add_solutions
                add(docs, vectors=vectors_for(kind, docs))
            _save(engine)
        except BaseException:
            _writer.update(engine=None, version=None)  # half changed: the next write reloads
            raise
        if kind == DEMANDS:
            _mark_indexed(started)


def _changes(
    engine: MatchEngine, kind: str, pk: int, *, since: datetime | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """What the engine lacks of item `pk` (and, for demands, of those saved at or after
    `since`): the documents to add or replace and the ids to remove."""
    index = engine.indexes[kind]
    if kind == DEMANDS:
        demands = indexable_demands().filter(
            Q(pk=pk) | Q(updated_at__gte=since) if since else Q(pk=pk)
        )
        docs = [demand_document(d) for d in demands]
        gone = [] if any(d["id"] == str(pk) for d in docs) else [str(pk)]
    else:
        docs = _solution_documents(indexable_solutions().filter(pk=pk))
        gone = [] if docs else [str(pk)]
    docs = [d for d in docs if index.get(d["id"]) != engine._doc(d)]
    gone = [i for i in gone if i in index]
    return docs, gone


def is_indexed(kind: str, pk: int) -> bool:
    """Whether the current index version holds item `pk` as the database has it now (or
    leaves it out, when it is not to be indexed)."""
    if _version() is None:
        return False
    with _write_lock():
        docs, gone = _changes(_writer_engine(), kind, pk)
    return not docs and not gone


def _indexed_at():
    """When the demands last taken into the index were read (None: unknown)."""
    try:
        return datetime.fromisoformat((_dir() / "demands-read-at").read_text())
    except (FileNotFoundError, ValueError):
        return None


def _mark_indexed(when) -> None:
    (_dir() / "demands-read-at").write_text(when.isoformat())


_bulk = threading.local()


@contextmanager
def bulk_changes():
    """Many writes in a row (demo data, a script): no per-item re-indexing inside; the caller
    rebuilds once at the end."""
    _bulk.depth = getattr(_bulk, "depth", 0) + 1
    try:
        yield
    finally:
        _bulk.depth -= 1


def ensure_index() -> None:
    """Build the index if there is none yet (first start)."""
    if _version() is None:
        rebuild()


def changed(kind: str, pk: int) -> None:
    """Called by services after a write: re-index in a task once the transaction commits."""
    if not settings.MATCHING_AUTO_INDEX or getattr(_bulk, "depth", 0):
        return
    from django.db import transaction

    from .tasks import reindex

    task = reindex
    if reindex.get_backend().supports_defer:
        # a burst of saves within the delay is taken in by the first task (see refresh); the
        # tasks after it find nothing left to do. No task runs before the next version may be
        # made (tasks.reindex).
        now = timezone.now()
        delay = timedelta(seconds=float(getattr(settings, "MATCHING_REINDEX_DELAY_SECONDS", 0)))
        when = max(now + delay, next_version_at() or now)
        if when > now:
            task = reindex.using(run_after=when)
    transaction.on_commit(lambda: task.enqueue(kind, pk))


def next_version_at() -> datetime | None:
    """The earliest time the writer makes another index version:
    `MATCHING_REINDEX_INTERVAL_SECONDS` after the current one was saved (None: no index)."""
    interval = float(getattr(settings, "MATCHING_REINDEX_INTERVAL_SECONDS", 0))
    try:
        saved = (_dir() / "version").stat().st_mtime
    except FileNotFoundError:
        return None
    return datetime.fromtimestamp(saved + interval, tz=UTC)


def changed_many() -> None:
    """After a bulk write (an import): rebuild in a task."""
    if not settings.MATCHING_AUTO_INDEX:
        return
    from django.db import transaction

    from .tasks import rebuild_index

    transaction.on_commit(lambda: rebuild_index.enqueue())


# --- what pages and the API ask --------------------------------------------------------------


@dataclass
class Ranked:
    """A ranked database object with its score and explanation."""

    obj: Any
    score: float
    explanation: dict[str, Any]

    @property
    def lines(self) -> list[str]:
        """The explanation as Chinese lines, e.g. ["文本相关 +0.55（关键词：…）", "同领域 +0.15"]."""
        return self.explanation["lines"]


def _explained(match: Match) -> dict[str, Any]:
    data = match.explanation.to_dict()
    data["lines"] = match.explanation.lines_zh()
    return data


def _visible_demand_ids(user, statuses, among: Collection[int] | None = None) -> set[int]:
    """The demands `user` may see whose status is one of `statuses`; only those of `among`
    when given (one query over those ids, not over every demand the user may see)."""
    from .permissions import demands_visible_to

    qs = demands_visible_to(user).filter(status__in=statuses)
    if among is not None:
        qs = qs.filter(pk__in=list(among))
    return set(qs.order_by().values_list("pk", flat=True))


def solutions_for_demand(demand: Demand, *, k: int = 10) -> list[Ranked]:
    """Ranked solutions for a demand, each with its explanation. A demand loaded with its tags
    (`prefetch_related("tags")`) is used as it is; another is read again with them."""
    engine = get_engine()
    if "tags" not in getattr(demand, "_prefetched_objects_cache", {}):
        demand = (
            Demand.objects.select_related("sector", "area")
            .prefetch_related("tags")
            .get(pk=demand.pk)
        )
    vector = engine.indexes[DEMANDS].vector(str(demand.pk))  # no re-encoding per page view
    matches = engine.match_demand(demand_document(demand), k=k, query_vector=vector)
    objs = Solution.objects.select_related("supplier").in_bulk([int(m.id) for m in matches])
    return [
        Ranked(objs[int(m.id)], round(m.score, 4), _explained(m))
        for m in matches
        if int(m.id) in objs
    ]


OPEN_STATUSES = (DemandStatus.PUBLISHED, DemandStatus.IN_TALKS)
_open_in_index: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _indexed_open_ids(engine: MatchEngine) -> frozenset[str]:
    """The demands the index holds as open (published or in talks), worked out once per loaded
    index version."""
    ids = _open_in_index.get(engine)
    if ids is None:
        index = engine.indexes[DEMANDS]
        ids = frozenset(i for i in index.ids if index.get(i).fields.get("status") in OPEN_STATUSES)
        _open_in_index[engine] = ids
    return ids


def _demands_for_solutions(solutions, user, k: int) -> list[Ranked]:
    """Open demands the user may see, ranked for any of `solutions` (each demand once, at its
    best score).

    Candidates are the demands the index holds as open; only the best are checked against the
    database (what the user may see, the status now), so a page does not read the ids of every
    visible demand. When that check leaves fewer than `k` of a full list of candidates (many
    hidden from this user), the ranking is redone over exactly the open demands the user may
    see."""
    engine = get_engine()
    queries = _solution_queries(engine, solutions)
    if not queries:
        return []
    pool = 2 * k

    def ranked(allowed) -> tuple[list[Match], bool]:
        best: dict[str, Match] = {}
        full = False
        for query, vector in queries:
            found = engine.match_solution(query, k=pool, allowed=allowed, query_vector=vector)
            full = full or len(found) == pool
            for m in found:
                if m.id not in best or m.score > best[m.id].score:
                    best[m.id] = m
        return sorted(best.values(), key=lambda m: (-m.score, m.id)), full

    candidates, full = ranked(_indexed_open_ids(engine))
    visible = _visible_demand_ids(user, OPEN_STATUSES, [int(m.id) for m in candidates])
    matches = [m for m in candidates if int(m.id) in visible][:k]
    if len(matches) < k and full:
        allowed = frozenset(str(pk) for pk in _visible_demand_ids(user, OPEN_STATUSES))
        matches = ranked(allowed)[0][:k] if allowed else []
    objs = Demand.objects.select_related("sector", "area", "demander").in_bulk(
        [int(m.id) for m in matches]
    )
    return [
        Ranked(objs[int(m.id)], round(m.score, 4), _explained(m))
        for m in matches
        if int(m.id) in objs
    ]


def _solution_queries(engine: MatchEngine, solutions) -> list[tuple[Any, Any]]:
    """What to match each indexable solution with: its id where the index holds it (the
    indexed document, no reading of cases and evidence per page), else its document built from
    the database; with its stored vector."""
    index = engine.indexes[SOLUTIONS]
    wanted = {str(s.pk) for s in solutions}
    indexed = [i for i in sorted(wanted) if i in index]
    missing = [int(i) for i in wanted - set(indexed)]
    docs = _solution_documents(indexable_solutions().filter(pk__in=missing)) if missing else []
    return [(i, index.vector(i)) for i in indexed] + [(d, index.vector(d["id"])) for d in docs]


def demands_for_solution(solution: Solution, user, *, k: int = 10) -> list[Ranked]:
    """Ranked open demands the user may see, for one solution."""
    return _demands_for_solutions([solution], user, k)


def demands_for_supplier(supplier, user, *, k: int = 10) -> list[Ranked]:
    """The best open demands over all of a supplier's published solutions."""
    return _demands_for_solutions(
        list(Solution.objects.filter(supplier=supplier, is_published=True)), user, k
    )


def search_ids(
    kind: str, query: str, *, allowed: set[str] | None = None, k: int = 500
) -> list[int]:
    """Ids ranked by the engine for a search box (most relevant first)."""
    engine = get_engine()
    matches = engine.search(kind, query, k=k, allowed=allowed, explain=False)
    return [int(m.id) for m in matches if m.score > 0]


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def similar_demands(
    title: str,
    text: str = "",
    *,
    user=None,
    k: int = 5,
    threshold: float = 0.35,
    title_threshold: float = 0.5,
    exclude: tuple[int, ...] = (),
) -> list[tuple[Demand, SimilarItem]]:
    """Existing demands that look like the one being written (duplicate check).

    A candidate counts when the whole texts are alike (the engine's similarity) or when the
    titles are (token Jaccard): a new demand often has only its title typed so far."""
    engine = get_engine()
    items = engine.similar(
        text, k=20, threshold=0.0, title=title, exclude=[str(pk) for pk in exclude]
    )
    title_tokens = set(tokenize(title))
    kept = []
    for item in items:
        by_title = _jaccard(title_tokens, set(tokenize(item.title)))
        if item.similarity >= threshold or by_title >= title_threshold:
            item.similarity = round(max(item.similarity, by_title), 4)
            kept.append(item)
    kept.sort(key=lambda i: -i.similarity)
    ids = [int(i.id) for i in kept]
    visible = None if user is None else _visible_demand_ids(user, PUBLIC_STATUSES, ids)
    objs = Demand.objects.select_related("demander").in_bulk(ids)
    return [
        (objs[int(i.id)], i)
        for i in kept
        if int(i.id) in objs and (visible is None or int(i.id) in visible)
    ][:k]


def fit_tag_suggester() -> TagSuggester:
    """A tag suggester fitted on the indexable demands, with the sectors' keywords and the tag
    names as its fallback (seconds at 10,000 demands: every text is tokenised)."""
    sectors = {
        s.code: [k for k in s.keywords.replace(";", "；").split("；") if k]
        for s in Sector.objects.all()
    }
    tags = {t: [] for t in Tag.objects.values_list("name", flat=True)}
    suggester = TagSuggester(sector_keywords=sectors, tag_keywords=tags)
    rows = list(indexable_demands())
    if rows:
        suggester.fit(
            [f"{d.title}\n{d.pain_point}" for d in rows],
            sectors=[d.sector.code for d in rows],
            tags=[[t.name for t in d.tags.all()] for d in rows],
        )
    return suggester


def _save_tag_suggester(directory: Path, previous: Path | None) -> TagSuggester | None:
    """Give a new index version its tag suggester: the previous version's (the file copied,
    its time kept) while that was fitted less than `MATCHING_TAGS_REFIT_SECONDS` ago — one
    more demand barely changes what it suggests — otherwise a new fit. Returns the suggester
    when it was fitted here."""
    old = None if previous is None else previous / TAGS_FILE
    fitted_ago = time.time() - old.stat().st_mtime if old is not None and old.exists() else None
    if fitted_ago is not None and fitted_ago < _tags_refit_seconds():
        shutil.copy2(old, directory / TAGS_FILE)
        return None
    suggester = fit_tag_suggester()
    suggester.save(directory / TAGS_FILE)
    return suggester


def _tag_suggester() -> TagSuggester:
    """The tag suggester of this process's index version, as the writer of that version
    fitted and saved it; it follows the engine (at most one reload every
    `MATCHING_RELOAD_SECONDS`). An index saved before suggesters were saved with it gets one
    fitted here."""
    version = _version()
    with _lock:
        cached = _cache.get("tags")
        if cached is not None:
            if _cache.get("tags_version") == version or not _reload_due("tags_at", version):
                return cached
            if _background_reload() and _cache["engine"] is not None:
                _start_reload(version)
                return cached
    try:
        suggester, version = _read_tag_suggester(version)
    except (OSError, ValueError, KeyError):  # no suggester saved with it, or unreadable
        suggester = fit_tag_suggester()
    with _lock:
        _cache.update(tags=suggester, tags_version=version, tags_at=time.monotonic())
    return suggester


def _read_tag_suggester(version: str | None) -> tuple[TagSuggester, str | None]:
    """The tag suggester saved with `version` (or with the current version, should that one
    have been pruned), and the version it came from."""
    return _read_version(version, lambda d: TagSuggester.load(d / TAGS_FILE))


def load() -> None:
    """Load this process's engine and tag suggester now rather than on first use (a web
    worker's warm-up, aiplus.core.warmup)."""
    get_engine()
    _tag_suggester()


def suggest_tags(text: str) -> dict[str, Any]:
    """Proposed sector and technology tags for a new demand or solution (the user confirms)."""
    suggestions = _tag_suggester().suggest(text)
    sector_names = dict(Sector.objects.values_list("code", "name"))
    return {
        "sectors": [
            {
                "code": s.label,
                "name": sector_names.get(s.label, s.label),
                "confidence": s.confidence,
                "source": s.source,
                "evidence": s.evidence,
            }
            for s in suggestions.sectors
            if s.label in sector_names
        ],
        "tags": [
            {
                "name": t.label,
                "confidence": t.confidence,
                "source": t.source,
                "evidence": t.evidence,
            }
            for t in suggestions.tags
        ],
    }


def status() -> dict[str, Any]:
    """What the engine can do now (encoder or BM25 only) and how much it holds."""
    return get_engine().status()
