"""Code lists of the catalogue: kinds of entries, access levels, tasks, licences, quality."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    DATASET = "dataset", _("数据集")
    CORPUS = "corpus", _("语料库")
    MODEL = "model", _("模型")
    DEMO = "demo", _("应用示范")


DATA_KINDS = (Kind.DATASET, Kind.CORPUS)


class Access(models.TextChoices):
    """Who may have the files: anyone; whoever the owner approves; whoever the owner approves
    with a signed data-use agreement and for a limited time."""

    OPEN = "open", _("开放")
    ON_REQUEST = "on_request", _("申请使用")
    RESTRICTED = "restricted", _("受限")


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已下架")


class Task(models.TextChoices):
    TEXT_GENERATION = "text-generation", _("文本生成")
    QUESTION_ANSWERING = "question-answering", _("问答")
    INFORMATION_EXTRACTION = "information-extraction", _("信息抽取")
    TEXT_CLASSIFICATION = "text-classification", _("文本分类")
    TRANSLATION = "translation", _("机器翻译")
    SPEECH_RECOGNITION = "speech-recognition", _("语音识别")
    SPEECH_SYNTHESIS = "speech-synthesis", _("语音合成")
    IMAGE_CLASSIFICATION = "image-classification", _("图像分类")
    OBJECT_DETECTION = "object-detection", _("目标检测")
    SEGMENTATION = "image-segmentation", _("图像分割")
    DEFECT_DETECTION = "defect-detection", _("缺陷检测")
    TIME_SERIES = "time-series-forecasting", _("时序预测")
    TABULAR = "tabular", _("结构化数据分析")
    MULTIMODAL = "multimodal", _("多模态理解")
    RECOMMENDATION = "recommendation", _("推荐")
    CONTROL = "control", _("决策与控制")
    OTHER = "other", _("其他")


class Licence(models.TextChoices):
    """Licences by SPDX id where one exists; the DCAT export links each to its URL."""

    CC_BY_4 = "CC-BY-4.0", "CC BY 4.0"
    CC_BY_SA_4 = "CC-BY-SA-4.0", "CC BY-SA 4.0"
    CC_BY_NC_4 = "CC-BY-NC-4.0", "CC BY-NC 4.0"
    CC0 = "CC0-1.0", "CC0 1.0"
    ODBL = "ODbL-1.0", "ODbL 1.0"
    APACHE_2 = "Apache-2.0", "Apache 2.0"
    MIT = "MIT", "MIT"
    OPENRAIL = "OpenRAIL", "OpenRAIL"
    PROPRIETARY = "proprietary", _("商业授权")
    AGREEMENT = "agreement", _("按数据使用协议")
    OTHER = "other", _("其他")


LICENCE_URLS = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC-BY-NC-4.0": "https://creativecommons.org/licenses/by-nc/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "ODbL-1.0": "https://opendatacommons.org/licenses/odbl/1-0/",
    "Apache-2.0": "https://www.apache.org/licenses/LICENSE-2.0",
    "MIT": "https://opensource.org/license/mit",
    "OpenRAIL": "https://www.licenses.ai/",
}


class Language(models.TextChoices):
    ZH = "zh", _("中文")
    EN = "en", _("英文")
    JA = "ja", _("日文")
    KO = "ko", _("韩文")
    DE = "de", _("德文")
    FR = "fr", _("法文")
    MULTI = "mul", _("多语种")
    NONE = "zxx", _("无语言内容")


# Quality dimensions of GB/T 36344-2018 (信息技术 数据质量评价指标), each scored 0–100.
QUALITY_DIMENSIONS = {
    "normative": _("规范性"),
    "completeness": _("完整性"),
    "accuracy": _("准确性"),
    "consistency": _("一致性"),
    "timeliness": _("时效性"),
    "accessibility": _("可访问性"),
}


class Grade(models.TextChoices):
    A = "A", _("优")
    B = "B", _("良")
    C = "C", _("合格")
    D = "D", _("待改进")


# The lowest mean score of each grade; an entry graded C or better counts as high quality.
GRADE_FLOORS = ((90, Grade.A), (80, Grade.B), (60, Grade.C), (0, Grade.D))
PASSING_GRADES = (Grade.A, Grade.B, Grade.C)


def grade_for(scores: dict[str, int]) -> str:
    """The grade of a set of dimension scores (their mean against GRADE_FLOORS)."""
    mean = sum(scores.values()) / len(scores)
    return next(grade for floor, grade in GRADE_FLOORS if mean >= floor)


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")
    REVOKED = "revoked", _("已撤销")
    WITHDRAWN = "withdrawn", _("已撤回")
