"""Read-only figures about scenarios, shared by the home page and the API."""

from __future__ import annotations

from django.db.models import Count, Q

from aiplus.core.models import Sector

from .choices import PUBLIC_STATUSES, Visibility
from .models import Demand


def public_demand_stats() -> dict:
    """Counts of public demands by sector (every sector, zeros included) and by status."""
    public = Q(demands__status__in=PUBLIC_STATUSES, demands__visibility=Visibility.PUBLIC)
    by_sector = [
        {"code": s.code, "name": s.name, "count": s.count}
        for s in Sector.objects.annotate(count=Count("demands", filter=public))
    ]
    counts = dict(
        Demand.objects.filter(status__in=PUBLIC_STATUSES, visibility=Visibility.PUBLIC)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    by_status = [
        {"status": s.value, "label": str(s.label), "count": counts.get(s.value, 0)}
        for s in PUBLIC_STATUSES
    ]
    return {
        "by_sector": by_sector,
        "by_status": by_status,
        "total": sum(row["count"] for row in by_status),
    }
