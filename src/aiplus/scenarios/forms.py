"""Forms for scenarios. Services validate with these too, so the pages, the API and the
importer refuse the same bad input with the same messages."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aiplus.core.models import Tag

from .models import CaseStudy, Certification, Demand, DemandList, Proposal, Roadshow, Solution

TAG_SPLIT = re.compile(r"[，,；;、\s]+")


def parse_tags(text: str) -> list[str]:
    """Split '机器视觉，大模型; 质检' into distinct tag names, in order."""
    seen: list[str] = []
    for name in TAG_SPLIT.split((text or "").replace("\x00", "")):
        name = name.strip()[:50]
        if name and name not in seen:
            seen.append(name)
    return seen


def tags_from_names(names: list[str]) -> list[Tag]:
    return [Tag.objects.get_or_create(name=n)[0] for n in names]


class TagField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("技术标签"))
        kwargs.setdefault("help_text", _("用逗号或顿号分隔，如：机器视觉、大模型"))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "、".join(str(v) for v in value)
        return value

    def to_python(self, value):
        return parse_tags(super().to_python(value))


class DemandForm(forms.ModelForm):
    tag_names = TagField()

    class Meta:
        model = Demand
        fields = [
            "title",
            "sector",
            "area",
            "demander_type",
            "pain_point",
            "goals",
            "kpis",
            "data_available",
            "data_sensitivity",
            "site",
            "budget_min",
            "budget_max",
            "budget_confidential",
            "start_date",
            "end_date",
            "acceptance_criteria",
            "involves_personal_info",
            "involves_medical_data",
            "involves_minors",
            "needs_algorithm_filing",
            "contact_name",
            "contact_phone",
            "contact_email",
            "visibility",
        ]
        widgets = {
            "pain_point": forms.Textarea(attrs={"rows": 4}),
            "goals": forms.Textarea(attrs={"rows": 3}),
            "kpis": forms.Textarea(attrs={"rows": 3}),
            "data_available": forms.Textarea(attrs={"rows": 3}),
            "acceptance_criteria": forms.Textarea(attrs={"rows": 3}),
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["tag_names"] = [t.name for t in self.instance.tags.all()]

    def clean(self):
        data = super().clean()
        lo, hi = data.get("budget_min"), data.get("budget_max")
        if lo is not None and lo < 0:
            self.add_error("budget_min", "预算不能为负数。")
        if lo is not None and hi is not None and lo > hi:
            self.add_error("budget_max", "预算上限不能低于预算下限。")
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "计划完成日期不能早于开始日期。")
        return data


class SolutionForm(forms.ModelForm):
    tag_names = TagField()

    class Meta:
        model = Solution
        fields = [
            "title",
            "summary",
            "description",
            "sectors",
            "maturity",
            "price_from",
            "is_published",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "sectors": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["tag_names"] = [t.name for t in self.instance.tags.all()]


class CaseStudyForm(forms.ModelForm):
    class Meta:
        model = CaseStudy
        fields = ["customer", "customer_sector", "year", "outcome"]
        widgets = {"outcome": forms.Textarea(attrs={"rows": 3})}


class CertificationForm(forms.ModelForm):
    # A validity date outside this window is a typo (19 for 2019, 20250 for 2025), not a
    # certificate; an expired certificate may still be listed.
    EARLIEST = datetime.date(1990, 1, 1)
    MAX_YEARS_AHEAD = 50

    class Meta:
        model = Certification
        fields = ["name", "issuer", "number", "valid_until"]
        widgets = {"valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        error_messages = {
            "name": {"required": "请填写资质名称。"},
            "valid_until": {"invalid": "请输入有效的日期，如 2027-12-31。"},
        }

    def clean_valid_until(self):
        valid_until = self.cleaned_data.get("valid_until")
        if valid_until is not None:
            today = timezone.localdate()
            if valid_until < self.EARLIEST:
                raise forms.ValidationError("有效期不能早于 1990 年，请检查日期。")
            if valid_until.year > today.year + self.MAX_YEARS_AHEAD:
                raise forms.ValidationError(
                    f"有效期不能晚于 {today.year + self.MAX_YEARS_AHEAD} 年，请检查日期。"
                )
        return valid_until


class ProposalForm(forms.ModelForm):
    class Meta:
        model = Proposal
        fields = ["solution", "approach", "price", "duration_days"]
        widgets = {"approach": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, supplier=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Solution.objects.none() if supplier is None else supplier.solutions.all()
        self.fields["solution"].queryset = qs

    def clean_price(self):
        price = self.cleaned_data.get("price")
        if price is not None and price < 0:
            raise forms.ValidationError("报价不能为负数。")
        return price


class DemandListForm(forms.ModelForm):
    class Meta:
        model = DemandList
        fields = ["name", "year", "issuer", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class RoadshowForm(forms.ModelForm):
    class Meta:
        model = Roadshow
        fields = [
            "title",
            "starts_at",
            "venue",
            "area",
            "sector",
            "description",
            "capacity",
            "status",
        ]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
