from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The role a user acts in: the kind of organisation they belong to (DESIGN.md, 'Who uses it')."""

    OFFICE = "office", _("专班办公室")
    DISTRICT = "district", _("板块主管")
    DEMANDER = "demander", _("需求方")
    SUPPLIER = "supplier", _("供给方")
    COMPUTE_PROVIDER = "compute_provider", _("算力供给方")


class OrgStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")
    SUSPENDED = "suspended", _("已停用")
