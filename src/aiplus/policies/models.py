"""Policy documents, their support measures (each backed by a rule of the city pack), and the
enterprise profiles rules are evaluated against.

The rules themselves live as YAML in `citypacks/<city>/rules/` and are evaluated by the pure
engine in `engine.py`; a `Measure` row mirrors one rule so pages, search and the API can list
and link measures, and keeps the rule's spec as loaded.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyDocument(models.Model):
    code = models.SlugField(_("编号"), max_length=32, unique=True, help_text=_("如 JS003"))
    title = models.CharField(_("标题"), max_length=300)
    region = models.CharField(_("地区"), max_length=50, blank=True)
    level = models.CharField(_("层级"), max_length=20, blank=True)
    issuer = models.CharField(_("发文机关"), max_length=200, blank=True)
    number = models.CharField(_("文号"), max_length=100, blank=True)
    published = models.DateField(_("发布日期"), null=True, blank=True)
    effective_from = models.DateField(_("施行日期"), null=True, blank=True)
    effective_to = models.DateField(_("有效期至"), null=True, blank=True)
    policy_type = models.CharField(_("文件类型"), max_length=50, blank=True)
    theme = models.CharField(_("主题"), max_length=100, blank=True)
    source_url = models.URLField(_("来源网址"), max_length=500, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    text = models.TextField(_("全文"), blank=True)
    digest = models.CharField(max_length=64, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published", "code"]
        verbose_name = _("政策文件")
        verbose_name_plural = _("政策文件")

    def __str__(self) -> str:
        return self.title


class Measure(models.Model):
    """One clause (条款) of a document as the platform applies it: a rule, or a clause that
    needs review, with the reason."""

    rule_id = models.SlugField(_("规则编号"), max_length=100, unique=True)
    document = models.ForeignKey(
        PolicyDocument,
        verbose_name=_("政策文件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="measures",
    )
    document_code = models.CharField(_("文件编号"), max_length=32, blank=True)
    row = models.PositiveIntegerField(_("清单序号"), null=True, blank=True)
    title = models.CharField(_("名称"), max_length=200)
    article = models.CharField(_("条目"), max_length=200, blank=True)
    clause = models.TextField(_("条款原文"))
    beneficiary = models.CharField(_("支持对象"), max_length=300, blank=True)
    instrument = models.CharField(_("支持方式"), max_length=50, blank=True)
    responsible = models.CharField(_("责任单位"), max_length=300, blank=True)
    valid_from = models.DateField(_("施行日期"), null=True, blank=True)
    valid_to = models.DateField(_("有效期至"), null=True, blank=True)
    exclusive = models.CharField(_("就高不重复分组"), max_length=100, blank=True)
    up_to = models.BooleanField(_("金额为上限"), default=False)
    manual = models.CharField(_("不能规则化的原因"), max_length=300, blank=True)
    spec = models.JSONField(_("规则"), default=dict)
    position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "rule_id"]
        verbose_name = _("支持措施")
        verbose_name_plural = _("支持措施")

    def __str__(self) -> str:
        return self.title

    @property
    def ruleable(self) -> bool:
        return not self.manual


class EnterpriseProfile(models.Model):
    """An organisation's facts (the vocabulary of `citypacks/<city>/rules/README.md`), which the
    rules are evaluated against. Facts the office has checked are `verified`: those enterprises
    can be told what they qualify for without applying (免申即享)."""

    organisation = models.OneToOneField(
        "accounts.Organisation",
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="enterprise_profile",
    )
    facts = models.JSONField(_("企业信息"), default=dict, blank=True)
    verified = models.BooleanField(_("已核验"), default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核验人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("企业画像")
        verbose_name_plural = _("企业画像")

    def __str__(self) -> str:
        return str(self.organisation)


class ProfileEvidence(models.Model):
    """A file backing an enterprise's facts (a contract, a certificate, a filing notice …)."""

    profile = models.ForeignKey(
        EnterpriseProfile, on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("文件"), upload_to="policies/evidence/%Y/%m/")
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


class Notice(models.Model):
    """The office telling an organisation it qualifies for a measure (免申即享): one per
    organisation and measure."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="policy_notices",
    )
    measure = models.ForeignKey(
        Measure, verbose_name=_("支持措施"), on_delete=models.CASCADE, related_name="notices"
    )
    amount = models.DecimalField(_("预计金额（元）"), max_digits=14, decimal_places=2, default=0)
    up_to = models.BooleanField(_("金额为上限"), default=False)
    message = models.TextField(_("通知内容"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发送人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("政策通知")
        verbose_name_plural = _("政策通知")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "measure"], name="policy_notice_once_per_measure"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.measure}"
