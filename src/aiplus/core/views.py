"""The home page: what the platform holds, by sector and by stage, for everyone."""

from __future__ import annotations

from django.db.models import Count, Q
from django.shortcuts import render

from aiplus.accounts.choices import OrgStatus, Role
from aiplus.accounts.models import Organisation
from aiplus.scenarios.choices import PUBLIC_STATUSES, DemandStatus, ListStatus, Visibility
from aiplus.scenarios.models import Demand, DemandList, Solution

from .models import Sector


def public_demand_stats() -> dict:
    """Counts of public demands by sector and by status (home page and /api/stats/demands)."""
    public = Q(demands__status__in=PUBLIC_STATUSES, demands__visibility=Visibility.PUBLIC)
    by_sector = [
        {"code": s.code, "name": s.name, "count": s.n}
        for s in Sector.objects.annotate(n=Count("demands", filter=public))
    ]
    counts = dict(
        Demand.objects.filter(status__in=PUBLIC_STATUSES, visibility=Visibility.PUBLIC)
        .values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    by_status = [{"status": s.value, "label": str(s.label), "count": counts.get(s.value, 0)}
                 for s in PUBLIC_STATUSES]
    return {"by_sector": by_sector, "by_status": by_status, "total": sum(counts.values())}


def home(request):
    stats = public_demand_stats()
    public_qs = Demand.objects.filter(status__in=PUBLIC_STATUSES, visibility=Visibility.PUBLIC)
    context = {
        "stats": stats,
        "n_deployed": sum(r["count"] for r in stats["by_status"]
                          if r["status"] in {DemandStatus.DEPLOYED, DemandStatus.PROMOTED}),
        "n_suppliers": Organisation.objects.filter(kind=Role.SUPPLIER,
                                                   status=OrgStatus.APPROVED).count(),
        "n_solutions": Solution.objects.filter(is_published=True).count(),
        "latest": public_qs.select_related("sector", "area", "demander").order_by(
            "-published_at", "-id")[:8],
        "lists": DemandList.objects.filter(status=ListStatus.PUBLISHED).annotate(
            n=Count("items"))[:5],
        "chart": {
            "sectors": [r["name"] for r in stats["by_sector"]],
            "sector_counts": [r["count"] for r in stats["by_sector"]],
            "statuses": [{"name": r["label"], "value": r["count"]} for r in stats["by_status"]],
        },
    }
    return render(request, "core/home.html", context)
