"""AI safety governance: algorithm filings (备案). Risk checklists follow in a later issue."""

from __future__ import annotations

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
