"""Reference data of a city pack, and the audit log every module writes to.

The city pack (`citypacks/<city>/`) is loaded by `aiplus load-citypack`; nothing city-specific is
hard-coded in Python. Each row keeps the source it came from.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _


class ChoiceLabels:
    """Model mixin: a faster `get_<field>_display`. Django's own builds a hashable copy of all
    the field's choices on every call, translating each label to hash it, which made the
    status column of a 20-row list cost over 200 translations; here the value-to-label map is
    built once per field and only the label shown is translated."""

    def _get_FIELD_display(self, field):  # noqa: N802 — the name Django's partialmethod calls
        value = getattr(self, field.attname)
        try:
            label = _choice_labels(field).get(value)
        except TypeError:  # an unhashable value: no label
            label = None
        return value if label is None else force_str(label, strings_only=True)


@cache
def _choice_labels(field) -> dict:
    return dict(field.flatchoices)


class ReferenceModel(models.Model):
    """A named code-list entry of a city pack (sector, area, aspect, demander type)."""

    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    position = models.PositiveIntegerField(_("排序"), default=0)
    source = models.TextField(_("来源"), blank=True)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Sector(ReferenceModel):
    """One of the key sectors of the city's "1+N" promotion system (e.g. 制造, 医疗)."""

    keywords = models.TextField(_("关键词"), blank=True, help_text=_("以分号分隔，用于自动分类"))

    class Meta(ReferenceModel.Meta):
        verbose_name = _("重点领域")
        verbose_name_plural = _("重点领域")


class Area(ReferenceModel):
    """A county-level city, district or development zone (板块) and its AI specialisations."""

    class Kind(models.TextChoices):
        COUNTY_CITY = "county-level city", _("县级市")
        DISTRICT = "district", _("区")
        ZONE = "development zone", _("开发区/园区")

    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    specialisations = models.JSONField(_("产业方向"), default=list, blank=True)

    class Meta(ReferenceModel.Meta):
        verbose_name = _("板块")
        verbose_name_plural = _("板块")


class Aspect(ReferenceModel):
    """One of the aspects (方面) of the action plan, e.g. 释放数据要素价值."""

    class Meta(ReferenceModel.Meta):
        verbose_name = _("行动方面")
        verbose_name_plural = _("行动方面")


class DemanderType(ReferenceModel):
    """The kind of body that publishes a demand (制造业龙头企业, 医院, 养老机构 …)."""

    class Meta(ReferenceModel.Meta):
        verbose_name = _("需求方类型")
        verbose_name_plural = _("需求方类型")


class Tag(models.Model):
    """A technology tag (机器视觉, 大模型 …) on demands, solutions and, later, catalogue entries."""

    name = models.CharField(_("名称"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("技术标签")
        verbose_name_plural = _("技术标签")

    def __str__(self) -> str:
        return self.name


class CityPack(models.Model):
    """Which city pack is loaded, with the digest of its files (so a reload is a no-op)."""

    code = models.SlugField(_("代码"), unique=True)
    name = models.CharField(_("城市"), max_length=50)
    programme_name = models.CharField(_("行动名称"), max_length=200, blank=True)
    digest = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("城市包")
        verbose_name_plural = _("城市包")

    def __str__(self) -> str:
        return self.name


class AuditEntry(models.Model):
    """One state change in the platform: who did what to which object, before and after."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, db_index=True)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
