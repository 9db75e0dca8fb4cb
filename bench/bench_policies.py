"""Benchmark the rules engine: every measure of the city pack for 100,000 enterprise profiles.

Pure Python, no database: the rules come from `citypacks/<city>/rules/`, the profiles are
generated (seeded) with the facts of the pack's vocabulary in realistic mixes — most firms hold
a few facts, some many contracts and honours, some facts are missing (questions). Measures:
- the baseline: copying every profile once (`copy.deepcopy`), in the same run;
- every rule for every profile without traces, in one process and in one process per core;
- the same with traces (what a page shows), on a sample.
Target: all measures for 100,000 profiles under 60 s on 2 cores. Results go to
docs/benchmarks.md.

    .venv/bin/python bench/bench_policies.py [--profiles 100000] [--processes N]
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import os
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from aiplus.policies import engine  # noqa: E402

ON = dt.date(2027, 1, 30)
ROLES = ["科技研发企业", "算力供给方", "数源单位", "人工智能企业", "小微企业", "OPC创业者"]
QUALIFICATIONS = ["高新技术企业", "专精特新", "江苏省数据产业创新联合体牵头单位"]
CONTRACTS = ["compute_rental", "compute_sale", "dataset_purchase", "ai_procurement"]
HONOURS = [
    ("数据要素×大赛", ["一等奖", "二等奖", "三等奖"]),
    ("国家卓越级智能工厂", [None]),
    ("国家领航级智能工厂", [None]),
    ("国家人工智能赋能新型工业化典型应用案例", [None]),
    ("垂直领域模型遴选", [None]),
    ("苏州创新创业领军人才", [None]),
]
AREAS = ["sip", "snd", "kunshan", "wujiang", "wuzhong", "xiangcheng", "gusu", "changshu"]


def _day(rng: random.Random) -> str:
    return (dt.date(2025, 6, 1) + dt.timedelta(days=rng.randrange(700))).isoformat()


def profile(rng: random.Random) -> dict:
    facts: dict = {
        "registered_city": "苏州" if rng.random() < 0.95 else "上海",
        "area": rng.choice(AREAS),
        "size": rng.choice(["micro", "small", "medium", "large"]),
        "roles": rng.sample(ROLES, rng.randint(0, 3)),
        "qualifications": rng.sample(QUALIFICATIONS, rng.randint(0, 2)),
    }
    if rng.random() < 0.8:
        facts["opc_member"] = rng.random() < 0.1
    if rng.random() < 0.7:
        facts["contracts"] = [
            {
                "kind": rng.choice(CONTRACTS),
                "amount": rng.randrange(50_000, 8_000_000),
                "date": _day(rng),
                "related_party": rng.random() < 0.1,
            }
            for _ in range(rng.randint(0, 6))
        ]
    if rng.random() < 0.5:
        facts["honours"] = []
        for _ in range(rng.randint(0, 3)):
            kind, levels = rng.choice(HONOURS)
            honour = {"kind": kind, "date": _day(rng)}
            if levels[0]:
                honour["level"] = rng.choice(levels)
            facts["honours"].append(honour)
    if rng.random() < 0.3:
        facts["filings"] = [
            {"kind": "generative", "model": f"m{i}", "date": _day(rng)}
            for i in range(rng.randint(1, 3))
        ]
    if rng.random() < 0.3:
        facts["talents"] = [
            {
                "degree": rng.choice(["博士", "硕士", "本科"]),
                "fresh_graduate": True,
                "shortage_major": True,
                "date": _day(rng),
            }
            for _ in range(rng.randint(1, 5))
        ]
    if rng.random() < 0.2:
        facts["grants"] = [{"rule": "compute-rental", "year": 2026, "amount": 500_000}]
    return facts


def profiles(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    return [profile(rng) for _ in range(n)]


_RULES: list = []


def _init(folder: str) -> None:
    _RULES[:] = engine.load_rules(folder)


def _chunk(batch: list[dict]) -> tuple[int, int, str]:
    eligible, total = 0, 0
    for facts in batch:
        for result in engine.evaluate_all(_RULES, facts, on=ON, trace=False):
            if result.status == engine.ELIGIBLE:
                eligible += 1
                total += int(result.amount)
    return len(batch), eligible, str(total)


def run(batches: list[list[dict]], processes: int, folder: str) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    if processes == 1:
        _init(folder)
        parts = [_chunk(b) for b in batches]
    else:
        with ProcessPoolExecutor(processes, initializer=_init, initargs=(folder,)) as pool:
            parts = list(pool.map(_chunk, batches))
    seconds = time.perf_counter() - t0
    return seconds, sum(p[1] for p in parts), sum(int(p[2]) for p in parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--city", default="suzhou")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    folder = str(ROOT / "citypacks" / args.city / "rules")
    rules = engine.load_rules(folder)
    data = profiles(args.profiles)
    t0 = time.perf_counter()
    copy.deepcopy(data)
    baseline = time.perf_counter() - t0
    size = max(1, len(data) // (args.processes * 8))
    batches = [data[i : i + size] for i in range(0, len(data), size)]
    one, eligible, total = run(batches, 1, folder)
    many, eligible2, total2 = run(batches, args.processes, folder)
    assert (eligible, total) == (eligible2, total2)
    sample = data[:2000]
    _init(folder)
    t0 = time.perf_counter()
    for facts in sample:
        engine.evaluate_all(_RULES, facts, on=ON, trace=True)
    traced = (time.perf_counter() - t0) / len(sample) * 1e6
    evaluations = len(data) * len(rules)
    print(f"{len(rules)} rules × {len(data):,} profiles = {evaluations:,} evaluations")
    print(f"baseline (deepcopy of the profiles): {baseline:.2f} s")
    print(
        f"1 process: {one:.1f} s ({one / baseline:.1f}× baseline); "
        f"{args.processes} processes: {many:.1f} s ({many / baseline:.1f}× baseline)"
    )
    print(
        f"eligible results {eligible:,}, total {total:,} yuan; with traces {traced:.0f} µs/profile"
    )
    if not args.no_write:
        write(args, len(rules), len(data), baseline, one, many, eligible, total, traced)


def write(args, n_rules, n, baseline, one, many, eligible, total, traced) -> None:
    from bench_scenarios import commit, machine, write_block

    lines = [
        f"### Rules engine — {dt.date.today().isoformat()}, commit {commit()}",
        "",
        f"Machine: {machine()}. {n_rules} rules (the 2026 measures) × {n:,} generated "
        f"profiles = {n * n_rules:,} evaluations, no traces; baseline = deep-copying the "
        "profiles once, in the same run.",
        "",
        "| case | seconds | × baseline |",
        "|---|---:|---:|",
        f"| baseline: copy of all profiles | {baseline:.2f} | 1.0 |",
        f"| all measures, 1 process | {one:.1f} | {one / baseline:.1f} |",
        f"| all measures, {args.processes} processes | {many:.1f} | {many / baseline:.1f} |",
        "",
        f"{eligible:,} eligible results, {total:,} yuan in all. With traces (what a page "
        f"shows): {traced:.0f} µs per profile. Target: under 60 s on 2 cores.",
    ]
    write_block("policies", lines, heading="## Policies as rules (issue #5)")


if __name__ == "__main__":
    main()
