"""The programme's indicators, their reporting periods and the values units report.

An indicator comes from the city pack (`targets.csv` + `indicators.csv`). It is either
*reported* (units submit a value each period, the office approves it) or *derived* (computed
from data the platform holds, see `derived.py`). A city target may be split across areas or
sectors (`IndicatorShare`); then each area or sector reports its own value and the city value
is their sum.

Every value keeps its history: a submission is never edited after approval; a correction is a
new submission that `replaces` the approved one, which becomes `superseded`.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    AT_LEAST = "at_least", _("不低于")
    AT_MOST = "at_most", _("不高于")


class Kind(models.TextChoices):
    REPORTED = "reported", _("填报")
    DERIVED = "derived", _("自动统计")


class Accumulation(models.TextChoices):
    CUMULATIVE = "cumulative", _("累计值")
    LEVEL = "level", _("时点/比率值")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("按月")
    QUARTERLY = "quarterly", _("按季度")


class Split(models.TextChoices):
    NONE = "", _("全市")
    AREA = "area", _("分板块")
    SECTOR = "sector", _("分领域")


class Indicator(models.Model):
    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("指标"), max_length=200)
    aspect = models.ForeignKey(
        "core.Aspect",
        verbose_name=_("行动方面"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
    )
    group = models.CharField(_("分组"), max_length=100, blank=True, help_text=_("如“总体目标”"))
    focus = models.CharField(_("重点方向"), max_length=100, blank=True)
    sectors = models.ManyToManyField(
        "core.Sector", verbose_name=_("相关领域"), blank=True, related_name="indicators"
    )
    unit = models.CharField(_("单位"), max_length=20)
    direction = models.CharField(
        _("方向"), max_length=16, choices=Direction.choices, default=Direction.AT_LEAST
    )
    strict = models.BooleanField(_("严格超过"), default=False, help_text=_("目标写作“超过/＞”"))
    target_value = models.DecimalField(_("目标值"), max_digits=20, decimal_places=4)
    target_text = models.CharField(_("目标原文"), max_length=50, blank=True)
    start_date = models.DateField(_("起始日期"))
    deadline = models.DateField(_("截止日期"))
    deadline_text = models.CharField(_("截止原文"), max_length=50, blank=True)
    baseline_value = models.DecimalField(
        _("基线值"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    baseline_date = models.DateField(_("基线日期"), null=True, blank=True)
    baseline_source = models.TextField(_("基线来源"), blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.REPORTED)
    source_key = models.CharField(_("统计口径"), max_length=64, blank=True)
    accumulation = models.CharField(
        _("数值性质"), max_length=16, choices=Accumulation.choices, default=Accumulation.CUMULATIVE
    )
    frequency = models.CharField(
        _("报送频率"), max_length=16, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    split = models.CharField(_("分解方式"), max_length=16, choices=Split.choices, blank=True)
    jump_band = models.DecimalField(
        _("波动阈值"),
        max_digits=6,
        decimal_places=3,
        default=0.5,
        help_text=_("与上期相比变动超过该比例（0.5 即 50%）时须填写说明"),
    )
    due_days = models.PositiveSmallIntegerField(
        _("报送期限（天）"), default=10, help_text=_("报告期结束后多少天内报送")
    )
    responsible = models.ManyToManyField(
        "accounts.Organisation", verbose_name=_("责任单位"), blank=True, related_name="indicators"
    )
    responsible_text = models.CharField(_("责任单位（原文）"), max_length=300, blank=True)
    source = models.TextField(_("来源"), blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("指标")
        verbose_name_plural = _("指标")

    def __str__(self) -> str:
        return self.name

    @property
    def is_derived(self) -> bool:
        return self.kind == Kind.DERIVED

    @property
    def group_label(self) -> str:
        return self.aspect.name if self.aspect_id else (self.group or str(_("总体目标")))


class IndicatorShare(models.Model):
    """The part of a city target assigned to one area or one sector."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="shares")
    area = models.ForeignKey(
        "core.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sector = models.ForeignKey(
        "core.Sector", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_value = models.DecimalField(_("分解目标"), max_digits=20, decimal_places=4)
    is_demo = models.BooleanField(_("示例数据"), default=False)

    class Meta:
        verbose_name = _("目标分解")
        verbose_name_plural = _("目标分解")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "area"], name="share_unique_area"),
            models.UniqueConstraint(fields=["indicator", "sector"], name="share_unique_sector"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.area or self.sector}"


class Period(models.Model):
    """A reporting period: a calendar month or quarter."""

    frequency = models.CharField(_("频率"), max_length=16, choices=Frequency.choices)
    start = models.DateField(_("开始"))
    end = models.DateField(_("结束"))
    label = models.CharField(_("名称"), max_length=30)
    key = models.CharField(_("编号"), max_length=10, help_text=_("如 2026-03、2026Q1"))

    class Meta:
        ordering = ["end", "frequency"]
        verbose_name = _("报告期")
        verbose_name_plural = _("报告期")
        constraints = [
            models.UniqueConstraint(fields=["frequency", "start"], name="period_unique_start"),
            models.UniqueConstraint(fields=["key"], name="period_unique_key"),
        ]

    def __str__(self) -> str:
        return self.label


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已审定")
    SUPERSEDED = "superseded", _("已被替代")


OPEN_STATUSES = (SubmissionStatus.DRAFT, SubmissionStatus.SUBMITTED, SubmissionStatus.RETURNED)


class Submission(models.Model):
    """One value of one indicator for one period and scope (the city, an area or a sector)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="submissions")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="submissions")
    area = models.ForeignKey(
        "core.Area",
        verbose_name=_("板块"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sector = models.ForeignKey(
        "core.Sector",
        verbose_name=_("领域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=4)
    note = models.TextField(_("说明"), blank=True)
    explanation = models.TextField(_("异常波动说明"), blank=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.DRAFT,
        db_index=True,
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("报送单位"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("替代"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    is_late = models.BooleanField(_("迟报"), default=False, help_text=_("提交时已过报送期限"))
    is_demo = models.BooleanField(_("示例数据"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period__end", "indicator__position", "id"]
        verbose_name = _("指标报送")
        verbose_name_plural = _("指标报送")
        indexes = [
            models.Index(fields=["indicator", "status", "period"], name="submission_ind_status"),
            models.Index(fields=["status", "period"], name="submission_status_period"),
            # covers the per-period tally of obligations (obligations._groups)
            models.Index(
                fields=["indicator", "period", "status", "is_late", "replaces"],
                name="submission_tally",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.period} · {self.scope_label}"

    @property
    def scope_label(self) -> str:
        if self.area_id:
            return self.area.name
        if self.sector_id:
            return self.sector.name
        return str(_("全市"))


class Evidence(models.Model):
    """A file backing a submitted value (a statistical table, a list of filings …)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), upload_to="programme/evidence/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    def __str__(self) -> str:
        return self.name


class ScopeSeries(models.Model):
    """The approved series of one reported indicator for one scope, kept in step with the
    submissions (`series.refresh`), so dashboards read a few thousand short rows instead of
    every value ever reported. Scope: the city (no area, no sector), an area or a sector. The
    city series of a split indicator is the sum over its scopes, each scope's last value carried
    forward. `points`: [[period end ISO date, value, scopes reported, scopes expected], ...]."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="series")
    area = models.ForeignKey("core.Area", null=True, on_delete=models.CASCADE, related_name="+")
    sector = models.ForeignKey("core.Sector", null=True, on_delete=models.CASCADE, related_name="+")
    points = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("指标序列")
        verbose_name_plural = _("指标序列")
        indexes = [models.Index(fields=["indicator", "area", "sector"], name="series_scope")]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.area or self.sector or '全市'}"


class Revision(models.Model):
    """A marker per kind of data, replaced by a fresh random number on every change (one
    indexed row to read), so each process can tell whether what it computed earlier is still
    current. Random rather than counting: a rolled-back change restores the old marker, whose
    results are still right, and a later change can never reuse a marker."""

    name = models.CharField(max_length=32, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("数据版本")
        verbose_name_plural = _("数据版本")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"

    @classmethod
    def bump(cls, name: str) -> None:
        value = secrets.randbits(62)
        if not cls.objects.filter(name=name).update(value=value):
            cls.objects.update_or_create(name=name, defaults={"value": value})

    @classmethod
    def current(cls, name: str) -> int:
        return cls.objects.filter(name=name).values_list("value", flat=True).first() or 0
