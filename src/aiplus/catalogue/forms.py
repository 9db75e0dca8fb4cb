"""Forms of the catalogue, used by the pages and (through `core.actions.validated`) by the
services the API and the CSV importer call, so a value is checked the same way everywhere."""

from __future__ import annotations

import re

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aiplus.core.models import Sector
from aiplus.governance.models import AlgorithmFiling
from aiplus.scenarios.forms import TagField

from .choices import QUALITY_DIMENSIONS, Access, Kind, Language
from .models import AccessRequest, Entry, File, Version

LANG_SPLIT = re.compile(r"[|,，、;；\s]+")


def _formfield(field, **kwargs):
    """Model fields' form fields, addresses given without a scheme read as https://."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class LanguagesField(forms.MultipleChoiceField):
    """Language codes from a list or a text such as "zh|en" or "zh、en"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("语言"))
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(choices=Language.choices, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = [v for v in LANG_SPLIT.split(value) if v]
        return super().to_python(value)


class EntryForm(forms.ModelForm):
    sector = forms.ModelChoiceField(
        Sector.objects.all(), required=False, to_field_name="code", label=_("领域")
    )
    languages = LanguagesField()
    tag_names = TagField()

    class Meta:
        model = Entry
        formfield_callback = _formfield
        fields = [
            "kind",
            "title",
            "sector",
            "summary",
            "description",
            "task",
            "languages",
            "size",
            "record_count",
            "byte_size",
            "licence",
            "access",
            "landing_page",
            "base_model",
            "parameters",
            "is_vertical",
            "filing",
            "intended_use",
            "out_of_scope",
            "data_sources",
            "evaluation",
            "risks",
            "exchange",
            "exchange_code",
            "exchange_price",
            "exchange_listed_on",
            "exchange_url",
        ]
        widgets = {
            "exchange_listed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "summary": forms.TextInput(),
        }

    def __init__(self, *args, organisation_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # A model's algorithm filing is one of its owner's own filings.
        owner = self.instance.owner_id if self.instance.pk else organisation_id
        self.fields["filing"].queryset = AlgorithmFiling.objects.filter(organisation_id=owner)
        self.fields["filing"].help_text = _("本单位在“资质与备案”中登记的算法备案")
        if self.instance.pk and not self.is_bound:
            self.initial["tag_names"] = [t.name for t in self.instance.tags.all()]
            self.initial["sector"] = self.instance.sector.code if self.instance.sector else None

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("请填写名称。"))
        return title

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind != Kind.MODEL:
            for name in ("base_model", "parameters"):
                data[name] = ""
            data["is_vertical"] = False
            data["filing"] = None
        elif data.get("is_vertical") and not data.get("sector"):
            self.add_error("sector", _("垂类模型须注明所属领域。"))
        exchange = (data.get("exchange") or "").strip()
        listing = ["exchange_code", "exchange_price", "exchange_listed_on", "exchange_url"]
        if not exchange and any(data.get(n) not in (None, "") for n in listing):
            self.add_error("exchange", _("填写挂牌信息时须注明挂牌交易所。"))
        if exchange and not (data.get("exchange_code") or "").strip():
            self.add_error("exchange_code", _("请填写挂牌编号。"))
        price = data.get("exchange_price")
        if price is not None and price < 0:
            self.add_error("exchange_price", _("挂牌价格不能为负数。"))
        if data.get("access") == Access.RESTRICTED and not (data.get("risks") or "").strip():
            self.add_error("risks", _("受限条目须在卡片中说明风险与限制使用的原因。"))
        return data


class VersionForm(forms.ModelForm):
    # Optional: a version registered without a date is released today (the model's default).
    released_on = forms.DateField(
        required=False,
        initial=timezone.localdate,
        label=_("发布日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = Version
        fields = ["version", "released_on", "notes"]

    def clean_released_on(self):
        return self.cleaned_data.get("released_on") or timezone.localdate()

    def clean_version(self) -> str:
        version = self.cleaned_data["version"].strip()
        if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z._+-]{0,49}", version):
            raise forms.ValidationError(
                _("版本号只能包含字母、数字和 . _ + -，如 1.0 或 2025.03。")
            )
        return version


class ExternalFileForm(forms.ModelForm):
    class Meta:
        model = File
        formfield_callback = _formfield
        fields = ["name", "url", "byte_size", "media_type", "sha256"]

    def clean_url(self) -> str:
        url = self.cleaned_data.get("url", "")
        if not url:
            raise forms.ValidationError(_("请填写文件的外部地址。"))
        return url

    def clean_sha256(self) -> str:
        digest = (self.cleaned_data.get("sha256") or "").strip().lower()
        if digest and not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise forms.ValidationError(_("SHA-256 须为 64 位十六进制字符。"))
        return digest


class AccessRequestForm(forms.ModelForm):
    class Meta:
        model = AccessRequest
        fields = ["purpose"]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 4})}

    def clean_purpose(self) -> str:
        purpose = self.cleaned_data["purpose"].strip()
        if len(purpose) < 10:
            raise forms.ValidationError(_("请具体说明用途（不少于 10 个字）。"))
        return purpose


class DecisionForm(forms.Form):
    approve = forms.BooleanField(required=False)
    note = forms.CharField(required=False, max_length=300, label=_("审批意见"))
    valid_until = forms.DateField(
        required=False,
        label=_("有效期至"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class QualityForm(forms.Form):
    """Scores 0–100 on each GB/T 36344 dimension, who assessed and when."""

    assessed_by = forms.CharField(max_length=200, label=_("评估机构"))
    assessed_on = forms.DateField(
        label=_("评估日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("评估意见")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in QUALITY_DIMENSIONS.items():
            self.fields[f"score_{code}"] = forms.IntegerField(
                min_value=0,
                max_value=100,
                label=label,
                error_messages={
                    "min_value": _("评分须在 0 至 100 之间。"),
                    "max_value": _("评分须在 0 至 100 之间。"),
                },
            )

    def scores(self) -> dict[str, int]:
        return {code: self.cleaned_data[f"score_{code}"] for code in QUALITY_DIMENSIONS}
