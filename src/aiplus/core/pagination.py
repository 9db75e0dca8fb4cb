"""One way to paginate, for pages and for the API."""

from __future__ import annotations

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
