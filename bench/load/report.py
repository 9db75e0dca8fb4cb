"""Summarise a load-test run (bench/load/run) as Markdown from locust's CSV files.

    python bench/load/report.py var/load --meta users=200 ...

Reads OUT/load_stats.csv, OUT/baseline_stats.csv and OUT/load_failures.csv; prints the machine,
the settings, one row per endpoint (requests, requests/s, p50/p95/p99 ms, failures, p50 and
p95 as a ratio to the same endpoint in the single-user baseline of the same run) and the
overall row, the response times per 10 s of the run from OUT/load_requests.csv when the
locustfile wrote it (LOAD_REQUEST_LOG), then the failures grouped by endpoint and message.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import subprocess
from pathlib import Path

P95_TARGET_MS = 300


def _read(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _num(row: dict[str, str], key: str) -> float:
    try:
        return float(row.get(key) or 0)
    except ValueError:
        return 0.0


def _machine() -> str:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = ""
    try:
        load = ", load average at the end {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}){mem}, Python {platform.python_version()}{load}"


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True)
        return out.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.1f}" if base > 0 else "–"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def _over_time(path: Path, window: int = 10, ramp: int = 0) -> list[str]:
    """Response times per `window` seconds of the run, from the locustfile's request log: the
    ramp (users arriving and signing in, its windows marked), then the measured period; and
    the whole run's figures, ramp included."""
    rows = _read(path) if path.exists() else []
    if not rows:
        return []
    start = min(float(r["start"]) for r in rows)
    by_window: dict[int, list[dict[str, str]]] = {}
    for r in rows:
        by_window.setdefault(int((float(r["start"]) - start) // window), []).append(r)
    every = [float(r["ms"]) for r in rows]
    lines = [
        "",
        f"Whole run, ramp included: {len(every)} requests, p50 {_percentile(every, 0.5):.0f} ms, "
        f"p95 {_percentile(every, 0.95):.0f} ms, p99 {_percentile(every, 0.99):.0f} ms, "
        f"{sum(int(r['failed']) for r in rows)} failures.",
        "",
        f"Over time (requests by the {window}-s window they started in):",
        "",
        "| seconds | requests | req/s | p50 ms | p95 ms | failures |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for w in sorted(by_window):
        ms = [float(r["ms"]) for r in by_window[w]]
        fails = sum(int(r["failed"]) for r in by_window[w])
        label = f"{w * window}–{(w + 1) * window}" + (" (ramp)" if w * window < ramp else "")
        lines.append(
            f"| {label} | {len(ms)} | {len(ms) / window:.1f} | "
            f"{_percentile(ms, 0.5):.0f} | {_percentile(ms, 0.95):.0f} | {fails} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--meta", nargs="*", default=[])
    args = parser.parse_args()
    meta = dict(m.split("=", 1) for m in args.meta)
    load = _read(args.out / "load_stats.csv")
    base = {r["Name"]: r for r in _read(args.out / "baseline_stats.csv")}
    failures = _read(args.out / "load_failures.csv")
    if not load:
        raise SystemExit(f"no results in {args.out} (see {args.out}/load.log)")

    today = datetime.date.today().isoformat()
    lines = [
        f"### Load test — {today}, commit {_commit()}",
        "",
        f"Machine: {_machine()}.",
        f"Stack: bin/serve-prod (AIPLUS_ENV=production), {meta.get('workers', '?')} gunicorn "
        f"sync workers + the django-tasks worker, PostgreSQL on the local socket, matching "
        f"encoder `{meta.get('encoder', '?')}`. Data: {meta.get('demands', '?')} demands, "
        f"{meta.get('organisations', '?')} organisations (`aiplus demo` + `aiplus scale-demo`).",
        f"Load: {meta.get('users', '?')} users arriving at {meta.get('rate', '?')}/s (a ramp of "
        f"{meta.get('ramp', '0')} s in which they sign in), then measured for "
        f"{meta.get('time', '?')} s with all of them (the table; locust --reset-stats), think "
        f"time {meta.get('wait', '?')} s; baseline: 1 user of the same locustfile for "
        f"{meta.get('baseline', '?')} just before, on the same stack.",
        "",
        "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | failures | p50 × base "
        "| p95 × base |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    total = None
    for row in load:
        if row["Name"] == "Aggregated":
            total = row
            continue
        if not _num(row, "Request Count"):
            continue  # asked only in the ramp (sign-ins, the setup): in the whole-run figures
        b = base.get(row["Name"], {})
        lines.append(
            f"| {row['Type']} {row['Name']} | {int(_num(row, 'Request Count'))} | "
            f"{_num(row, 'Requests/s'):.1f} | {_num(row, '50%'):.0f} | {_num(row, '95%'):.0f} | "
            f"{_num(row, '99%'):.0f} | {int(_num(row, 'Failure Count'))} | "
            f"{_ratio(_num(row, '50%'), _num(b, '50%'))} | "
            f"{_ratio(_num(row, '95%'), _num(b, '95%'))} |"
        )
    if total:
        b = base.get("Aggregated", {})
        lines.append(
            f"| **all** | **{int(_num(total, 'Request Count'))}** | "
            f"**{_num(total, 'Requests/s'):.1f}** | **{_num(total, '50%'):.0f}** | "
            f"**{_num(total, '95%'):.0f}** | **{_num(total, '99%'):.0f}** | "
            f"**{int(_num(total, 'Failure Count'))}** | "
            f"**{_ratio(_num(total, '50%'), _num(b, '50%'))}** | "
            f"**{_ratio(_num(total, '95%'), _num(b, '95%'))}** |"
        )
        p95 = _num(total, "95%")
        fails = int(_num(total, "Failure Count"))
        # a failure in the ramp counts too
        fails = max(fails, sum(int(r["failed"]) for r in _read(args.out / "load_requests.csv")))
        ok = fails == 0 and p95 < P95_TARGET_MS
        lines += [
            "",
            f"Baseline (1 user): {_num(b, 'Requests/s'):.1f} req/s, p50 {_num(b, '50%'):.0f} ms, "
            f"p95 {_num(b, '95%'):.0f} ms, {int(_num(b, 'Failure Count'))} failures.",
            f"Target: no errors and p95 < {P95_TARGET_MS} ms — "
            f"{'met' if ok else 'NOT met'} (p95 {p95:.0f} ms, {fails} failures; "
            f"server errors logged: {meta.get('server_errors_logged', '?')}).",
        ]
    lines += _over_time(args.out / "load_requests.csv", ramp=int(meta.get("ramp", "0")))
    if failures:
        lines += ["", "Failures:", ""]
        for f in failures:
            lines.append(f"- {f['Method']} {f['Name']}: {f['Error'][:200]} × {f['Occurrences']}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
