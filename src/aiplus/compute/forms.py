"""Forms of the compute platform: used by the pages and, through `core.actions.validated`, by
the services the API calls, so a value is checked the same way wherever it comes from."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from aiplus.core.models import Area

from .models import Application, DataCentre, Offer

MAX_CARDS = 100_000
MAX_HOURS = 24 * 366
MODEL_SPLIT = re.compile(r"[|,，、;；\s]+")


def gpu_models(value) -> list[str]:
    """A list of GPU model names from a list or a text such as "H800|A800" or "H800、A800"."""
    items = value if isinstance(value, list | tuple) else MODEL_SPLIT.split(str(value or ""))
    out: list[str] = []
    for item in items:
        name = str(item).strip()
        if name and name not in out:
            out.append(name)
    return out


class CentreForm(forms.ModelForm):
    area = forms.ModelChoiceField(Area.objects.all(), required=False, to_field_name="code")

    class Meta:
        model = DataCentre
        fields = ["name", "area", "description"]


class OfferForm(forms.ModelForm):
    class Meta:
        model = Offer
        fields = ["gpu_model", "cards", "price", "available_from", "available_to", "note"]
        widgets = {
            "available_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "available_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean_gpu_model(self) -> str:
        name = self.cleaned_data["gpu_model"].strip()
        if not name:
            raise forms.ValidationError(_("请填写 GPU 型号。"))
        return name

    def clean_cards(self) -> int:
        cards = self.cleaned_data["cards"]
        if not 1 <= cards <= MAX_CARDS:
            raise forms.ValidationError(_("卡数须在 1 至 100000 之间。"))
        return cards

    def clean_price(self) -> Decimal:
        price = self.cleaned_data["price"]
        if price <= 0:
            raise forms.ValidationError(_("单价须大于零。"))
        return price

    def clean(self):
        data = super().clean()
        start, end = data.get("available_from"), data.get("available_to")
        if start and end and end <= start:
            self.add_error("available_to", _("可用截止日期须晚于开始日期。"))
        return data


class ApplicationForm(forms.ModelForm):
    accepted_models = forms.CharField(
        label=_("可用 GPU 型号"),
        max_length=300,
        help_text=_("可填多个，用“、”或“|”分隔，如 H800、A800"),
    )

    class Meta:
        model = Application
        fields = [
            "accepted_models",
            "cards",
            "hours",
            "earliest_start",
            "latest_end",
            "max_price",
            "purpose",
            "programme",
            "scenario",
        ]
        widgets = {
            "earliest_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "latest_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scenario"].required = False
        self.fields["programme"].required = False

    def clean_accepted_models(self) -> list[str]:
        models = gpu_models(self.cleaned_data["accepted_models"])
        if not models:
            raise forms.ValidationError(_("请至少填写一个可用的 GPU 型号。"))
        if any(len(m) > 50 for m in models):
            raise forms.ValidationError(_("GPU 型号名称不能超过 50 个字符。"))
        return models

    def clean_cards(self) -> int:
        cards = self.cleaned_data["cards"]
        if not 1 <= cards <= MAX_CARDS:
            raise forms.ValidationError(_("卡数须在 1 至 100000 之间。"))
        return cards

    def clean_hours(self) -> int:
        hours = self.cleaned_data["hours"]
        if not 1 <= hours <= MAX_HOURS:
            raise forms.ValidationError(_("时长须在 1 至 8784 小时（一年）之间。"))
        return hours

    def clean_max_price(self):
        price = self.cleaned_data.get("max_price")
        if price is not None and price <= 0:
            raise forms.ValidationError(_("最高单价须大于零。"))
        return price

    def clean(self):
        data = super().clean()
        start, end, hours = data.get("earliest_start"), data.get("latest_end"), data.get("hours")
        if start and end:
            if end <= start:
                self.add_error("latest_end", _("最晚结束日期须晚于最早开始日期。"))
            elif hours and (end - start).days < -(-hours // 24):
                days = -(-hours // 24)
                self.add_error(
                    "latest_end",
                    _("时间窗口只有 %(have)s 天，放不下 %(need)s 天的任务。")
                    % {"have": (end - start).days, "need": days},
                )
        programme = data.get("programme")
        if programme and start and not programme.valid_from <= start <= programme.valid_to:
            self.add_error(
                "programme",
                _("最早开始日期不在该算力券计划有效期（%(a)s 至 %(b)s）内。")
                % {"a": programme.valid_from, "b": programme.valid_to},
            )
        return data


class UsageForm(forms.Form):
    report_id = forms.CharField(label=_("报告编号"), max_length=100)
    period_start = forms.DateField(label=_("计量开始"))
    period_end = forms.DateField(label=_("计量结束"))
    card_hours = forms.DecimalField(label=_("用量（卡时）"), max_digits=14, decimal_places=2)

    def clean_report_id(self) -> str:
        value = self.cleaned_data["report_id"].strip()
        if not value:
            raise forms.ValidationError(_("请填写报告编号。"))
        return value

    def clean_card_hours(self) -> Decimal:
        value = self.cleaned_data["card_hours"]
        if value <= 0:
            raise forms.ValidationError(_("用量须大于零。"))
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("计量结束日期不能早于开始日期。"))
        return data


class FundForm(forms.Form):
    amount = forms.DecimalField(label=_("注入金额（元）"), max_digits=16, decimal_places=2)
    memo = forms.CharField(label=_("说明"), max_length=200, required=False)
    request_id = forms.CharField(
        max_length=64,
        required=False,
        widget=forms.HiddenInput,
        help_text=_("同一请求编号只注入一次（防止重复提交）"),
    )

    def clean_amount(self) -> Decimal:
        value = self.cleaned_data["amount"]
        if value <= 0:
            raise forms.ValidationError(_("注入金额须大于零。"))
        return value
