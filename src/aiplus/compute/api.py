"""Compute platform API (`/api/compute/…`): offers and programmes (public), centres and offers
(providers), applications (enterprises), voucher quotes, allocation runs (the office), orders,
usage reports (providers; idempotent by report id), the ledger and reports.

Amounts are yuan as JSON strings (Decimal). Lists are `{items, count}` with `limit`/`offset`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from aiplus.core.actions import require_approved
from aiplus.core.errors import PermissionDenied, ServiceError
from aiplus.core.schemas import ErrorOut, Page, PageParams, page

from . import allocate, exports, ledger, permissions, reports, services, vouchers
from .models import (
    AllocationItem,
    AllocationRun,
    Application,
    DataCentre,
    LedgerTransaction,
    Offer,
    OfferStatus,
    Order,
    UsageReport,
    VoucherProgramme,
)

router = Router(tags=["compute"])


def _errors(*codes: int) -> dict[int, Any]:
    return {code: ErrorOut for code in codes}


# --- schemas --------------------------------------------------------------------------------


class CentreIn(Schema):
    name: str = Field(max_length=200)
    area: str | None = Field(None, description="板块代码，如 xiangcheng")
    description: str = ""


class CentreOut(Schema):
    id: int
    name: str
    provider: str = Field(alias="provider.name")
    area: str | None = Field(None, alias="area.code")


class OfferIn(Schema):
    centre: int
    gpu_model: str
    cards: int
    price: Decimal = Field(description="元/卡时")
    available_from: date
    available_to: date
    note: str = ""


class OfferOut(Schema):
    id: int
    centre: str = Field(alias="centre.name")
    provider: str = Field(alias="centre.provider.name")
    area: str | None = Field(None, alias="centre.area.code")
    gpu_model: str
    cards: int
    price: Decimal
    available_from: date
    available_to: date
    status: str
    is_demo: bool


class ProgrammeOut(Schema):
    id: int
    code: str
    name: str
    rule_ids: list[str]
    valid_from: date
    valid_to: date
    planned_pool: Decimal = Field(alias="pool")
    pool_is_demo: bool
    description: str
    source: str


class ProgrammeBalanceOut(Schema):
    code: str
    funded: Decimal
    pool: Decimal = Field(description="尚未发放")
    held: Decimal = Field(description="已发放、尚未核销")
    redeemed: Decimal
    paid: Decimal


class ApplicationIn(Schema):
    accepted_models: list[str] | str = Field(description='如 ["H800", "A800"] 或 "H800|A800"')
    cards: int
    hours: int
    earliest_start: date
    latest_end: date
    max_price: Decimal | None = None
    purpose: str
    programme: str | None = Field(None, description="算力券计划编号，如 sz-compute-2026")
    scenario: int | None = None


class ApplicationOut(Schema):
    id: int
    enterprise: str = Field(alias="enterprise.name")
    programme: str | None = Field(None, alias="programme.code")
    accepted_models: list[str]
    cards: int
    hours: int
    earliest_start: date
    latest_end: date
    max_price: Decimal | None
    purpose: str
    status: str
    created_at: datetime


class QuoteIn(Schema):
    programme: str
    cost: Decimal = Field(gt=0, description="预计费用（元）")
    day: date


class QuoteOut(Schema):
    status: str
    amount: Decimal
    rule: str
    rule_title: str
    trace: list[str]
    needs: list[str]


class RunIn(Schema):
    programme: str | None = None
    start: date
    horizon: int = Field(allocate.HORIZON_DAYS, ge=1, le=allocate.MAX_HORIZON_DAYS)
    method: str = "milp"
    time_limit: float = Field(30, ge=1, le=600)
    previous: int | None = Field(None, description="在该方案基础上重新求解（保留锁定、去掉排除）")


class RunOut(Schema):
    id: int
    programme: str | None = Field(None, alias="programme.code")
    start: date
    method: str
    status: str
    figures: dict
    created_at: datetime


class ItemOut(Schema):
    id: int
    application: int = Field(alias="application_id")
    enterprise: str = Field(alias="application.enterprise.name")
    offer: int | None = Field(None, alias="offer_id")
    start: date | None
    end: date | None
    cost: Decimal
    voucher: Decimal
    pinned: bool
    excluded: bool


class ItemFlagsIn(Schema):
    pinned: bool | None = None
    excluded: bool | None = None


class OrderOut(Schema):
    id: int
    application: int = Field(alias="application_id")
    enterprise: str = Field(alias="application.enterprise.name")
    offer: int = Field(alias="offer_id")
    gpu_model: str = Field(alias="offer.gpu_model")
    start: date
    end: date
    cards: int
    hours: int
    price: Decimal
    estimated_cost: Decimal
    voucher_share: Decimal
    rule_id: str
    status: str
    held: Decimal = Field(description="尚未核销的算力券")


class UsageIn(Schema):
    order: int
    report_id: str = Field(max_length=100, description="供给方自己的报告编号：重复报送不会重复记账")
    period_start: date
    period_end: date
    card_hours: Decimal
    corrects: str | None = Field(None, description="更正的报告编号")


class UsageOut(Schema):
    id: int
    order: int = Field(alias="order_id")
    report_id: str
    period_start: date
    period_end: date
    card_hours: Decimal
    cost: Decimal
    voucher: Decimal
    corrects: int | None = Field(None, alias="corrects_id")
    created: bool = True


class UsageImportOut(Schema):
    created: int
    unchanged: int
    rows: int


class LedgerEntryOut(Schema):
    account: str
    amount: Decimal


class TransactionOut(Schema):
    id: int
    programme: str = Field(alias="programme.code")
    kind: str
    key: str
    enterprise: str | None = Field(None, alias="enterprise.name")
    order: int | None = Field(None, alias="order_id")
    usage: int | None = Field(None, alias="usage_id")
    reverses: int | None = Field(None, alias="reverses_id")
    year: int
    memo: str
    created_at: datetime
    entries: list[LedgerEntryOut]

    @staticmethod
    def resolve_entries(obj):
        return list(obj.entries.all())


class SpendOut(Schema):
    key: str
    amount: Decimal


class UtilisationOut(Schema):
    key: str
    offered: Decimal
    ordered: Decimal
    used: Decimal
    ordered_ratio: float
    used_ratio: float


class SupplierSubsidyOut(Schema):
    provider: str
    sales: Decimal = Field(description="平台订单金额（作为交易合同）")
    rule: str | None
    status: str | None
    amount: Decimal
    trace: list[str]
    needs: list[str]


class ReportOut(Schema):
    programmes: list[ProgrammeBalanceOut]
    supplier_subsidies: list[SupplierSubsidyOut] = Field(
        description="算力供给方交易补贴测算（政策规则引擎）"
    )
    by_area: list[SpendOut]
    by_enterprise: list[SpendOut]
    by_month: list[SpendOut]
    utilisation_by_model: list[UtilisationOut]
    utilisation_by_area: list[UtilisationOut]


# --- helpers --------------------------------------------------------------------------------


def _programme(code: str | None) -> VoucherProgramme | None:
    if not code:
        return None
    programme = VoucherProgramme.objects.filter(code=code).first()
    if programme is None:
        raise ServiceError(f"算力券计划“{code}”不存在。", {"programme": "不存在。"})
    return programme


def _office(request) -> None:
    permissions.require_office(request.user, "只有专班办公室可以查看。")


def _order_out(order: Order) -> Order:
    return ledger.with_balances([order])[0]


# --- public: offers and programmes ----------------------------------------------------------


@router.get("/compute/offers", response=Page[OfferOut], auth=None, summary="开放的算力资源")
def list_offers(request, params: Query[PageParams], gpu_model: str = "", area: str = ""):
    qs = Offer.objects.filter(status=OfferStatus.OPEN).select_related(
        "centre__provider", "centre__area"
    )
    if gpu_model:
        qs = qs.filter(gpu_model__iexact=gpu_model.strip())
    if area:
        qs = qs.filter(centre__area__code=area.strip())
    return page(qs.order_by("price", "id"), params)


@router.get("/compute/programmes", response=Page[ProgrammeOut], auth=None, summary="算力券计划")
def list_programmes(request, params: Query[PageParams]):
    return page(VoucherProgramme.objects.all(), params)


@router.post(
    "/compute/quote",
    response={200: QuoteOut, **_errors(400, 401, 403)},
    summary="测算本单位一笔算力费用可获的算力券（含计算过程）",
)
def quote(request, payload: QuoteIn):
    require_approved(request.user)
    if request.user.organisation_id is None:
        raise PermissionDenied("请以所属单位的身份测算。")
    programme = _programme(payload.programme)
    result = vouchers.quote(
        programme, request.user.organisation, ledger.fen(payload.cost), payload.day
    )
    return result.as_dict()


# --- providers ------------------------------------------------------------------------------


@router.post("/compute/centres", response={201: CentreOut, **_errors(400, 401, 403)})
def create_centre(request, payload: CentreIn):
    centre = services.create_centre(actor=request.user, data=payload.dict())
    return Status(201, centre)


@router.get("/compute/centres", response=Page[CentreOut], summary="本单位的算力中心")
def list_centres(request, params: Query[PageParams]):
    qs = DataCentre.objects.select_related("provider", "area")
    if not permissions.is_office(request.user):
        qs = qs.filter(provider_id=request.user.organisation_id)
    return page(qs, params)


@router.post("/compute/offers", response={201: OfferOut, **_errors(400, 401, 403, 404)})
def create_offer(request, payload: OfferIn):
    centre = get_object_or_404(DataCentre, pk=payload.centre)
    data = payload.dict(exclude={"centre"})
    return Status(201, services.save_offer(actor=request.user, centre=centre, data=data))


@router.put(
    "/compute/offers/{offer_id}", response={200: OfferOut, **_errors(400, 401, 403, 404, 409)}
)
def update_offer(request, offer_id: int, payload: OfferIn):
    offer = get_object_or_404(Offer, pk=offer_id)
    centre = get_object_or_404(DataCentre, pk=payload.centre)
    return services.save_offer(
        actor=request.user, centre=centre, offer=offer, data=payload.dict(exclude={"centre"})
    )


@router.post("/compute/offers/{offer_id}/close", response={200: OfferOut, **_errors(401, 403, 404)})
def close_offer(request, offer_id: int):
    return services.close_offer(actor=request.user, offer=get_object_or_404(Offer, pk=offer_id))


# --- applications ---------------------------------------------------------------------------


@router.post("/compute/applications", response={201: ApplicationOut, **_errors(400, 401, 403)})
def submit_application(request, payload: ApplicationIn):
    data = payload.dict()
    models = data["accepted_models"]
    data["accepted_models"] = "|".join(models) if isinstance(models, list) else models
    programme = _programme(data.pop("programme"))
    data["programme"] = programme.pk if programme else None
    return Status(201, services.submit_application(actor=request.user, data=data))


@router.get(
    "/compute/applications",
    response={200: Page[ApplicationOut], **_errors(403)},
    summary="本单位（专班：全部）的算力申请",
)
def list_applications(request, params: Query[PageParams], status: str = ""):
    require_approved(request.user)
    qs = Application.objects.select_related("enterprise", "programme")
    if not permissions.is_office(request.user):
        qs = qs.filter(enterprise_id=request.user.organisation_id)
    if status:
        qs = qs.filter(status=status)
    return page(qs, params)


@router.post(
    "/compute/applications/{app_id}/withdraw",
    response={200: ApplicationOut, **_errors(401, 403, 404, 409)},
)
def withdraw_application(request, app_id: int):
    application = get_object_or_404(Application, pk=app_id)
    return services.withdraw_application(actor=request.user, application=application)


# --- allocation runs (the office) -----------------------------------------------------------


@router.post(
    "/compute/runs",
    response={201: RunOut, **_errors(400, 401, 403, 404, 409)},
    summary="求解生成分配方案",
)
def propose_run(request, payload: RunIn):
    previous = get_object_or_404(AllocationRun, pk=payload.previous) if payload.previous else None
    run = allocate.propose(
        actor=request.user,
        programme=_programme(payload.programme),
        start=payload.start,
        horizon=payload.horizon,
        method=payload.method,
        time_limit=payload.time_limit,
        previous=previous,
    )
    return Status(201, run)


@router.get("/compute/runs", response={200: Page[RunOut], **_errors(403)})
def list_runs(request, params: Query[PageParams]):
    _office(request)
    return page(AllocationRun.objects.select_related("programme"), params)


@router.get("/compute/runs/{run_id}/items", response={200: Page[ItemOut], **_errors(403, 404)})
def run_items(request, run_id: int, params: Query[PageParams], served: bool | None = None):
    _office(request)
    run = get_object_or_404(AllocationRun, pk=run_id)
    qs = run.items.select_related("application__enterprise")
    if served is not None:
        qs = qs.filter(offer__isnull=not served)
    return page(qs, params)


@router.patch(
    "/compute/runs/{run_id}/items/{item_id}",
    response={200: ItemOut, **_errors(400, 401, 403, 404, 409)},
    summary="锁定或排除一项",
)
def flag_item(request, run_id: int, item_id: int, payload: ItemFlagsIn):
    item = get_object_or_404(AllocationItem, pk=item_id, run_id=run_id)
    return allocate.set_flags(
        actor=request.user, item=item, pinned=payload.pinned, excluded=payload.excluded
    )


@router.post(
    "/compute/runs/{run_id}/approve", response={200: RunOut, **_errors(401, 403, 404, 409)}
)
def approve_run(request, run_id: int):
    run = get_object_or_404(AllocationRun, pk=run_id)
    allocate.approve(actor=request.user, run=run)
    run.refresh_from_db()
    return run


class ExportOut(Schema):
    format: str
    filename: str
    content_type: str
    orders: int
    content: str = Field(description="sacctmgr 命令（sh）或 Kueue 清单（多文档 YAML）")


EXPORTS = {
    "slurm": (exports.slurm_commands, "text/x-shellscript", "sh"),
    "kueue": (exports.kueue_manifests, "application/yaml", "yaml"),
}


@router.get(
    "/compute/runs/{run_id}/export",
    response={200: ExportOut, **_errors(400, 401, 403, 404)},
    summary="导出为 Slurm（sacctmgr）或 Kueue（YAML）；供给方只得到本单位资源上的订单",
)
def export_run(request, run_id: int, fmt: str = Query("slurm", alias="format")):
    require_approved(request.user)
    run = get_object_or_404(AllocationRun, pk=run_id)
    if fmt not in EXPORTS:
        raise ServiceError("format 须为 slurm 或 kueue。", {"format": "可选：slurm、kueue。"})
    orders = list(
        run.orders.select_related("application__enterprise", "offer__centre").order_by("id")
    )
    if not permissions.is_office(request.user):
        if not permissions.is_provider(request.user):
            raise PermissionDenied("只有专班办公室和算力供给方可以导出。")
        provider = request.user.organisation_id
        orders = [o for o in orders if o.offer.centre.provider_id == provider]
    render, content_type, suffix = EXPORTS[fmt]
    return {
        "format": fmt,
        "filename": f"aiplus-run-{run.pk}-{fmt}.{suffix}",
        "content_type": content_type,
        "orders": len(orders),
        "content": render(orders),
    }


# --- orders and usage -----------------------------------------------------------------------


@router.get(
    "/compute/orders",
    response={200: Page[OrderOut], **_errors(403)},
    summary="订单（专班：全部；供给方：本单位资源上的；企业：本单位的）",
)
def list_orders(request, params: Query[PageParams]):
    require_approved(request.user)
    qs = Order.objects.select_related("application__enterprise", "offer__centre")
    user = request.user
    if not permissions.is_office(user):
        qs = qs.filter(
            Q(application__enterprise_id=user.organisation_id)
            | Q(offer__centre__provider_id=user.organisation_id)
        )
    window = page(qs, params)
    window["items"] = ledger.with_balances(window["items"])  # one query for the page
    return window


@router.post(
    "/compute/usage",
    response={200: UsageOut, 201: UsageOut, **_errors(400, 401, 403, 404, 409)},
    summary="报送用量（同一报告编号重复报送不重复记账）",
)
def report_usage(request, payload: UsageIn):
    order = services.order_or_404(payload.order)
    corrects = None
    if payload.corrects:
        corrects = UsageReport.objects.filter(
            order=order, report_id=payload.corrects.strip()
        ).first()
        if corrects is None:
            raise ServiceError(
                f"要更正的报告“{payload.corrects}”不存在。", {"corrects": "不存在。"}
            )
    report, created = services.report_usage(
        actor=request.user,
        order=order,
        data=payload.dict(exclude={"order", "corrects"}),
        corrects=corrects,
    )
    report.created = created
    return Status(201 if created else 200, report)


@router.post(
    "/compute/usage/import",
    response={200: UsageImportOut, **_errors(400, 401, 403)},
    summary="用 CSV 导入用量（全部校验通过才导入）",
)
def import_usage(request, file: File[UploadedFile]):
    if file.size > 5 * 1024 * 1024:
        raise ServiceError("文件不能超过 5 MB。")
    return services.import_usage_csv(actor=request.user, content=file.read())


@router.post(
    "/compute/orders/{order_id}/complete", response={200: OrderOut, **_errors(401, 403, 404, 409)}
)
def complete_order(request, order_id: int):
    order = services.complete_order(actor=request.user, order=services.order_or_404(order_id))
    return _order_out(order)


# --- ledger and reports ---------------------------------------------------------------------


@router.get(
    "/compute/ledger",
    response={200: Page[TransactionOut], **_errors(403)},
    summary="算力券账务（专班）",
)
def list_ledger(request, params: Query[PageParams], programme: str = "", kind: str = ""):
    _office(request)
    qs = LedgerTransaction.objects.select_related("programme", "enterprise").prefetch_related(
        "entries"
    )
    if programme:
        qs = qs.filter(programme__code=programme)
    if kind:
        qs = qs.filter(kind=kind)
    return page(qs, params)


@router.get(
    "/compute/reports",
    response={200: ReportOut, **_errors(400, 403)},
    summary="算力券支出与资源利用率（专班）",
)
def report(request, programme: str = ""):
    _office(request)
    chosen = _programme(programme) if programme else None
    spends = reports.programme_spend([chosen] if chosen else None)
    return {
        "programmes": [
            {
                "code": s.programme.code,
                "funded": s.funded,
                "pool": s.pool,
                "held": s.held,
                "redeemed": s.redeemed,
                "paid": s.paid,
            }
            for s in spends
        ],
        "by_area": [
            {"key": r["area"], "amount": r["amount"]} for r in reports.spend_by_area(chosen)
        ],
        "by_enterprise": [
            {"key": r["name"], "amount": reports.money(r["amount"])}
            for r in reports.spend_by_enterprise(chosen)[:50]
        ],
        "by_month": [
            {"key": r["month"], "amount": r["amount"]} for r in reports.spend_by_month(chosen)
        ],
        "supplier_subsidies": [
            {
                "provider": s.provider.name,
                "sales": s.sales,
                "rule": s.result.rule.id if s.result else None,
                "status": s.result.status if s.result else None,
                "amount": s.amount,
                "trace": [step.text for step in s.result.steps] if s.result else [],
                "needs": list(s.result.needs) if s.result else [],
            }
            for s in reports.supplier_subsidies()
        ],
        "utilisation_by_model": [_util(u) for u in reports.utilisation("gpu_model")],
        "utilisation_by_area": [_util(u) for u in reports.utilisation("area")],
    }


def _util(u) -> dict:
    return {
        "key": u.key,
        "offered": u.offered,
        "ordered": u.ordered,
        "used": u.used,
        "ordered_ratio": u.ordered_ratio,
        "used_ratio": u.used_ratio,
    }


class FundIn(Schema):
    amount: Decimal = Field(description="注入金额（元）")
    memo: str = ""
    request_id: str | None = Field(
        None, max_length=64, description="请求编号：同一编号重复提交只注入一次"
    )


@router.post(
    "/compute/programmes/{code}/fund",
    response={200: ProgrammeBalanceOut, **_errors(400, 401, 403, 404)},
    summary="向资金池注入资金（专班）",
)
def fund(request, code: str, payload: FundIn):
    programme = get_object_or_404(VoucherProgramme, code=code)
    services.fund_programme(actor=request.user, programme=programme, data=payload.dict())
    s = reports.programme_spend([programme])[0]
    return {
        "code": code,
        "funded": s.funded,
        "pool": s.pool,
        "held": s.held,
        "redeemed": s.redeemed,
        "paid": s.paid,
    }
