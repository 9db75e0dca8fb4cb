"""Public pages of the policy library: the document list with full-text search, and one
document with its text (query terms highlighted) and the measures the platform applies."""

from __future__ import annotations

import re

from django.shortcuts import get_object_or_404, render

from aiplus.core.pagination import paginate, querystring_without_page

from . import search
from .models import PolicyDocument

# A heading: a short line starting "一、", "（三）" or "第二章".
_HEADING = re.compile(
    r"^(第[一二三四五六七八九十百]+[章节条]|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)"
)
LIST_COLUMNS = (
    "code",
    "title",
    "region",
    "level",
    "issuer",
    "number",
    "published",
    "policy_type",
    "theme",
    "source_url",
)


def _distinct(field: str) -> list[str]:
    return list(
        PolicyDocument.objects.exclude(**{field: ""})
        .order_by(field)
        .values_list(field, flat=True)
        .distinct()
    )


def document_list(request):
    q = search.clean_query(request.GET.get("q"))[:200]
    region = search.clean_query(request.GET.get("region"))
    policy_type = search.clean_query(request.GET.get("policy_type"))
    if q:
        results = search.search(q, region=region or None, policy_type=policy_type or None)
    else:
        results = search.browse(region=region, policy_type=policy_type, columns=LIST_COLUMNS)
    page_obj = paginate(request, results)
    context = {
        "page_obj": page_obj,
        "searching": bool(q),
        "q": q,
        "region": region,
        "policy_type": policy_type,
        "regions": _distinct("region"),
        "policy_types": _distinct("policy_type"),
        "qs": querystring_without_page(request),
        "hx_target": "#results",
    }
    if request.headers.get("HX-Request"):
        return render(request, "policies/_document_results.html", context)
    return render(request, "policies/document_list.html", context)


def _is_heading(paragraph: str) -> bool:
    return bool(_HEADING.match(paragraph)) and len(paragraph) <= 40


def document_detail(request, code: str):
    document = get_object_or_404(PolicyDocument, code=code)
    q = search.clean_query(request.GET.get("q"))[:200]
    terms = search.query_terms(q) if q else []
    paragraphs = []
    for n, text in enumerate(search.paragraphs(document.text)):
        html = search.highlight(text, terms)
        paragraphs.append(
            {"n": n, "html": html, "heading": _is_heading(text), "matched": "<mark>" in html}
        )
    context = {
        "document": document,
        "q": q,
        "paragraphs": paragraphs,
        "matches": sum(p["matched"] for p in paragraphs),
        "measures": search.measures_of(document),
    }
    return render(request, "policies/document_detail.html", context)
