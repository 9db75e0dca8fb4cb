from django.db import models
from django.utils.translation import gettext_lazy as _


class DemandStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    IN_REVIEW = "in_review", _("审核中")
    RETURNED = "returned", _("退回修改")
    PUBLISHED = "published", _("已发布")
    IN_TALKS = "in_talks", _("对接中")
    PILOT = "pilot", _("试点")
    DEPLOYED = "deployed", _("落地")
    PROMOTED = "promoted", _("推广")
    CLOSED = "closed", _("已关闭")


# Statuses in which a demand shows on public pages, in pipeline order.
PUBLIC_STATUSES = [
    DemandStatus.PUBLISHED,
    DemandStatus.IN_TALKS,
    DemandStatus.PILOT,
    DemandStatus.DEPLOYED,
    DemandStatus.PROMOTED,
]
PIPELINE = [
    DemandStatus.SUBMITTED,
    DemandStatus.IN_REVIEW,
    DemandStatus.PUBLISHED,
    DemandStatus.IN_TALKS,
    DemandStatus.PILOT,
    DemandStatus.DEPLOYED,
    DemandStatus.PROMOTED,
]


class Sensitivity(models.TextChoices):
    PUBLIC = "public", _("公开数据")
    INTERNAL = "internal", _("内部数据")
    SENSITIVE = "sensitive", _("敏感数据")
    PERSONAL = "personal", _("含个人信息")
    IMPORTANT = "important", _("重要数据")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("公开")
    REGISTERED = "registered", _("仅注册单位可见")
    PRIVATE = "private", _("仅专班可见")


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    SHORTLISTED = "shortlisted", _("入围")
    SELECTED = "selected", _("选定")
    DECLINED = "declined", _("未入选")
    WITHDRAWN = "withdrawn", _("已撤回")


class Maturity(models.TextChoices):
    CONCEPT = "concept", _("概念验证")
    PILOT = "pilot", _("试点验证")
    PRODUCT = "product", _("成熟产品")
    SCALE = "scale", _("规模化应用")


class ListStatus(models.TextChoices):
    DRAFT = "draft", _("编制中")
    PUBLISHED = "published", _("已发布")


class RoadshowStatus(models.TextChoices):
    PLANNED = "planned", _("筹备中")
    OPEN = "open", _("报名中")
    DONE = "done", _("已举办")
