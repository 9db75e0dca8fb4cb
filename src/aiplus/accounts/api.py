"""Tokens, the current user, organisation registration and review."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.responses import Status

from aiplus.core.auth import OptionalAuth
from aiplus.core.errors import PermissionDenied, ServiceError
from aiplus.core.models import Area, DemanderType
from aiplus.core.schemas import ErrorOut, Page, PageParams, page

from . import services
from .choices import OrgStatus
from .models import Organisation
from .schemas import MeOut, OrganisationOut, RegisterIn, ReviewIn, TokenIn, TokenOut

router = Router(tags=["accounts"])


@router.post(
    "/auth/token",
    response={201: TokenOut, 400: ErrorOut, 403: ErrorOut},
    auth=None,
    summary="用户名和密码换取 API 令牌",
)
def create_token(request, payload: TokenIn):
    user = services.authenticate_throttled(
        request=request,
        username=payload.username,
        password=payload.password,
        ip=services.client_ip(request),
    )
    token = services.issue_token(user=user, name=payload.name)
    return Status(201, {"token": token, "username": user.username, "role": user.role})


@router.get("/me", response=MeOut, summary="当前用户")
def me(request):
    user = request.auth if hasattr(request.auth, "pk") else request.user
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "role": "office" if user.is_superuser else user.role,
        "organisation": user.organisation,
    }


@router.post(
    "/organisations/register",
    response={201: OrganisationOut, 400: ErrorOut},
    auth=None,
    summary="注册新单位（待专班审核）",
)
def register(request, payload: RegisterIn):
    def ref(model, pk):
        if pk is None:
            return None
        obj = model.objects.filter(pk=pk).first()
        if obj is None:
            raise ServiceError("注册信息有误。", {f"{model._meta.model_name}_id": "不存在。"})
        return obj

    user = services.register_organisation(
        name=payload.name,
        kind=payload.kind,
        username=payload.username,
        password=payload.password,
        display_name=payload.display_name,
        email=payload.email,
        credit_code=payload.credit_code,
        area=ref(Area, payload.area_id),
        demander_type=ref(DemanderType, payload.demander_type_id),
        description=payload.description,
        contact_phone=payload.contact_phone,
    )
    return Status(201, user.organisation)


@router.get(
    "/organisations",
    response={200: Page[OrganisationOut], 401: ErrorOut},
    auth=OptionalAuth(),
    summary="单位名录（公众只能看到已通过审核的单位）",
)
def list_organisations(
    request, params: Query[PageParams], kind: str | None = None, status: str | None = None
):
    qs = Organisation.objects.all()
    user = request.user
    if not (user.is_authenticated and user.is_office):
        qs = qs.filter(status=OrgStatus.APPROVED)
    elif status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return page(qs.order_by("name"), params)


@router.post(
    "/organisations/{org_id}/review",
    response={200: OrganisationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="专班审核单位注册",
)
def review(request, org_id: int, payload: ReviewIn):
    user = request.user
    if not user.is_office:
        raise PermissionDenied("只有专班办公室可以审核单位注册。")
    org = get_object_or_404(Organisation, pk=org_id)
    return services.review_organisation(
        actor=user, organisation=org, approve=payload.approve, note=payload.note
    )
