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

from aiplus.policies import engine, facts  # noqa: E402

ON = dt.date(2027, 1, 30)
AREAS = ["sip", "snd", "kunshan", "wujiang", "wuzhong", "xiangcheng", "gusu", "changshu"]
LEVELS = ["一等奖", "二等奖", "三等奖"]
# How often a profile answers a fact at all (the rest are questions), and how many items a list
# fact holds when answered: most firms hold a few facts, some many contracts and honours.
ANSWERED = {"registered_city": 1.0, "area": 0.95, "size": 0.9, "roles": 0.95}
ITEMS = {"contracts": 6, "honours": 3, "projects": 3, "talents": 5, "grants": 2}


def _day(rng: random.Random) -> str:
    return (dt.date(2025, 6, 1) + dt.timedelta(days=rng.randrange(700))).isoformat()


def _value(rng: random.Random, spec, fact_name: str):
    """A value of one field or fact of the vocabulary, as a filled-in profile would hold it."""
    kind = spec.kind
    if spec.choices:
        values = spec.values
        if kind == facts.CHOICES:
            return rng.sample(values, min(len(values), rng.choice([0, 1, 1, 2, 3])))
        return rng.choice(values)
    if kind == facts.BOOL:
        return rng.random() < (0.1 if spec.name == "related_party" else 0.6)
    if kind == facts.MONEY:
        return rng.randrange(50_000, 8_000_000)
    if kind == facts.DATE:
        return _day(rng)
    if kind == facts.YEAR:
        return rng.choice([2025, 2026])
    if kind == facts.AREA:
        return rng.choice(AREAS)
    if spec.name == "registered_city":
        return "苏州" if rng.random() < 0.95 else "上海"
    if spec.name == "level":
        return rng.choice(LEVELS)
    if spec.name == "rule":
        return rng.choice(["compute-rental", "js003-04-2-model-filing"])
    return f"{fact_name}-{rng.randrange(1000)}"


def profile(rng: random.Random) -> dict:
    """A profile over the whole facts vocabulary of `aiplus.policies.facts` (not only the
    facts today's rules read), so a new rule is measured against realistic profiles too."""
    out: dict = {}
    for fact in facts.VOCABULARY:
        if rng.random() >= ANSWERED.get(fact.name, 0.5):
            continue  # not answered: the rules ask
        if not fact.is_list:
            out[fact.name] = _value(rng, fact, fact.name)
            continue
        out[fact.name] = [
            {f.name: _value(rng, f, fact.name) for f in fact.fields if rng.random() < 0.95}
            for _ in range(rng.randint(0, ITEMS.get(fact.name, 2)))
        ]
    return out


def profiles(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    return [profile(rng) for _ in range(n)]


_RULES: list = []


def _init(folder: str) -> None:
    _RULES[:] = engine.load_rules(folder)


def _chunk(batch: list[dict]) -> tuple[int, int, str]:
    eligible, total = 0, 0
    for one in batch:
        for result in engine.evaluate_all(_RULES, one, on=ON, trace=False):
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
    for item in data[:1000]:  # the generated profiles are ones the platform would accept
        assert facts.clean(item, areas=None)[1] == {}, facts.clean(item, areas=None)[1]
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
    for item in sample:
        engine.evaluate_all(_RULES, item, on=ON, trace=True)
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
