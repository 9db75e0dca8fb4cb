"""Forms for AI safety governance. The services validate with these, so the page and the API
refuse the same bad input with the same (Chinese) messages."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from .models import AlgorithmFiling

EARLIEST_FILING = datetime.date(2000, 1, 1)
# Kinds whose filed status comes with a filing number (备案号) issued by the regulator.
NUMBERED_KINDS = {AlgorithmFiling.Kind.GENERATIVE, AlgorithmFiling.Kind.DEEP_SYNTHESIS}


class AlgorithmFilingForm(forms.ModelForm):
    class Meta:
        model = AlgorithmFiling
        fields = ["kind", "name", "model_name", "number", "filed_on", "status"]
        widgets = {"filed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        error_messages = {
            "name": {"required": "请填写算法/服务名称。"},
            "kind": {
                "required": "请选择备案类型。",
                "invalid_choice": "请选择有效的备案类型。",
            },
            "status": {
                "required": "请选择备案状态。",
                "invalid_choice": "请选择有效的备案状态。",
            },
            "filed_on": {"invalid": "请输入有效的日期，如 2024-05-01。"},
        }

    def clean_filed_on(self):
        filed_on = self.cleaned_data.get("filed_on")
        if filed_on is not None:
            if filed_on > timezone.localdate():
                raise forms.ValidationError("备案日期不能晚于今天。")
            if filed_on < EARLIEST_FILING:
                raise forms.ValidationError("备案日期不能早于 2000 年。")
        return filed_on

    def clean(self):
        data = super().clean()
        if (
            data.get("kind") in NUMBERED_KINDS
            and data.get("status") == AlgorithmFiling.Status.FILED
            and not data.get("number")
        ):
            self.add_error("number", "已备案的生成式人工智能服务或深度合成算法须填写备案号。")
        return data
