"""Benchmark the compute allocation solver (issue #6).

Pure Python + numpy + HiGHS, no database. Two instances from the shared generator
(`bench/compute/make_instance.py` of the project's shared volume):
- `default/` (2,000 applications × 50 offers): target, MILP within 0.5 % of the upper bound in
  under 60 s on 2 cores;
- `--apps 20000 --offers 200 --seed 2`, generated into a temporary folder: target, the
  heuristic under 60 s, gap reported.
For each: the upper bound (time-indexed LP, see `allocation.bound`), the heuristic and the
MILP, every result verified by the independent checker. Baseline, in the same run: loading and
parsing the instance (CSV → validated instance → candidate arrays). Results go to
docs/benchmarks.md.

    .venv/bin/python bench/bench_compute.py [--shared ../shared/bench/compute]
        [--time-limit 50] [--no-write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from aiplus.compute.allocation import load_instance, solve  # noqa: E402
from aiplus.compute.allocation.candidates import build_candidates  # noqa: E402
from aiplus.compute.allocation.checker import check_folder  # noqa: E402
from aiplus.compute.allocation.solve import compute_bound  # noqa: E402

SHARED = ROOT.parent / "shared" / "bench" / "compute"  # the shared volume beside the checkout
WORKERS = min(2, os.cpu_count() or 1)  # parallel MILP searches (see allocation.milp)


def baseline(folder: Path) -> float:
    """Seconds to load, validate and compile the instance (best of 3)."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        build_candidates(load_instance(folder))
        best = min(best, time.perf_counter() - t0)
    return best


def run(folder: Path, label: str, methods: list[str], time_limit: float) -> dict:
    problem = load_instance(folder)
    base = baseline(folder)
    bound = compute_bound(problem, time_limit=60.0)
    print(f"{label}: baseline {base:.2f} s, bound {bound.bound:,} in {bound.seconds:.1f} s")
    rows = []
    for method in methods:
        result = solve(problem, method, time_limit=time_limit, bound=bound, workers=WORKERS)
        data = result.to_dict()
        report = check_folder(folder, data["assignments"], claimed=data)
        rows.append((result, report))
        print(
            f"  {method}: {result.seconds:.1f} s, served {result.served_card_hours:,} "
            f"({result.served_applications:,} applications), gap {result.gap:.3%}, "
            f"cost {result.cost_yuan:,.2f}, vouchers {result.voucher_yuan:,.2f}, "
            f"checker {'ok' if report.ok else report.violations[:3]}"
        )
    c = build_candidates(problem)
    capacity = int((c.offer_cards * (c.offer_to - c.offer_from)).sum()) * 24
    return {
        "label": label,
        "load": float(c.app_value[c.servable].sum()) / max(1, capacity),
        "apps": len(problem.applications),
        "offers": len(problem.offers),
        "baseline": base,
        "bound": bound,
        "rows": rows,
    }


def generate(folder: Path, apps: int, offers: int, seed: int, shared: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            str(shared / "make_instance.py"),
            "--apps",
            str(apps),
            "--offers",
            str(offers),
            "--seed",
            str(seed),
            "--out",
            str(folder),
        ],
        check=True,
    )
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--time-limit", type=float, default=50.0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if not (args.shared / "make_instance.py").is_file():
        sys.exit(f"{args.shared}/make_instance.py not found (the shared benchmark volume)")
    t0 = time.perf_counter()
    runs = [run(args.shared / "default", "default", ["milp", "heuristic"], args.time_limit)]
    with tempfile.TemporaryDirectory() as tmp:
        big = generate(Path(tmp) / "big", 20_000, 200, 2, args.shared)
        runs.append(run(big, "generated, seed 2", ["heuristic", "milp"], args.time_limit))
    whole = time.perf_counter() - t0
    if not args.no_write:
        write(runs, args.time_limit, whole)


def write(runs: list[dict], time_limit: float, whole: float) -> None:
    from bench_scenarios import commit, machine, write_block

    lines = [
        f"### Compute allocation — {dt.date.today().isoformat()}, commit {commit()}",
        "",
        f"Machine: {machine()}. Instances from `make_instance.py` (shared volume): `default/` "
        "and one generated with `--apps 20000 --offers 200 --seed 2`. Baseline = loading, "
        "validating and compiling the instance, best of 3, in the same run. MILP = greedy, "
        f"then HiGHS neighbourhood search ({WORKERS} searches in parallel, the best kept), "
        f"time limit {time_limit:.0f} s. Upper bound = the "
        "time-indexed LP relaxation (valid for any allocation; `allocation/bound.py`), "
        "computed once per instance and not counted in the methods' seconds. gap = (bound − "
        "served) / bound. Every result was re-checked by the independent checker. Whole run: "
        f"{whole / 60:.1f} min.",
        "",
        "| instance | method | seconds | × baseline | served card-hours | served apps | gap | "
        "cost (yuan) | vouchers (yuan) | checker |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        name = (
            f"{r['label']}: {r['apps']:,} apps × {r['offers']} offers, servable demand "
            f"{r['load']:.0%} of capacity"
        )
        lines.append(f"| {name} | baseline: load + parse | {r['baseline']:.2f} | 1.0 | | | | | | |")
        b = r["bound"]
        lines.append(
            f"| | upper bound (LP) | {b.seconds:.1f} | {b.seconds / r['baseline']:.0f} | "
            f"{b.bound:,} | | | | | |"
        )
        for result, report in r["rows"]:
            lines.append(
                f"| | {result.method} | {result.seconds:.1f} | "
                f"{result.seconds / r['baseline']:.0f} | {result.served_card_hours:,} | "
                f"{result.served_applications:,} | {result.gap:.2%} | "
                f"{result.cost_yuan:,.0f} | {result.voucher_yuan:,.0f} | "
                f"{'ok' if report.ok else 'VIOLATIONS'} |"
            )
    lines += [
        "",
        "Targets: default, MILP within 0.5 % of the bound in under 60 s; 20,000 × 200, "
        "heuristic under 60 s (gap reported). Where demand exceeds capacity the gap grows, "
        "and we cannot say how much of it is the bound's (the LP packs fractions of jobs "
        "into the slivers whole jobs leave) and how much the solution's: on a 1,000 × 10 "
        "instance (seed 9), HiGHS given the full time-indexed MILP (37,717 binaries) and the "
        "greedy's solution was still at its root node after 400 s, its bound within 0.002 % "
        "of this LP, with no better solution.",
    ]
    write_block("compute", lines, heading="## Compute allocation (issue #6)")


if __name__ == "__main__":
    main()
