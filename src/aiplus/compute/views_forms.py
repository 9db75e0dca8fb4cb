"""Forms only the compute pages use: the module's own forms (`forms.py`) with what a page adds —
a choice of centre, programme or report to correct limited to what the user may pick — and the
small forms of the calculator, the new allocation run and the CSV upload. The services validate
again with `forms.py`; these only shape the page and keep a bad choice from reaching them."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aiplus.scenarios.models import Demand

from . import allocate
from .forms import ApplicationForm, CentreForm, FundForm, OfferForm, UsageForm
from .models import DataCentre, Order, UsageReport, VoucherProgramme

MAX_CSV_BYTES = 5 * 1024 * 1024


def date_input() -> forms.DateInput:
    """A browser date picker: its value must be ISO (YYYY-MM-DD), whatever the locale's
    format (zh-hans would render 2026/03/02, which the picker shows as empty)."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _iso_dates(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        if isinstance(field, forms.DateField):
            field.widget = date_input()


class CentrePageForm(CentreForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].label = _("所在板块")
        self.fields["area"].empty_label = _("未填写")


class OfferPageForm(OfferForm):
    """An offer with the centre it is published on (the user's centres; the office: any)."""

    centre = forms.ModelChoiceField(
        DataCentre.objects.none(), label=_("算力中心"), empty_label=None
    )

    field_order = ["centre"]

    def __init__(self, *args, centres=None, **kwargs):
        super().__init__(*args, **kwargs)
        _iso_dates(self)
        if centres is None:
            del self.fields["centre"]
        else:
            self.fields["centre"].queryset = centres


class ApplicationPageForm(ApplicationForm):
    """An application: the linked scenario is one of the organisation's own demands."""

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        _iso_dates(self)
        self.fields["scenario"].queryset = Demand.objects.filter(
            demander_id=getattr(organisation, "pk", None)
        ).order_by("-id")
        self.fields["programme"].queryset = VoucherProgramme.objects.all()
        self.fields["programme"].empty_label = _("不申请算力券")
        self.fields["programme"].initial = current_programme()
        self.fields["scenario"].empty_label = _("不关联")


class UsagePageForm(UsageForm):
    """A usage report for one order; `corrects` names a current report of the order."""

    corrects = forms.ModelChoiceField(
        UsageReport.objects.none(),
        label=_("更正的报告"),
        required=False,
        empty_label=_("新报告（不是更正）"),
        to_field_name="report_id",
        help_text=_("更正时，原报告的核销将冲正，按新报告重新核销。"),
    )

    def __init__(self, *args, order: Order, **kwargs):
        super().__init__(*args, **kwargs)
        _iso_dates(self)
        self.fields["corrects"].queryset = UsageReport.objects.filter(
            order=order, corrected_by__isnull=True
        )


class UsageImportForm(forms.Form):
    file = forms.FileField(
        label=_("用量 CSV 文件"),
        help_text=_("UTF-8 编码，列：order, report_id, period_start, period_end, card_hours"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(_("文件不能超过 5 MB。"))
        return upload


class FundPageForm(FundForm):
    programme = forms.ModelChoiceField(
        VoucherProgramme.objects.all(), label=_("算力券计划"), empty_label=None
    )

    field_order = ["programme", "amount", "memo", "request_id"]


class CalculatorForm(forms.Form):
    programme = forms.ModelChoiceField(
        VoucherProgramme.objects.all(), label=_("算力券计划"), empty_label=None
    )
    cost = forms.DecimalField(label=_("算力费用（元）"), max_digits=16, decimal_places=2)
    day = forms.DateField(label=_("使用日期"), widget=date_input())

    def clean_cost(self) -> Decimal:
        cost = self.cleaned_data["cost"]
        if cost <= 0:
            raise forms.ValidationError(_("费用须大于零。"))
        return cost


def current_programme() -> VoucherProgramme | None:
    """The programme in force today (else the latest), to preselect in a form."""
    today = timezone.localdate()
    programmes = VoucherProgramme.objects.all()
    return programmes.filter(valid_from__lte=today, valid_to__gte=today).first() or (
        programmes.first()
    )


class RunForm(forms.Form):
    programme = forms.ModelChoiceField(
        VoucherProgramme.objects.all(),
        label=_("算力券计划"),
        required=False,
        empty_label=_("不发放算力券"),
    )
    start = forms.DateField(label=_("排期起点"), widget=date_input())
    horizon = forms.IntegerField(label=_("排期天数"), initial=allocate.HORIZON_DAYS)
    method = forms.ChoiceField(
        label=_("求解方法"),
        choices=[("milp", _("整数规划（MILP）")), ("heuristic", _("启发式"))],
        initial="milp",
    )
    time_limit = forms.FloatField(label=_("时间上限（秒）"), initial=30)

    def __init__(self, *args, resolve: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].initial = timezone.localdate
        self.fields["programme"].initial = current_programme()
        if resolve:  # a re-solve keeps the run's programme and start
            del self.fields["programme"]
            del self.fields["start"]

    def clean_horizon(self) -> int:
        value = self.cleaned_data["horizon"]
        if not 1 <= value <= allocate.MAX_HORIZON_DAYS:
            raise forms.ValidationError(
                _("排期天数须在 1 至 %(n)s 之间。") % {"n": allocate.MAX_HORIZON_DAYS}
            )
        return value

    def clean_time_limit(self) -> float:
        value = self.cleaned_data["time_limit"]
        if not 1 <= value <= 600:
            raise forms.ValidationError(_("时间上限须在 1 至 600 秒之间。"))
        return value
