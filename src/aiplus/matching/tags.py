"""Sector and technology-tag suggestion for a new demand or solution.

:class:`TagSuggester` is a multinomial naive Bayes over the engine's tokens, trained on the
platform's own labelled texts (sector: one label per text; tags: one binary model per tag with
enough examples), with a keyword fallback from maps passed in as data (e.g. the city pack's
sector → keywords). Pure numpy; small enough to retrain on every index rebuild.

A fitted suggester is plain data: :meth:`TagSuggester.save` / :meth:`TagSuggester.load` write and
read it as JSON, so one process fits it and the others load it (fitting tokenises every
labelled text; loading is a JSON read).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .text import normalise, tokenize


@dataclass
class Suggestion:
    """One proposed label with its confidence (0–1) and where it came from."""

    label: str
    confidence: float
    source: str  # "classifier" | "keyword"
    evidence: list[str] = field(default_factory=list)


@dataclass
class TagSuggestions:
    """Proposed sector(s) and technology tags, best first."""

    sectors: list[Suggestion]
    tags: list[Suggestion]

    @property
    def sector(self) -> str | None:
        """The best sector, or ``None``."""
        return self.sectors[0].label if self.sectors else None


class _NB:
    """Multinomial naive Bayes with Laplace smoothing over token counts."""

    def __init__(self, alpha: float = 0.5) -> None:
        self.alpha = alpha
        self.classes: list[str] = []
        self.log_prior: dict[str, float] = {}
        self.log_lik: dict[str, dict[str, float]] = {}
        self.log_unseen: dict[str, float] = {}
        self.vocab: set[str] = set()

    def fit(self, docs: Sequence[list[str]], labels: Sequence[str]) -> _NB:
        counts: dict[str, Counter] = {}
        n_docs: Counter = Counter()
        vocab: set[str] = set()
        for toks, y in zip(docs, labels, strict=True):
            counts.setdefault(y, Counter()).update(toks)
            n_docs[y] += 1
            vocab.update(toks)
        v = max(len(vocab), 1)
        total = sum(n_docs.values())
        self.classes = sorted(counts)
        for y in self.classes:
            c = counts[y]
            denom = sum(c.values()) + self.alpha * v
            self.log_prior[y] = math.log(n_docs[y] / total)
            self.log_lik[y] = {t: math.log((n + self.alpha) / denom) for t, n in c.items()}
            self.log_unseen[y] = math.log(self.alpha / denom)
        self.vocab = vocab
        return self

    def to_dict(self) -> dict:
        return {
            "alpha": self.alpha,
            "classes": self.classes,
            "log_prior": self.log_prior,
            "log_lik": self.log_lik,
            "log_unseen": self.log_unseen,
            "vocab": sorted(self.vocab),
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> _NB:
        nb = cls(alpha=data["alpha"])
        nb.classes = list(data["classes"])
        nb.log_prior = dict(data["log_prior"])
        nb.log_lik = {y: dict(v) for y, v in data["log_lik"].items()}
        nb.log_unseen = dict(data["log_unseen"])
        nb.vocab = set(data["vocab"])
        return nb

    def predict_proba(self, toks: Sequence[str]) -> dict[str, float]:
        toks = [t for t in toks if t in self.vocab]
        if not self.classes:
            return {}
        logp = {}
        for y in self.classes:
            ll, unseen = self.log_lik[y], self.log_unseen[y]
            logp[y] = self.log_prior[y] + sum(ll.get(t, unseen) for t in toks)
        m = max(logp.values())
        ex = {y: math.exp(v - m) for y, v in logp.items()}
        z = sum(ex.values())
        return {y: v / z for y, v in ex.items()}


class TagSuggester:
    """Suggest sector and technology tags for a text.

    ``sector_keywords`` / ``tag_keywords``: ``{label: [keyword, …]}`` used as the fallback and
    as evidence; every tag name is also its own keyword. ``min_examples``: a tag needs this
    many labelled texts before the classifier proposes it.
    """

    def __init__(
        self,
        *,
        sector_keywords: Mapping[str, Iterable[str]] | None = None,
        tag_keywords: Mapping[str, Iterable[str]] | None = None,
        min_examples: int = 3,
        sector_threshold: float = 0.5,
        tag_threshold: float = 0.5,
    ) -> None:
        self.sector_keywords = {
            k: [normalise(x) for x in v] for k, v in (sector_keywords or {}).items()
        }
        self.tag_keywords = {k: [normalise(x) for x in v] for k, v in (tag_keywords or {}).items()}
        self.min_examples = min_examples
        self.sector_threshold = sector_threshold
        self.tag_threshold = tag_threshold
        self._sector_nb: _NB | None = None
        self._tag_nb: dict[str, _NB] = {}
        self.n_trained = 0

    @property
    def trained(self) -> bool:
        """True once :meth:`fit` saw labelled data."""
        return self.n_trained > 0

    def fit(
        self,
        texts: Sequence[str],
        sectors: Sequence[str | None] | None = None,
        tags: Sequence[Sequence[str]] | None = None,
    ) -> TagSuggester:
        """Train on labelled texts (``None`` sector / empty tags = unlabelled for that part)."""
        toks = [tokenize(t) for t in texts]
        self.n_trained = len(texts)
        if sectors is not None:
            pairs = [(t, s) for t, s in zip(toks, sectors, strict=True) if s]
            if len({s for _, s in pairs}) >= 2:
                self._sector_nb = _NB().fit([t for t, _ in pairs], [s for _, s in pairs])
            elif pairs:
                self._sector_nb = _NB().fit([t for t, _ in pairs], [s for _, s in pairs])
        self._tag_nb = {}
        if tags is not None:
            counts = Counter(tag for ts in tags for tag in set(ts))
            for tag, n in counts.items():
                if n < self.min_examples or n == len(tags):
                    continue
                labels = ["yes" if tag in ts else "no" for ts in tags]
                self._tag_nb[tag] = _NB().fit(toks, labels)
        return self

    def _keyword_hits(
        self, norm: str, mapping: Mapping[str, list[str]], include_label: bool
    ) -> dict[str, list[str]]:
        hits: dict[str, list[str]] = {}
        for label, kws in mapping.items():
            words = list(kws) + ([normalise(label)] if include_label else [])
            found = sorted({k for k in words if k and k in norm})
            if found:
                hits[label] = found
        return hits

    def suggest(self, text: str, *, max_tags: int = 5) -> TagSuggestions:
        """Proposed sectors (best first, at most 3) and up to ``max_tags`` technology tags."""
        norm = normalise(text)
        toks = tokenize(text)
        sectors: dict[str, Suggestion] = {}
        if self._sector_nb is not None and toks:
            probs = self._sector_nb.predict_proba(toks)
            for label, p in sorted(probs.items(), key=lambda kv: -kv[1])[:3]:
                if p >= self.sector_threshold or not sectors:
                    if p >= 0.2:
                        sectors[label] = Suggestion(label, round(p, 3), "classifier")
        for label, found in self._keyword_hits(norm, self.sector_keywords, False).items():
            conf = min(0.9, 0.4 + 0.15 * len(found))
            if label in sectors:
                sectors[label].evidence = found
                sectors[label].confidence = round(max(sectors[label].confidence, conf), 3)
            else:
                sectors[label] = Suggestion(label, round(conf, 3), "keyword", found)
        tags: dict[str, Suggestion] = {}
        for tag, nb in self._tag_nb.items():
            p = nb.predict_proba(toks).get("yes", 0.0)
            if p >= self.tag_threshold:
                tags[tag] = Suggestion(tag, round(p, 3), "classifier")
        all_tags = dict(self.tag_keywords)
        for tag in self._tag_nb:
            all_tags.setdefault(tag, [])
        for tag, found in self._keyword_hits(norm, all_tags, True).items():
            conf = min(0.95, 0.6 + 0.1 * len(found))
            if tag in tags:
                tags[tag].evidence = found
                tags[tag].confidence = round(max(tags[tag].confidence, conf), 3)
            else:
                tags[tag] = Suggestion(tag, round(conf, 3), "keyword", found)
        by_conf = lambda s: (-s.confidence, s.label)  # noqa: E731
        return TagSuggestions(
            sorted(sectors.values(), key=by_conf)[:3], sorted(tags.values(), key=by_conf)[:max_tags]
        )

    def save(self, path: str | Path) -> Path:
        """Write the suggester, fitted models included, as JSON (read back by :meth:`load`)."""
        data = {
            "format": 1,
            "sector_keywords": self.sector_keywords,
            "tag_keywords": self.tag_keywords,
            "min_examples": self.min_examples,
            "sector_threshold": self.sector_threshold,
            "tag_threshold": self.tag_threshold,
            "n_trained": self.n_trained,
            "sector_nb": None if self._sector_nb is None else self._sector_nb.to_dict(),
            "tag_nb": {tag: nb.to_dict() for tag, nb in self._tag_nb.items()},
        }
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> TagSuggester:
        """A suggester written by :meth:`save`, as it was fitted."""
        data = json.loads(Path(path).read_text("utf-8"))
        out = cls(
            min_examples=data["min_examples"],
            sector_threshold=data["sector_threshold"],
            tag_threshold=data["tag_threshold"],
        )
        # keywords were normalised when first given; set as saved, not normalised again
        out.sector_keywords = {k: list(v) for k, v in data["sector_keywords"].items()}
        out.tag_keywords = {k: list(v) for k, v in data["tag_keywords"].items()}
        out.n_trained = data["n_trained"]
        sector = data.get("sector_nb")
        out._sector_nb = None if sector is None else _NB.from_dict(sector)
        out._tag_nb = {tag: _NB.from_dict(nb) for tag, nb in data.get("tag_nb", {}).items()}
        return out

    @classmethod
    def from_keyword_file(cls, path: str | Path, **kwargs) -> TagSuggester:
        """Build from a JSON file ``{"sectors": {label: [kw]}, "tags": {label: [kw]}}``."""
        data = json.loads(Path(path).read_text("utf-8"))
        return cls(sector_keywords=data.get("sectors"), tag_keywords=data.get("tags"), **kwargs)
