"""The home page: what the platform holds, by sector and by stage, for everyone."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import render

from aiplus.accounts.choices import OrgStatus, Role
from aiplus.accounts.models import Organisation
from aiplus.scenarios.choices import PUBLIC_STATUSES, DemandStatus, ListStatus, Visibility
from aiplus.scenarios.models import Demand, DemandList, Solution
from aiplus.scenarios.stats import public_demand_stats


def home(request):
    stats = public_demand_stats()
    public_qs = Demand.objects.filter(status__in=PUBLIC_STATUSES, visibility=Visibility.PUBLIC)
    context = {
        "stats": stats,
        "n_deployed": sum(
            r["count"]
            for r in stats["by_status"]
            if r["status"] in {DemandStatus.DEPLOYED, DemandStatus.PROMOTED}
        ),
        "n_suppliers": Organisation.objects.filter(
            kind=Role.SUPPLIER, status=OrgStatus.APPROVED
        ).count(),
        "n_solutions": Solution.objects.filter(is_published=True).count(),
        "latest": public_qs.select_related("sector", "area", "demander").order_by(
            "-published_at", "-id"
        )[:8],
        "lists": DemandList.objects.filter(status=ListStatus.PUBLISHED).annotate(n=Count("items"))[
            :5
        ],
        "chart": {
            "sectors": [r["name"] for r in stats["by_sector"]],
            "sector_counts": [r["count"] for r in stats["by_sector"]],
            "statuses": [{"name": r["label"], "value": r["count"]} for r in stats["by_status"]],
        },
    }
    return render(request, "core/home.html", context)
