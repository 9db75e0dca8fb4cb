"""One way to paginate, for pages and for the API."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator


def paginate(request, queryset, per_page: int | None = None, param: str = "page"):
    """Page of `queryset` for ?page=N (or another parameter, for a second list on a page);
    out-of-range pages give the last page."""
    paginator = Paginator(queryset, per_page or settings.PAGE_SIZE)
    number = request.GET.get(param) or 1
    try:
        return paginator.page(number)
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)


def querystring_without_page(request, param: str = "page") -> str:
    params = request.GET.copy()
    params.pop(param, None)
    return params.urlencode()


class RankedRows(Sequence):
    """The rows of `queryset` whose primary keys are in `ids`, in the order of `ids` (a search
    engine's ranking), as a sequence the paginator can slice.

    Only the primary keys are checked against the queryset up front; a page loads just its own
    rows. Ordering in SQL instead (`CASE pk WHEN … THEN rank`) costs a clause per hit, hundreds
    of them, to build and to run for every page."""

    def __init__(self, queryset, ids):
        allowed = set(queryset.filter(pk__in=ids).order_by().values_list("pk", flat=True))
        self.queryset = queryset
        self.ids = [pk for pk in ids if pk in allowed]

    def __len__(self) -> int:
        return len(self.ids)

    def count(self) -> int:
        return len(self.ids)

    def __iter__(self):
        return iter(self[:])  # one query, not one per row as Sequence's own __iter__ would

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self.queryset.get(pk=self.ids[index])
        ids = self.ids[index]
        rows = {row.pk: row for row in self.queryset.filter(pk__in=ids)}
        return [rows[pk] for pk in ids if pk in rows]
