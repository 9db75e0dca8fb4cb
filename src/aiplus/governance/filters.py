"""Search and filters of the algorithm filing registry, shared by the page and the API."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import AlgorithmFiling


def filter_filings(
    qs: QuerySet[AlgorithmFiling], *, q: str = "", kind: str = "", status: str = "", area: str = ""
) -> QuerySet[AlgorithmFiling]:
    """Search (name, model, number, organisation) and filters, shared with the page."""
    if q := (q or "").strip():
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(model_name__icontains=q)
            | Q(number__icontains=q)
            | Q(organisation__name__icontains=q)
        )
    if kind := (kind or "").strip():
        qs = qs.filter(kind=kind)
    if status := (status or "").strip():
        qs = qs.filter(status=status)
    if area := (area or "").strip():
        qs = qs.filter(organisation__area__code=area)
    return qs
