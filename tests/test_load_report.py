"""bench/load/report.py: the load test's summary, including the response times over time."""

import csv
import subprocess
import sys
from pathlib import Path

REPORT = Path(__file__).resolve().parents[1] / "bench" / "load" / "report.py"
STATS = ["Type", "Name", "Request Count", "Failure Count", "Requests/s", "50%", "95%", "99%"]


def _write(path, header, rows):
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)


def test_the_summary_judges_the_target_and_shows_the_run_over_time(tmp_path):
    _write(
        tmp_path / "load_stats.csv",
        STATS,
        [
            ["GET", "/demands/", 30, 0, 1.5, 120, 900, 1000],
            ["POST", "/accounts/login/", 0, 0, 0, 0, 0, 0],  # only in the ramp
            ["", "Aggregated", 30, 0, 1.5, 120, 900, 1000],
        ],
    )
    _write(
        tmp_path / "baseline_stats.csv",
        STATS,
        [["GET", "/demands/", 5, 0, 1, 60, 90, 90], ["", "Aggregated", 5, 0, 1, 60, 90, 90]],
    )
    _write(tmp_path / "load_failures.csv", ["Method", "Name", "Error", "Occurrences"], [])
    # 10 slow requests in the first 10 s (the spawn), 20 fast ones in the next 10 s
    rows = [[1000.0 + i, "GET /demands/", 900, 0] for i in range(10)]
    rows += [[1010.0 + i / 2, "GET /demands/", 100 + i, 1 if i == 0 else 0] for i in range(20)]
    _write(tmp_path / "load_requests.csv", ["start", "name", "ms", "failed"], rows)
    out = subprocess.run(
        [sys.executable, str(REPORT), str(tmp_path), "--meta", "users=200", "workers=5", "ramp=10"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "| GET /demands/ | 30 | 1.5 | 120 | 900 | 1000 | 0 | 2.0 | 10.0 |" in out
    assert "/accounts/login/" not in out
    # the table's period had no failure, the request log has one (it counts)
    assert "NOT met (p95 900 ms, 1 failures" in out
    assert "| 0–10 (ramp) | 10 | 1.0 | 900 | 900 | 0 |" in out
    assert "| 10–20 | 20 | 2.0 | 110 | 119 | 1 |" in out
    assert (
        "Whole run, ramp included: 30 requests, p50 115 ms, p95 900 ms, p99 900 ms, 1 fail" in out
    )
