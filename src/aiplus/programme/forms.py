"""Forms of the programme pages. Values are validated again by `services` (the only writer)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aiplus.core.models import Area, Sector


class ValueForm(forms.Form):
    period = forms.ChoiceField(label=_("报告期"))
    area = forms.ModelChoiceField(label=_("板块"), queryset=Area.objects.none(), required=False)
    sector = forms.ModelChoiceField(label=_("领域"), queryset=Sector.objects.none(), required=False)
    value = forms.CharField(label=_("数值"), max_length=40)
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    explanation = forms.CharField(
        label=_("异常波动说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("与上期相比变动超过阈值、或累计值减少时必填"),
    )
    evidence = forms.FileField(
        label=_("佐证材料"),
        required=False,
        help_text=_("可选：PDF、Excel、Word、图片或压缩包，不超过 10 MB"),
    )

    def __init__(self, *args, periods, areas=None, sectors=None, unit="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(s.key, s.label) for s in periods]
        self.fields["value"].help_text = _("以“%(unit)s”为单位的数字") % {"unit": unit}
        if areas is None:
            del self.fields["area"]
        else:
            self.fields["area"].queryset = areas
            self.fields["area"].required = True
        if sectors is None:
            del self.fields["sector"]
        else:
            self.fields["sector"].queryset = sectors
            self.fields["sector"].required = True


class ReturnForm(forms.Form):
    note = forms.CharField(label=_("退回原因"), max_length=300)


class ResponsibleForm(forms.Form):
    organisations = forms.ModelMultipleChoiceField(
        label=_("责任单位"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("可多选；责任单位的人员可报送该指标（分板块指标由各板块报送）"),
    )
    text = forms.CharField(
        label=_("责任单位（原文）"),
        max_length=300,
        required=False,
        help_text=_("文件中写明的责任单位，如“市工信局、市数据局”"),
    )

    def __init__(self, *args, **kwargs):
        from aiplus.accounts.choices import OrgStatus, Role
        from aiplus.accounts.models import Organisation

        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = Organisation.objects.filter(
            status=OrgStatus.APPROVED, kind__in=[Role.OFFICE, Role.DISTRICT]
        ).order_by("kind", "name")


class SharesForm(forms.Form):
    """One optional target per area (or sector) of a split indicator."""

    def __init__(self, *args, scopes, current: dict, unit: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes = scopes
        for scope in scopes:
            self.fields[f"s{scope.pk}"] = forms.DecimalField(
                label=scope.name,
                required=False,
                min_value=0,
                max_digits=20,
                decimal_places=4,
                initial=current.get(scope.pk),
                help_text=unit,
            )

    def shares(self) -> dict:
        return {
            scope: self.cleaned_data[f"s{scope.pk}"]
            for scope in self.scopes
            if self.cleaned_data.get(f"s{scope.pk}") is not None
        }


class ReportingForm(forms.ModelForm):
    """How an indicator is reported: frequency (while nothing is reported yet), the days
    allowed after a period ends, and the change that needs an explanation."""

    class Meta:
        from .models import Indicator

        model = Indicator
        fields = ["frequency", "due_days", "jump_band"]

    def __init__(self, *args, locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jump_band"].min_value = 0
        self.fields["due_days"].max_value = 366
        if locked:
            self.fields["frequency"].disabled = True
            self.fields["frequency"].help_text = _("已有报送数值，不能再改报送频率")
