"""The data and model platforms (数据平台及模型平台): datasets and corpora, models and application
demos published by organisations, each with a card, versions and files, a quality assessment,
its data-exchange listing if traded, and links to the scenarios that need or use it.

Files of an entry that is not open are served only to members of the owner, the office, and
organisations whose access request the owner approved (`permissions.can_download`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aiplus.accounts.models import Organisation
from aiplus.core.models import ChoiceLabels, Sector, Tag

from .choices import (
    DATA_KINDS,
    PASSING_GRADES,
    Access,
    Grade,
    Kind,
    Licence,
    RequestStatus,
    Status,
    Task,
)

MONEY = {"max_digits": 16, "decimal_places": 2}


class Entry(ChoiceLabels, models.Model):
    """One catalogue entry: a dataset, corpus, model or application demo."""

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, db_index=True)
    title = models.CharField(_("名称"), max_length=200)
    owner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="catalogue_entries",
        verbose_name=_("所属单位"),
    )
    sector = models.ForeignKey(
        Sector,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="catalogue_entries",
        verbose_name=_("领域"),
    )
    summary = models.CharField(_("一句话介绍"), max_length=300)
    description = models.TextField(_("详细介绍"), blank=True)
    task = models.CharField(_("任务"), max_length=32, choices=Task.choices, db_index=True)
    languages = models.JSONField(_("语言"), default=list, blank=True)
    size = models.CharField(
        _("规模"), max_length=200, blank=True, help_text=_("如：12 万张图像、35 GB；7B 参数")
    )
    record_count = models.PositiveBigIntegerField(_("记录/样本数"), null=True, blank=True)
    byte_size = models.PositiveBigIntegerField(_("数据量（字节）"), null=True, blank=True)
    licence = models.CharField(_("许可"), max_length=32, choices=Licence.choices)
    access = models.CharField(
        _("开放级别"), max_length=16, choices=Access.choices, default=Access.OPEN, db_index=True
    )
    landing_page = models.URLField(_("主页"), blank=True)
    tags = models.ManyToManyField(
        Tag, blank=True, related_name="catalogue_entries", verbose_name=_("技术标签")
    )
    # models only
    base_model = models.CharField(_("基础模型"), max_length=200, blank=True)
    parameters = models.CharField(_("参数规模"), max_length=50, blank=True)
    is_vertical = models.BooleanField(
        _("垂类模型"), default=False, help_text=_("面向某一行业或领域的垂类大模型")
    )
    filing = models.ForeignKey(
        "governance.AlgorithmFiling",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="catalogue_entries",
        verbose_name=_("算法备案"),
    )
    # the card (data card / model card)
    intended_use = models.TextField(_("预期用途"), blank=True)
    out_of_scope = models.TextField(_("不适用范围"), blank=True)
    data_sources = models.TextField(_("数据来源"), blank=True)
    evaluation = models.TextField(_("评测结果"), blank=True)
    risks = models.TextField(_("风险与局限"), blank=True)
    # quality assessment (by the office or an assessor it names)
    quality_scores = models.JSONField(_("质量评分"), default=dict, blank=True)
    quality_grade = models.CharField(
        _("质量等级"), max_length=1, choices=Grade.choices, blank=True, db_index=True
    )
    quality_note = models.TextField(_("评估意见"), blank=True)
    assessed_by = models.CharField(_("评估机构"), max_length=200, blank=True)
    assessed_on = models.DateField(_("评估日期"), null=True, blank=True)
    # data-exchange listing (数据交易所挂牌), if traded
    exchange = models.CharField(_("挂牌交易所"), max_length=100, blank=True)
    exchange_code = models.CharField(_("挂牌编号"), max_length=100, blank=True)
    exchange_price = models.DecimalField(_("挂牌价格（元）"), **MONEY, null=True, blank=True)
    exchange_listed_on = models.DateField(_("挂牌日期"), null=True, blank=True)
    exchange_url = models.URLField(_("挂牌链接"), blank=True)
    # links to scenarios
    demands = models.ManyToManyField(
        "scenarios.Demand",
        blank=True,
        related_name="catalogue_entries",
        verbose_name=_("需要它的场景需求"),
    )
    solutions = models.ManyToManyField(
        "scenarios.Solution",
        blank=True,
        related_name="catalogue_entries",
        verbose_name=_("使用它的解决方案"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    withdrawn_by_office = models.BooleanField(
        _("专班下架"), default=False, help_text=_("专班下架的条目须专班恢复")
    )
    withdrawn_note = models.CharField(_("下架原因"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("示例数据"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("目录条目")
        verbose_name_plural = _("目录条目")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "kind", "title"], name="catalogue_entry_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(exchange_price__isnull=True) | models.Q(exchange_price__gte=0),
                name="catalogue_exchange_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_data(self) -> bool:
        return self.kind in DATA_KINDS

    @property
    def is_model(self) -> bool:
        return self.kind == Kind.MODEL

    @property
    def is_high_quality(self) -> bool:
        return self.quality_grade in PASSING_GRADES

    @property
    def is_listed(self) -> bool:
        return bool(self.exchange)

    def card(self) -> list[tuple[str, str]]:
        """The card's sections as (heading, text), in order."""
        names = ["intended_use", "out_of_scope", "data_sources", "evaluation", "risks"]
        return [(self._meta.get_field(n).verbose_name, getattr(self, n)) for n in names]

    def latest_version(self) -> Version | None:
        return self.versions.order_by("-released_on", "-id").first()


class Version(models.Model):
    """A released version of an entry, with what changed; files belong to a version."""

    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="versions", verbose_name=_("条目")
    )
    version = models.CharField(_("版本号"), max_length=50)
    released_on = models.DateField(_("发布日期"), default=timezone.localdate)
    notes = models.TextField(_("更新说明"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-released_on", "-id"]
        verbose_name = _("版本")
        verbose_name_plural = _("版本")
        constraints = [
            models.UniqueConstraint(fields=["entry", "version"], name="catalogue_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.entry} v{self.version}"


def _file_path(instance: File, filename: str) -> str:
    return f"catalogue/{instance.version.entry_id}/{instance.version_id}/{filename}"


class File(models.Model):
    """A file of a version: uploaded here, or an external location (URL) the owner gives."""

    version = models.ForeignKey(
        Version, on_delete=models.CASCADE, related_name="files", verbose_name=_("版本")
    )
    name = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(_("文件"), upload_to=_file_path, blank=True)
    url = models.URLField(_("外部地址"), max_length=500, blank=True)
    byte_size = models.PositiveBigIntegerField(_("大小（字节）"), null=True, blank=True)
    media_type = models.CharField(_("格式"), max_length=100, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("文件")
        verbose_name_plural = _("文件")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(file="") | ~models.Q(url=""), name="catalogue_file_has_location"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def entry(self) -> Entry:
        return self.version.entry


class AccessRequestQuerySet(models.QuerySet):
    def granting(self, on=None) -> models.QuerySet:
        """Approved requests that grant the files on `on` (default today): not expired, and for a
        restricted entry only with the signed agreement and an end date — a grant made while
        the entry was merely "on request" does not carry over when it becomes restricted."""
        day = on or timezone.localdate()
        return (
            self.filter(status=RequestStatus.APPROVED)
            .filter(models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day))
            .exclude(
                models.Q(entry__access=Access.RESTRICTED)
                & (models.Q(valid_until__isnull=True) | models.Q(agreement=""))
            )
        )


class AccessRequest(models.Model):
    """An organisation asks the owner for the files of an entry that is not open."""

    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="access_requests", verbose_name=_("条目")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="catalogue_requests",
        verbose_name=_("申请单位"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("申请人"),
    )
    purpose = models.TextField(_("用途说明"))
    agreement = models.FileField(_("数据使用协议"), upload_to="catalogue/agreements/", blank=True)
    agreement_name = models.CharField(_("协议文件名"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=RequestStatus.choices,
        default=RequestStatus.PENDING,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    objects = AccessRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("使用申请")
        verbose_name_plural = _("使用申请")
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "organisation"],
                condition=models.Q(status="pending"),
                name="catalogue_one_pending_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.entry}"

    def grants_access(self, on=None) -> bool:
        """Whether this request grants the files now (or on `on`): `AccessRequestQuerySet.
        granting`, the one rule `permissions.approved_request` also uses."""
        return AccessRequest.objects.filter(pk=self.pk).granting(on).exists()


class Download(models.Model):
    """Who fetched which file when: the owner's and the office's record of access."""

    file = models.ForeignKey(File, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    via = models.CharField(max_length=8, default="web")  # web | api
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("下载记录")
        verbose_name_plural = _("下载记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.file}"


__all__ = ["Access", "AccessRequest", "Download", "Entry", "File", "Grade", "Kind", "Version"]
