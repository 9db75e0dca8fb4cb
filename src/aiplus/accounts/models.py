"""Organisations, the users who act for them, API tokens and login attempts."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import OrgStatus, Role


class Organisation(models.Model):
    """A body on the platform: programme office, district, demander, supplier or compute provider."""

    name = models.CharField(_("单位名称"), max_length=200, unique=True)
    kind = models.CharField(_("角色"), max_length=32, choices=Role.choices, db_index=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=OrgStatus.choices,
        default=OrgStatus.PENDING,
        db_index=True,
    )
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    area = models.ForeignKey(
        "core.Area",
        verbose_name=_("所在板块"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    demander_type = models.ForeignKey(
        "core.DemanderType",
        verbose_name=_("需求方类型"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    description = models.TextField(_("简介"), blank=True)
    website = models.URLField(_("网站"), blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("示例数据"), default=False)
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="organisation_credit_code_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_approved(self) -> bool:
        return self.status == OrgStatus.APPROVED


class User(AbstractUser):
    """A person who signs in and acts for one organisation."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机"), max_length=30, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def role(self) -> str | None:
        """The role this user may act in now; None until the organisation is approved."""
        if self.organisation_id and self.organisation.status == OrgStatus.APPROVED:
            return self.organisation.kind
        return None

    @property
    def is_office(self) -> bool:
        return self.role == Role.OFFICE or self.is_superuser


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=100, default="api")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class LoginAttempt(models.Model):
    """A sign-in attempt, kept for throttling and for the audit of access."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("登录记录")
        verbose_name_plural = _("登录记录")
        indexes = [models.Index(fields=["ip", "at"], name="loginattempt_ip_at_idx")]

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M} {'ok' if self.succeeded else 'fail'}"
