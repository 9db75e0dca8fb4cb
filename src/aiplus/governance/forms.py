"""Forms for AI safety governance. The services validate with these, so the page and the API
refuse the same bad input with the same (Chinese) messages."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import checklist
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
        return check_filing_date(self.cleaned_data.get("filed_on"))

    def clean(self):
        data = super().clean()
        if (
            data.get("kind") in NUMBERED_KINDS
            and data.get("status") == AlgorithmFiling.Status.FILED
            and not data.get("number")
        ):
            self.add_error("number", "已备案的生成式人工智能服务或深度合成算法须填写备案号。")
        return data


def check_filing_date(filed_on):
    """A filing date can be neither in the future nor before 2000."""
    if filed_on is not None:
        if filed_on > timezone.localdate():
            raise forms.ValidationError("备案日期不能晚于今天。")
        if filed_on < EARLIEST_FILING:
            raise forms.ValidationError("备案日期不能早于 2000 年。")
    return filed_on


class FilingStatusForm(forms.Form):
    """The office records a filing's outcome: filed (with the number and date the regulator
    issued) or revoked (with a reason)."""

    status = forms.ChoiceField(
        label=_("新状态"),
        choices=[
            (AlgorithmFiling.Status.FILED, AlgorithmFiling.Status.FILED.label),
            (AlgorithmFiling.Status.REVOKED, AlgorithmFiling.Status.REVOKED.label),
        ],
        error_messages={
            "required": "请选择新的备案状态。",
            "invalid_choice": "备案状态只能变更为“已备案”或“已注销”。",
        },
    )
    number = forms.CharField(label=_("备案号"), max_length=100, required=False)
    filed_on = forms.DateField(
        label=_("备案日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "请输入有效的日期，如 2024-05-01。"},
    )
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def clean_filed_on(self):
        return check_filing_date(self.cleaned_data.get("filed_on"))

    def clean(self):
        data = super().clean()
        if data.get("status") == AlgorithmFiling.Status.FILED:
            if not (data.get("number") or "").strip():
                self.add_error("number", "确认已备案须填写备案号。")
            if not data.get("filed_on") and "filed_on" not in self.errors:
                self.add_error("filed_on", "确认已备案须填写备案日期。")
        return data


INVOLVED_CHOICES = [("", _("未回答")), ("yes", _("涉及")), ("no", _("不涉及"))]


class ChecklistForm(forms.Form):
    """One block per checklist item: involved yes/no, the measures, the item's confirmation.
    Saving accepts an unfinished checklist (a draft); signing needs it complete."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item in checklist.ITEMS:
            self.fields[f"{item.code}_involved"] = forms.ChoiceField(
                label=item.question,
                choices=INVOLVED_CHOICES,
                required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": f"“{item.title}”请选择涉及或不涉及。"},
            )
            self.fields[f"{item.code}_measures"] = forms.CharField(
                label=_("防控措施"),
                required=False,
                max_length=checklist.MAX_MEASURES,
                widget=forms.Textarea(attrs={"rows": 3}),
                error_messages={
                    "max_length": f"“{item.title}”的防控措施不能超过 {checklist.MAX_MEASURES} 字。"
                },
            )
            if item.confirm:
                self.fields[f"{item.code}_confirmed"] = forms.BooleanField(
                    label=item.confirm, required=False
                )

    @staticmethod
    def initial_for(answers: dict) -> dict:
        """Form initial values for stored (or prefilled) answers."""
        initial = {}
        for code, answer in checklist.normalise(answers).items():
            involved = answer["involved"]
            initial[f"{code}_involved"] = "" if involved is None else ("yes" if involved else "no")
            initial[f"{code}_measures"] = answer["measures"]
            initial[f"{code}_confirmed"] = answer["confirmed"]
        return initial

    @staticmethod
    def data_for(answers: dict) -> dict:
        """Form data for answers given as `{code: {involved, measures, confirmed}}` (the API)."""
        data = {}
        for code, value in ChecklistForm.initial_for(answers).items():
            if code.endswith("_confirmed"):
                if value:
                    data[code] = "on"
            else:
                data[code] = value
        return data

    def answers(self) -> dict:
        data = self.cleaned_data
        out = {}
        for item in checklist.ITEMS:
            involved = data.get(f"{item.code}_involved") or ""
            out[item.code] = {
                "involved": None if involved == "" else involved == "yes",
                "measures": (data.get(f"{item.code}_measures") or "").strip(),
                "confirmed": bool(data.get(f"{item.code}_confirmed")),
            }
        return checklist.normalise(out)

    def blocks(self):
        """(item, involved field, measures field, confirmed field or None) per item, for the
        page."""
        for item in checklist.ITEMS:
            yield (
                item,
                self[f"{item.code}_involved"],
                self[f"{item.code}_measures"],
                self[f"{item.code}_confirmed"] if item.confirm else None,
            )
