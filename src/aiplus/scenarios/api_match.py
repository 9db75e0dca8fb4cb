"""Matchmaking API: ranked, explained matches, search, duplicate check, tag suggestions."""

from __future__ import annotations

from typing import Any, Literal

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field

from aiplus.core.auth import OptionalAuth
from aiplus.core.pagination import RankedRows
from aiplus.core.schemas import ErrorOut

from . import matching, permissions
from .choices import PUBLIC_STATUSES
from .filters import clean

router = Router(tags=["matching"])
ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class FeatureOut(Schema):
    key: str
    label: str
    value: float
    detail: list[str] = []


class TermOut(Schema):
    term: str
    bm25: float


class ExplanationOut(Schema):
    text_zh: str
    text_score: float
    text_contribution: float
    dense: float | None
    matched_terms: list[TermOut]
    matched_tags: list[str]
    features: list[FeatureOut]
    lines: list[str]


class MatchOut(Schema):
    id: int
    title: str
    score: float
    organisation: str
    url: str
    explanation: ExplanationOut


class MatchList(Schema):
    items: list[MatchOut]
    count: int
    engine: dict[str, Any]


class SearchHit(Schema):
    id: int
    title: str
    url: str


class MatchSearchOut(Schema):
    items: list[SearchHit]
    count: int


class SimilarIn(Schema):
    title: str = Field("", max_length=200)
    text: str = Field("", max_length=20000)
    exclude_id: int | None = None


class SimilarOut(Schema):
    id: int
    title: str
    similarity: float
    url: str


class SuggestIn(Schema):
    text: str = Field(min_length=1, max_length=20000)


class SectorSuggestion(Schema):
    code: str
    name: str
    confidence: float
    source: str
    evidence: list[str]


class TagSuggestion(Schema):
    name: str
    confidence: float
    source: str
    evidence: list[str]


class SuggestOut(Schema):
    sectors: list[SectorSuggestion]
    tags: list[TagSuggestion]


class MatchParams(Schema):
    k: int = Field(10, ge=1, le=50)


class SearchParams(Schema):
    q: str = Field(..., min_length=1, max_length=200)
    type: Literal["demands", "solutions"] = "demands"
    limit: int = Field(20, ge=1, le=100)


def _out(ranked: list[matching.Ranked], organisation) -> dict:
    return {
        "items": [
            {
                "id": r.obj.pk,
                "title": r.obj.title,
                "score": r.score,
                "organisation": organisation(r.obj).name,
                "url": r.obj.get_absolute_url(),
                "explanation": r.explanation,
            }
            for r in ranked
        ],
        "count": len(ranked),
        "engine": matching.status(),
    }


@router.get(
    "/match/demands/{demand_id}",
    response={200: MatchList, **ERRORS},
    auth=OptionalAuth(),
    summary="为需求推荐解决方案（含得分构成与中文解释）",
)
def match_demand(request, demand_id: int, params: Query[MatchParams]):
    demand = get_object_or_404(permissions.demands_visible_to(request.user), pk=demand_id)
    return _out(matching.solutions_for_demand(demand, k=params.k), lambda s: s.supplier)


@router.get(
    "/match/solutions/{solution_id}",
    response={200: MatchList, **ERRORS},
    auth=OptionalAuth(),
    summary="为解决方案推荐对接中的需求",
)
def match_solution(request, solution_id: int, params: Query[MatchParams]):
    solution = get_object_or_404(permissions.solutions_visible_to(request.user), pk=solution_id)
    return _out(
        matching.demands_for_solution(solution, request.user, k=params.k), lambda d: d.demander
    )


@router.get(
    "/search",
    response={200: MatchSearchOut, **ERRORS},
    auth=OptionalAuth(),
    summary="全文检索（中文分词 + BM25，配置语义模型时融合向量）",
)
def search(request, params: Query[SearchParams]):
    query, kind = clean(params.q), params.type
    if kind == "demands":
        visible = permissions.demands_visible_to(request.user).filter(status__in=PUBLIC_STATUSES)
    else:
        visible = permissions.solutions_visible_to(request.user)
    ids = matching.search_ids(kind, query, k=500) if query else []
    # count every visible hit, but load only the rows of the page (title and id)
    rows = RankedRows(visible.only("pk", "title"), ids)
    items = [
        {"id": row.pk, "title": row.title, "url": row.get_absolute_url()}
        for row in rows[: params.limit]
    ]
    return {"items": items, "count": len(rows)}


@router.post(
    "/similar",
    response={200: list[SimilarOut], **ERRORS},
    auth=OptionalAuth(),
    summary="查重：与已有需求相似的条目",
)
def similar(request, payload: SimilarIn):
    exclude = (payload.exclude_id,) if payload.exclude_id else ()
    pairs = matching.similar_demands(
        clean(payload.title), clean(payload.text), user=request.user, exclude=exclude
    )
    return [
        {"id": d.pk, "title": d.title, "similarity": item.similarity, "url": d.get_absolute_url()}
        for d, item in pairs
    ]


@router.post(
    "/suggest-tags",
    response={200: SuggestOut, **ERRORS},
    auth=OptionalAuth(),
    summary="为新需求或方案建议领域与技术标签（由用户确认）",
)
def suggest_tags(request, payload: SuggestIn):
    return matching.suggest_tags(clean(payload.text))
