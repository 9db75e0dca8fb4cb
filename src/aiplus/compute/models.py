"""The public compute service platform (公共算力服务平台): providers' data centres and GPU offers,
enterprises' applications, voucher programmes (算力券) whose rules are policy-engine rules,
allocation runs proposed by the solver and approved by the office, orders, usage reports,
and the voucher ledger.

The ledger is double entry: every `LedgerTransaction` has entries summing to zero, and every
balance (a programme's pool, what an enterprise holds or has spent) is the sum of its account's
entries — no balance is stored. Entries are never edited: a correction is a transaction that
reverses another.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aiplus.accounts.models import Organisation
from aiplus.core.models import Area

MONEY = {"max_digits": 16, "decimal_places": 2}


class DataCentre(models.Model):
    """A compute centre of a provider (算力供给方), in one area."""

    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="data_centres", verbose_name=_("单位")
    )
    name = models.CharField(_("名称"), max_length=200)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("所在板块")
    )
    description = models.TextField(_("简介"), blank=True)
    is_demo = models.BooleanField(_("示例数据"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("算力中心")
        verbose_name_plural = _("算力中心")
        ordering = ["provider__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="compute_centre_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class OfferStatus(models.TextChoices):
    OPEN = "open", _("开放中")
    CLOSED = "closed", _("已下架")


class Offer(models.Model):
    """GPU cards a provider offers at a price per card-hour between two dates."""

    centre = models.ForeignKey(
        DataCentre, on_delete=models.PROTECT, related_name="offers", verbose_name=_("算力中心")
    )
    gpu_model = models.CharField(_("GPU 型号"), max_length=50, db_index=True)
    cards = models.PositiveIntegerField(_("卡数"))
    price = models.DecimalField(_("单价（元/卡时）"), max_digits=10, decimal_places=2)
    available_from = models.DateField(_("可用开始日期"))
    available_to = models.DateField(_("可用截止日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=OfferStatus.choices, default=OfferStatus.OPEN
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("示例数据"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("算力资源")
        verbose_name_plural = _("算力资源")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.centre} · {self.gpu_model} × {self.cards}"

    @property
    def provider(self) -> Organisation:
        return self.centre.provider


class VoucherProgramme(models.Model):
    """A voucher programme: a pool, dates, and the policy rules (by id) that decide who
    qualifies and for how much (ratio, caps, 就高不重复 are in the rules, with dated parameters)."""

    code = models.SlugField(_("编号"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    rule_ids = models.JSONField(_("适用规则"), default=list)
    pool = models.DecimalField(_("计划资金池（元）"), **MONEY, default=Decimal(0))
    pool_is_demo = models.BooleanField(_("资金池为示例"), default=False)
    valid_from = models.DateField(_("开始日期"))
    valid_to = models.DateField(_("截止日期"))
    description = models.TextField(_("说明"), blank=True)
    source = models.CharField(_("来源"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("算力券计划")
        verbose_name_plural = _("算力券计划")
        ordering = ["-valid_from", "code"]

    def __str__(self) -> str:
        return self.name


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待分配")
    ALLOCATED = "allocated", _("已分配")
    UNSERVED = "unserved", _("未能满足")
    WITHDRAWN = "withdrawn", _("已撤回")


class Application(models.Model):
    """An enterprise's request for compute: which GPU models will do, how many cards for how
    many hours, within which dates, at most which price."""

    enterprise = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="compute_applications",
        verbose_name=_("申请单位"),
    )
    programme = models.ForeignKey(
        VoucherProgramme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("申请算力券"),
    )
    accepted_models = models.JSONField(_("可用 GPU 型号"), default=list)
    cards = models.PositiveIntegerField(_("卡数"))
    hours = models.PositiveIntegerField(_("时长（小时）"))
    earliest_start = models.DateField(_("最早开始日期"))
    latest_end = models.DateField(_("最晚结束日期"))
    max_price = models.DecimalField(
        _("可接受最高单价（元/卡时）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    purpose = models.CharField(_("用途"), max_length=300)
    scenario = models.ForeignKey(
        "scenarios.Demand",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="compute_applications",
        verbose_name=_("关联场景"),
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    is_demo = models.BooleanField(_("示例数据"), default=False)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("算力申请")
        verbose_name_plural = _("算力申请")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise} · {'/'.join(self.accepted_models)} × {self.cards}"

    @property
    def days(self) -> int:
        return -(-self.hours // 24)

    @property
    def card_hours(self) -> int:
        return self.cards * self.hours


class RunStatus(models.TextChoices):
    PROPOSED = "proposed", _("待审定")
    APPROVED = "approved", _("已批准")
    DISCARDED = "discarded", _("已作废")


METHOD_LABELS = {"milp": _("整数规划（MILP）"), "heuristic": _("启发式")}


class AllocationRun(models.Model):
    """One solve of a batch of applications against the open offers, reviewed by the office."""

    programme = models.ForeignKey(
        VoucherProgramme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="runs",
        verbose_name=_("算力券计划"),
    )
    start = models.DateField(_("排期起点"))
    method = models.CharField(_("方法"), max_length=20)
    time_limit = models.FloatField(_("时间上限（秒）"), default=30)
    status = models.CharField(
        _("状态"), max_length=16, choices=RunStatus.choices, default=RunStatus.PROPOSED
    )
    figures = models.JSONField(_("结果指标"), default=dict)
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("分配方案")
        verbose_name_plural = _("分配方案")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"分配方案 #{self.pk}"

    @property
    def method_label(self) -> str:
        return str(METHOD_LABELS.get(self.method, self.method))


class AllocationItem(models.Model):
    """One application in a run: the offer and dates proposed (none: not served), the cost and
    the voucher; the office may pin it (kept on re-solve) or exclude it (left out)."""

    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="items")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, null=True, blank=True)
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    cost = models.DecimalField(**MONEY, default=Decimal(0))
    voucher = models.DecimalField(**MONEY, default=Decimal(0))
    pinned = models.BooleanField(_("锁定"), default=False)
    excluded = models.BooleanField(_("排除"), default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "application"], name="compute_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.run} · {self.application}"

    @property
    def served(self) -> bool:
        return self.offer_id is not None


class OrderStatus(models.TextChoices):
    ACTIVE = "active", _("执行中")
    COMPLETED = "completed", pgettext_lazy("order status", "已完成")
    CANCELLED = "cancelled", _("已取消")


class Order(models.Model):
    """An approved allocation: the enterprise runs on the offer between the dates; the voucher
    granted to it is held in the ledger until usage is settled or the order ends."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="order", verbose_name=_("申请")
    )
    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, related_name="orders", verbose_name=_("算力资源")
    )
    run = models.ForeignKey(AllocationRun, on_delete=models.PROTECT, related_name="orders")
    programme = models.ForeignKey(
        VoucherProgramme, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    rule_id = models.CharField(_("适用规则"), max_length=100, blank=True)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    cards = models.PositiveIntegerField(_("卡数"))
    hours = models.PositiveIntegerField(_("时长（小时）"))
    price = models.DecimalField(_("单价（元/卡时）"), max_digits=10, decimal_places=2)
    estimated_cost = models.DecimalField(_("预计费用（元）"), **MONEY)
    voucher_share = models.DecimalField(
        _("算力券支付比例"), max_digits=5, decimal_places=4, default=Decimal(0)
    )
    trace = models.JSONField(_("测算过程"), default=list)
    status = models.CharField(
        _("状态"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("算力订单")
        verbose_name_plural = _("算力订单")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"订单 #{self.pk}"

    @property
    def enterprise(self) -> Organisation:
        return self.application.enterprise


class UsageReport(models.Model):
    """Usage a provider reports for an order. `report_id` is the provider's own key: the same
    report sent twice is recognised and changes nothing. A correction is a new report that
    names the one it corrects; the ledger reverses the old settlement and books the new one."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="usage")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    report_id = models.CharField(_("报告编号"), max_length=100)
    period_start = models.DateField(_("计量开始"))
    period_end = models.DateField(_("计量结束"))
    card_hours = models.DecimalField(_("用量（卡时）"), max_digits=14, decimal_places=2)
    cost = models.DecimalField(_("费用（元）"), **MONEY)
    voucher = models.DecimalField(_("算力券支付（元）"), **MONEY)
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        verbose_name=_("更正"),
    )
    source = models.CharField(_("来源"), max_length=10, default="api")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("用量报告")
        verbose_name_plural = _("用量报告")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "report_id"], name="compute_usage_once")
        ]

    def __str__(self) -> str:
        return f"用量报告 {self.report_id}"

    @property
    def enterprise_pays(self) -> Decimal:
        return self.cost - self.voucher

    @property
    def is_current(self) -> bool:
        return not hasattr(self, "corrected_by")


class TxKind(models.TextChoices):
    FUND = "fund", _("注入资金池")
    GRANT = "grant", _("发放算力券")
    REDEEM = "redeem", _("核销")
    RELEASE = "release", _("退回资金池")
    SETTLE = "settle", _("与供给方结算")
    REVERSE = "reverse", _("冲正")


class LedgerTransaction(models.Model):
    """One movement of voucher money; its entries sum to zero. `key` makes a movement happen
    once however often it is asked for (an idempotent usage report, a repeated approval)."""

    programme = models.ForeignKey(
        VoucherProgramme, on_delete=models.PROTECT, related_name="transactions"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=TxKind.choices)
    key = models.CharField(max_length=150, unique=True)
    enterprise = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="transactions"
    )
    usage = models.ForeignKey(
        UsageReport, on_delete=models.PROTECT, null=True, blank=True, related_name="transactions"
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    year = models.PositiveIntegerField(_("年度"))
    memo = models.CharField(_("摘要"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("记账时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("算力券账务")
        verbose_name_plural = _("算力券账务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class LedgerEntry(models.Model):
    """One side of a transaction: `amount` is signed (a debit positive, a credit negative).
    Accounts: `budget` (where a pool's money comes from), `pool` (not yet granted),
    `granted:<org id>` (held for an enterprise's orders), `redeemed:<org id>` (spent by an
    enterprise, owed to providers)."""

    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    programme = models.ForeignKey(VoucherProgramme, on_delete=models.PROTECT, related_name="+")
    account = models.CharField(max_length=64)
    amount = models.DecimalField(**MONEY)

    class Meta:
        indexes = [models.Index(fields=["programme", "account"], name="compute_entry_account")]

    def __str__(self) -> str:
        return f"{self.account} {self.amount}"
