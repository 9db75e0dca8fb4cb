"""AI safety governance: algorithm filings (备案) and the risk checklists (风险检查清单) a demander
signs before a scenario goes to pilot and before it is deployed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AlgorithmFiling(models.Model):
    """A filing of a generative-AI service or deep-synthesis algorithm held by an organisation."""

    class Kind(models.TextChoices):
        GENERATIVE = "generative", _("生成式人工智能服务备案")
        DEEP_SYNTHESIS = "deep_synthesis", _("深度合成算法备案")
        RECOMMENDATION = "recommendation", _("算法推荐备案")

    class Status(models.TextChoices):
        FILED = "filed", _("已备案")
        PENDING = "pending", _("备案中")
        REVOKED = "revoked", _("已注销")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("备案主体"),
        on_delete=models.CASCADE,
        related_name="filings",
    )
    kind = models.CharField(_("备案类型"), max_length=32, choices=Kind.choices)
    name = models.CharField(_("算法/服务名称"), max_length=200)
    model_name = models.CharField(_("模型"), max_length=200, blank=True)
    number = models.CharField(_("备案号"), max_length=100, blank=True)
    filed_on = models.DateField(_("备案日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.FILED
    )
    is_demo = models.BooleanField(_("示例数据"), default=False)

    class Meta:
        ordering = ["-filed_on", "id"]
        verbose_name = _("算法备案")
        verbose_name_plural = _("算法备案")

    def __str__(self) -> str:
        return f"{self.name}（{self.number or self.get_status_display()}）"


class RiskChecklist(models.Model):
    """A demander's risk checklist for one scenario at one stage; the answers follow the items
    of `governance.checklist`. A scenario moves to pilot (deployment) only with its pilot
    (deployment) checklist signed."""

    class Stage(models.TextChoices):
        PILOT = "pilot", _("试点前")
        DEPLOYMENT = "deployment", _("落地前")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SIGNED = "signed", _("已签署")

    demand = models.ForeignKey(
        "scenarios.Demand",
        verbose_name=_("场景需求"),
        on_delete=models.CASCADE,
        related_name="risk_checklists",
    )
    stage = models.CharField(_("阶段"), max_length=16, choices=Stage.choices)
    answers = models.JSONField(_("检查结果"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签署人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("签署时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("风险检查清单")
        verbose_name_plural = _("风险检查清单")
        constraints = [
            models.UniqueConstraint(
                fields=["demand", "stage"], name="riskchecklist_unique_demand_stage"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="signed") | models.Q(signed_at__isnull=False),
                name="riskchecklist_signed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.demand}（{self.get_stage_display()}风险检查清单）"

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED
