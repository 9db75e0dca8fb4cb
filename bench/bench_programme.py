"""Benchmark programme monitoring at 200 indicators × 10 areas × 36 periods (72,000 values).

Measures, in one run and on the database selected by DATABASE_URL (SQLite by default):
- the dashboard page (/programme/) in steady state (progress cached until data changes) and
  cold (computed afresh for every request: the first view after any new value),
- the indicator list, one area-split indicator's page, the ten-area comparison, the late list,
- the API: /api/programme/indicators, /api/programme/progress,
- a bare Django view as the baseline (same middleware, same client).
Requests go through Django's test client in-process, logged in as the programme office.
Results are printed and written to docs/benchmarks.md. Target: dashboard p95 < 200 ms.

    .venv/bin/python bench/bench_programme.py [--indicators 200] [--periods 36] [--requests 100]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scenarios import commit, machine, setup_django, summary, write_block  # noqa: E402


def populate(n_indicators: int, n_periods: int, today: date) -> None:
    import random
    from datetime import timedelta
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from aiplus.core.citypack import load_citypack
    from aiplus.core.models import Area, Aspect
    from aiplus.programme import series, services
    from aiplus.programme.models import Indicator, IndicatorShare, Submission
    from aiplus.programme.periods import span_containing, spans

    load_citypack("suzhou")
    rng = random.Random(7)
    areas = list(Area.objects.all())
    aspects = list(Aspect.objects.all())
    last = span_containing("monthly", today).start - timedelta(days=1)
    start = last
    for _ in range(n_periods - 1):
        start = (start.replace(day=1) - timedelta(days=1)).replace(day=1)
    start = start.replace(day=1)
    months = spans("monthly", start, last)
    assert len(months) == n_periods, len(months)
    periods = [services.period_for(s) for s in months]
    now = timezone.now()
    with transaction.atomic():
        Indicator.objects.all().delete()
        inds = Indicator.objects.bulk_create(
            [
                Indicator(
                    code=f"bench-{i:03d}",
                    name=f"基准指标{i:03d}",
                    aspect=aspects[i % len(aspects)],
                    unit="个",
                    target_value=Decimal(1000 + 10 * i),
                    target_text=str(1000 + 10 * i),
                    start_date=start,
                    deadline=date(today.year, 12, 31),
                    split="area",
                    position=i,
                )
                for i in range(n_indicators)
            ]
        )
        IndicatorShare.objects.bulk_create(
            [
                IndicatorShare(indicator=ind, area=a, target_value=ind.target_value / len(areas))
                for ind in inds
                for a in areas
            ]
        )
        rows = []
        for ind in inds:
            pace = rng.uniform(0.7, 1.2)
            for a in areas:
                base = float(ind.target_value) / len(areas) * 0.3
                for k, period in enumerate(periods):
                    value = base + (float(ind.target_value) / len(areas) * pace - base) * (
                        (k + 1) / (n_periods + 1)
                    )
                    rows.append(
                        Submission(
                            indicator=ind,
                            period=period,
                            area=a,
                            value=Decimal(round(value)),
                            status="approved",
                            submitted_at=now,
                            reviewed_at=now,
                        )
                    )
        Submission.objects.bulk_create(rows, batch_size=2000)
        series.refresh_all()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(client, url: str, n: int, before=None) -> list[float]:
    for _ in range(3):
        if before:
            before()
        assert client.get(url).status_code == 200, url
    out = []
    for _ in range(n):
        if before:
            before()
        t0 = time.perf_counter()
        response = client.get(url)
        out.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, url
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--indicators", type=int, default=200)
    parser.add_argument("--periods", type=int, default=36)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()

    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_databases, teardown_databases
    from django.utils import timezone

    old = setup_databases(verbosity=0, interactive=False)
    try:
        engine = connection.vendor
        today = timezone.localdate()
        t0 = time.perf_counter()
        populate(args.indicators, args.periods, today)
        from aiplus.programme.models import Submission

        n_values = Submission.objects.count()
        print(f"[{engine}] populated {n_values:,} values in {time.perf_counter() - t0:.1f}s")
        from aiplus.accounts.models import Organisation, User

        org = Organisation.objects.create(name="基准专班", kind="office", status="approved")
        user = User.objects.create_user(username="bench-office", organisation=org)
        client = Client()
        client.force_login(user)
        n = args.requests

        def cold():
            from aiplus.programme import obligations, progress

            progress._memo.clear()
            obligations._memo.clear()

        cases = [
            ("bare Django view (baseline)", "/bench/bare/", None, n),
            ("dashboard /programme/ (steady state)", "/programme/", None, n),
            ("dashboard, cold (recomputed each time)", "/programme/", cold, max(10, n // 5)),
            ("indicator list", "/programme/indicators/", None, n),
            ("indicator page (10 areas)", "/programme/indicators/bench-007/", None, n),
            ("ten-area comparison", "/programme/areas/?indicator=bench-007", None, n),
            ("ten-area comparison, cold", "/programme/areas/?indicator=bench-007", cold, 10),
            ("late and missing list", "/programme/late/", None, n),
            ("late and missing list, cold", "/programme/late/", cold, 10),
            ("API /api/programme/indicators", "/api/programme/indicators?limit=20", None, n),
            ("API /api/programme/progress", "/api/programme/progress", None, n),
        ]
        rows = []
        base = None
        for label, url, before, count in cases:
            med, p95 = summary(timed(client, url, count, before))
            base = base or med
            rows.append((label, count, med, p95, med / base))
            print(
                f"[{engine}] {label:44s} median {med:8.2f} ms  p95 {p95:8.2f} ms  ×{med / base:.1f}"
            )
    finally:
        teardown_databases(old, verbosity=0)
    if not args.no_write:
        write_results(engine, args, rows, n_values)


def write_results(engine, args, rows, n_values) -> None:
    dashboard = next(r for r in rows if r[0].startswith("dashboard /programme/"))
    cold = next(r for r in rows if r[0].startswith("dashboard, cold"))
    lines = [
        f"### Programme monitoring — {engine} ({date.today().isoformat()}, commit {commit()})",
        "",
        f"Machine: {machine()}. {args.indicators} area-split indicators × 10 areas × "
        f"{args.periods} monthly periods = {n_values:,} approved values; requests through "
        "Django's test client in-process as the programme office; ratio = median ÷ the bare "
        "view's median in the same run.",
        "",
        "| case | requests | median ms | p95 ms | × bare view |",
        "|---|---:|---:|---:|---:|",
        *[
            f"| {label} | {c} | {med:.2f} | {p95:.2f} | {ratio:.1f} |"
            for label, c, med, p95, ratio in rows
        ],
        "",
        f"Dashboard p95 target < 200 ms: steady state **{dashboard[3]:.0f} ms**, cold "
        f"**{cold[3]:.0f} ms** (progress is recomputed in one pass after any change and cached "
        "per process until the data version changes).",
    ]
    write_block(f"programme:{engine}", lines)


if __name__ == "__main__":
    main()
