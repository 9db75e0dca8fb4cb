"""Policy documents API: the public library of policy texts, searched in full text (BM25 over
paragraphs, see `search.py`), and one document with its text and measures. Public: no
authentication is needed."""

from __future__ import annotations

from datetime import date

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from aiplus.core.schemas import ErrorOut, Page, PageParams, page

from . import search
from .models import PolicyDocument

router = Router(tags=["policies"])
LIST_COLUMNS = ("code", "title", "region", "issuer", "number", "published", "source_url")


class PolicyDocumentOut(Schema):
    code: str
    title: str
    region: str
    issuer: str
    number: str
    published: date | None
    source_url: str
    snippet: str | None = None  # with q: the best paragraph, HTML-escaped, terms in <mark>
    score: float | None = None  # with q: BM25 score of that paragraph


class DocumentMeasureOut(Schema):
    rule_id: str
    row: int | None
    title: str
    article: str
    clause: str
    beneficiary: str
    instrument: str
    responsible: str
    valid_from: date | None
    valid_to: date | None
    ruleable: bool
    manual: str


class PolicyDocumentDetailOut(Schema):
    code: str
    title: str
    region: str
    level: str
    issuer: str
    number: str
    published: date | None
    effective_from: date | None
    effective_to: date | None
    policy_type: str
    theme: str
    source_url: str
    notes: str
    text: str
    paragraphs: list[str]
    measures: list[DocumentMeasureOut]


DETAIL_COLUMNS = [
    n for n in PolicyDocumentDetailOut.model_fields if n not in ("paragraphs", "measures")
]


@router.get(
    "/policies/documents",
    response={200: Page[PolicyDocumentOut], 422: ErrorOut},
    auth=None,
    summary="政策文件列表与全文检索（q 按相关度排序，并给出命中的条款摘录）",
)
def list_documents(
    request,
    params: Query[PageParams],
    q: str | None = None,
    region: str | None = None,
    policy_type: str | None = None,
):
    q, region, policy_type = (
        search.clean_query(q)[:200],
        search.clean_query(region),
        search.clean_query(policy_type),
    )
    if q:
        hits = search.search(q, region=region or None, policy_type=policy_type or None)
        window = hits[params.offset : params.offset + params.limit]
        items = [
            {
                **{name: getattr(h.document, name) for name in LIST_COLUMNS},
                "snippet": h.snippet,
                "score": h.score,
            }
            for h in window
        ]
        return {"items": items, "count": len(hits)}
    qs = search.browse(region=region, policy_type=policy_type, columns=LIST_COLUMNS)
    return page(qs, params)


@router.get(
    "/policies/documents/{code}",
    response={200: PolicyDocumentDetailOut, 404: ErrorOut},
    auth=None,
    summary="政策文件详情：元数据、全文（分段）及其支持措施",
)
def get_document(request, code: str):
    document = get_object_or_404(PolicyDocument, code=code)
    data = {name: getattr(document, name) for name in DETAIL_COLUMNS}
    data["paragraphs"] = search.paragraphs(document.text)
    data["measures"] = list(search.measures_of(document))
    return data
