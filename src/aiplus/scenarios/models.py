"""Scenario demands, supplier solutions, proposals, demand lists and roadshows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aiplus.core.models import ChoiceLabels

from .choices import (
    DemandStatus,
    ListStatus,
    Maturity,
    ProposalStatus,
    RoadshowStatus,
    Sensitivity,
    Visibility,
)


class Demand(ChoiceLabels, models.Model):
    """An AI application-scenario demand (场景需求) published by a demander organisation."""

    code = models.CharField(_("编号"), max_length=32, unique=True, blank=True)
    title = models.CharField(_("场景名称"), max_length=200)
    demander = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("需求单位"),
        on_delete=models.PROTECT,
        related_name="demands",
    )
    sector = models.ForeignKey(
        "core.Sector", verbose_name=_("所属领域"), on_delete=models.PROTECT, related_name="demands"
    )
    area = models.ForeignKey(
        "core.Area", verbose_name=_("所在板块"), on_delete=models.PROTECT, related_name="demands"
    )
    demander_type = models.ForeignKey(
        "core.DemanderType",
        verbose_name=_("需求方类型"),
        on_delete=models.PROTECT,
        related_name="demands",
    )
    pain_point = models.TextField(_("痛点与需求描述"))
    goals = models.TextField(_("建设目标"), blank=True)
    kpis = models.TextField(_("考核指标（KPI）"), blank=True)
    data_available = models.TextField(_("可提供的数据"), blank=True)
    data_sensitivity = models.CharField(
        _("数据敏感程度"), max_length=16, choices=Sensitivity.choices, default=Sensitivity.INTERNAL
    )
    site = models.CharField(_("应用场所"), max_length=200, blank=True)
    budget_min = models.DecimalField(
        _("预算下限（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    budget_max = models.DecimalField(
        _("预算上限（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    budget_confidential = models.BooleanField(_("预算保密"), default=False)
    start_date = models.DateField(_("计划开始"), null=True, blank=True)
    end_date = models.DateField(_("计划完成"), null=True, blank=True)
    acceptance_criteria = models.TextField(_("验收标准"), blank=True)
    involves_personal_info = models.BooleanField(_("涉及个人信息"), default=False)
    involves_medical_data = models.BooleanField(_("涉及医疗数据"), default=False)
    involves_minors = models.BooleanField(_("涉及未成年人"), default=False)
    needs_algorithm_filing = models.BooleanField(_("需算法备案"), default=False)
    tags = models.ManyToManyField(
        "core.Tag", verbose_name=_("技术标签"), blank=True, related_name="demands"
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    visibility = models.CharField(
        _("可见范围"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    # No single-column index: the list orders by publication and a status index would make
    # SQLite sort every public row instead of walking demand_pub_order_idx.
    status = models.CharField(
        _("状态"), max_length=16, choices=DemandStatus.choices, default=DemandStatus.DRAFT
    )
    review_note = models.TextField(_("审核意见"), blank=True)
    is_demo = models.BooleanField(_("示例数据"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("场景需求")
        verbose_name_plural = _("场景需求")
        indexes = [
            models.Index(fields=["-published_at", "-id"], name="demand_pub_order_idx"),
            models.Index(fields=["sector", "status"], name="demand_sector_status_idx"),
            models.Index(fields=["area", "status"], name="demand_area_status_idx"),
            # the public lists' filter: counted from the index alone (no table scan per page)
            models.Index(fields=["visibility", "status"], name="demand_visibility_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_min__isnull=True)
                | models.Q(budget_max__isnull=True)
                | models.Q(budget_min__lte=models.F("budget_max")),
                name="demand_budget_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("scenarios:demand_detail", args=[self.pk])

    @property
    def is_public(self) -> bool:
        from .choices import PUBLIC_STATUSES

        return self.status in PUBLIC_STATUSES and self.visibility == Visibility.PUBLIC


class DemandTransition(models.Model):
    """One move of a demand through its lifecycle: who moved it, when, from where to where."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=16, choices=DemandStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=DemandStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")

    def __str__(self) -> str:
        return f"{self.demand_id}: {self.from_status} → {self.to_status}"


class DemandList(models.Model):
    """A named batch of published demands (需求清单), e.g. 2025年苏州市人工智能应用场景需求清单."""

    name = models.CharField(_("清单名称"), max_length=200, unique=True)
    year = models.PositiveIntegerField(_("年度"))
    issuer = models.CharField(_("发布单位"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ListStatus.choices, default=ListStatus.DRAFT
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    demands = models.ManyToManyField(Demand, through="DemandListItem", related_name="lists")
    is_demo = models.BooleanField(_("示例数据"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name = _("需求清单")
        verbose_name_plural = _("需求清单")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("scenarios:list_detail", args=[self.pk])


class DemandListItem(models.Model):
    demand_list = models.ForeignKey(DemandList, on_delete=models.CASCADE, related_name="items")
    demand = models.ForeignKey(Demand, on_delete=models.PROTECT, related_name="list_items")
    position = models.PositiveIntegerField(_("序号"))

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["demand_list", "demand"], name="listitem_unique_demand"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.demand_list_id}#{self.position}"


class Solution(ChoiceLabels, models.Model):
    """A supplier's capability or solution (能力/解决方案)."""

    supplier = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("供给方"),
        on_delete=models.CASCADE,
        related_name="solutions",
    )
    title = models.CharField(_("方案名称"), max_length=200)
    summary = models.CharField(_("一句话介绍"), max_length=300)
    description = models.TextField(_("方案介绍"), blank=True)
    sectors = models.ManyToManyField(
        "core.Sector", verbose_name=_("适用领域"), blank=True, related_name="solutions"
    )
    tags = models.ManyToManyField(
        "core.Tag", verbose_name=_("技术标签"), blank=True, related_name="solutions"
    )
    maturity = models.CharField(
        _("成熟度"), max_length=16, choices=Maturity.choices, default=Maturity.PRODUCT
    )
    price_from = models.DecimalField(
        _("参考价格起（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    is_published = models.BooleanField(_("公开展示"), default=True)
    is_demo = models.BooleanField(_("示例数据"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("解决方案")
        verbose_name_plural = _("解决方案")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("scenarios:solution_detail", args=[self.pk])


class CaseStudy(models.Model):
    """A deployment of a solution at a customer, with outcome figures."""

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="cases")
    customer = models.CharField(_("客户"), max_length=200)
    customer_sector = models.ForeignKey(
        "core.Sector",
        verbose_name=_("客户领域"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    year = models.PositiveIntegerField(_("年份"), null=True, blank=True)
    outcome = models.TextField(_("成效"))
    metrics = models.JSONField(
        _("成效指标"),
        default=list,
        blank=True,
        help_text=_('如 [{"name": "检出率", "value": "99.2%"}]'),
    )

    class Meta:
        ordering = ["-year", "id"]
        verbose_name = _("应用案例")
        verbose_name_plural = _("应用案例")

    def __str__(self) -> str:
        return f"{self.customer}（{self.solution}）"


class Certification(models.Model):
    """A certification or qualification held by a supplier (专精特新, 高新技术企业, ISO 27001 …)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="certifications"
    )
    name = models.CharField(_("资质名称"), max_length=200)
    issuer = models.CharField(_("发证机构"), max_length=200, blank=True)
    number = models.CharField(_("证书编号"), max_length=100, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("资质认证")
        verbose_name_plural = _("资质认证")

    def __str__(self) -> str:
        return self.name


class Proposal(ChoiceLabels, models.Model):
    """A supplier's answer to a published demand (揭榜/方案响应)."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="proposals")
    supplier = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("供给方"),
        on_delete=models.CASCADE,
        related_name="proposals",
    )
    solution = models.ForeignKey(
        Solution,
        verbose_name=_("关联方案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    approach = models.TextField(_("技术路线与实施方案"))
    price = models.DecimalField(
        _("报价（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    duration_days = models.PositiveIntegerField(_("实施周期（天）"), null=True, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ProposalStatus.choices,
        default=ProposalStatus.SUBMITTED,
        db_index=True,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField(_("示例数据"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("揭榜方案")
        verbose_name_plural = _("揭榜方案")
        constraints = [
            models.UniqueConstraint(
                fields=["demand", "supplier"], name="proposal_one_per_supplier"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} → {self.demand}"


class Roadshow(models.Model):
    """A matchmaking roadshow (路演) with demands on its agenda and supplier registrations."""

    title = models.CharField(_("活动名称"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"))
    venue = models.CharField(_("地点"), max_length=200)
    area = models.ForeignKey(
        "core.Area",
        verbose_name=_("所在板块"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="roadshows",
    )
    sector = models.ForeignKey(
        "core.Sector",
        verbose_name=_("主题领域"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="roadshows",
    )
    description = models.TextField(_("活动介绍"), blank=True)
    capacity = models.PositiveIntegerField(_("供给方名额"), default=30)
    status = models.CharField(
        _("状态"), max_length=16, choices=RoadshowStatus.choices, default=RoadshowStatus.OPEN
    )
    demands = models.ManyToManyField(
        Demand, verbose_name=_("路演需求"), blank=True, related_name="roadshows"
    )
    is_demo = models.BooleanField(_("示例数据"), default=False)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("路演活动")
        verbose_name_plural = _("路演活动")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("scenarios:roadshow_detail", args=[self.pk])


class RoadshowRegistration(models.Model):
    """A supplier's registration for a roadshow, with the demands it asks to meet one-to-one."""

    roadshow = models.ForeignKey(Roadshow, on_delete=models.CASCADE, related_name="registrations")
    supplier = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="roadshow_registrations"
    )
    meetings = models.ManyToManyField(
        Demand, verbose_name=_("申请一对一洽谈的需求"), blank=True, related_name="+"
    )
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("路演报名")
        verbose_name_plural = _("路演报名")
        constraints = [
            models.UniqueConstraint(fields=["roadshow", "supplier"], name="registration_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} @ {self.roadshow}"


class Invitation(models.Model):
    """The office invites a supplier to answer a published demand (邀请揭榜)."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="invitations")
    supplier = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("供给方"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.FloatField(_("匹配得分"), null=True, blank=True)
    reason = models.CharField(_("推荐理由"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("揭榜邀请")
        verbose_name_plural = _("揭榜邀请")
        constraints = [
            models.UniqueConstraint(fields=["demand", "supplier"], name="invitation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} ← {self.demand}"


class Embedding(models.Model):
    """A demand's or solution's vector from one encoder, kept in the database so every app
    process (on any machine) can rebuild its index without re-encoding unchanged texts."""

    kind = models.CharField(max_length=16)  # "demands" | "solutions"
    object_id = models.PositiveBigIntegerField()
    model = models.CharField(max_length=100)
    text_hash = models.CharField(max_length=64)
    dim = models.PositiveIntegerField()
    vector = models.BinaryField()  # float32, little-endian
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "object_id"]
        verbose_name = _("语义向量")
        verbose_name_plural = _("语义向量")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "model"], name="embedding_unique_per_model"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}#{self.object_id} ({self.model})"
