"""Reference data of the loaded city pack: sectors, areas, aspects, demander types."""

from __future__ import annotations

from ninja import Router

from .models import Area, Aspect, DemanderType, Sector, Tag
from .schemas import AreaOut, RefOut

router = Router(tags=["city pack"])


@router.get("/sectors", response=list[RefOut], auth=None, summary="重点领域")
def list_sectors(request):
    return Sector.objects.all()


@router.get("/areas", response=list[AreaOut], auth=None, summary="板块及其产业方向")
def list_areas(request):
    return Area.objects.all()


@router.get("/aspects", response=list[RefOut], auth=None, summary="行动方案的七个方面")
def list_aspects(request):
    return Aspect.objects.all()


@router.get("/demander-types", response=list[RefOut], auth=None, summary="需求方类型")
def list_demander_types(request):
    return DemanderType.objects.all()


@router.get("/tags", response=list[str], auth=None, summary="技术标签")
def list_tags(request):
    return list(Tag.objects.values_list("name", flat=True))
