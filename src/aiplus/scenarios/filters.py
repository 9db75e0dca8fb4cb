"""The demand list filters shared by the pages and the API. (Issue #3 brings ranked search.)"""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import Q, QuerySet

from .models import Demand


def clean(text: str | None) -> str:
    """A query value without NUL characters (PostgreSQL refuses them) or outer spaces."""
    return (text or "").replace("\x00", "").strip()


def keyword_q(word: str) -> Q:
    """Match one keyword in a demand's title, description, demander or code.

    Chinese has no letter case, so a word without Latin letters uses LIKE rather than
    ILIKE/UPPER, which on PostgreSQL costs a case fold of every description scanned."""
    lookup = "icontains" if any(c.isascii() and c.isalpha() for c in word) else "contains"
    return (
        Q(**{f"title__{lookup}": word})
        | Q(**{f"pain_point__{lookup}": word})
        | Q(**{f"demander__name__{lookup}": word})
        | Q(code__iexact=word)
    )


def filter_demands(qs: QuerySet[Demand], params: Mapping[str, str | None]) -> QuerySet[Demand]:
    """Filter by sector, area and demander type (codes), status, and keywords (all must match)."""
    if sector := clean(params.get("sector")):
        qs = qs.filter(sector__code=sector)
    if area := clean(params.get("area")):
        qs = qs.filter(area__code=area)
    if demander_type := clean(params.get("demander_type")):
        qs = qs.filter(demander_type__code=demander_type)
    if status := clean(params.get("status")):
        qs = qs.filter(status=status)
    for word in clean(params.get("q")).split()[:10]:
        qs = qs.filter(keyword_q(word))
    return qs
