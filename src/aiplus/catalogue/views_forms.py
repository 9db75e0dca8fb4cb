"""Forms only the catalogue's pages use: the module's own forms (`forms.py`) with what a page
adds — the version a file goes to (limited to the entry's versions), the agreement attached to
an access request — and the small forms of the withdrawal note and the CSV upload. The services
validate again with `forms.py`; these only shape the page and keep a bad choice from reaching
them."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Access
from .forms import AccessRequestForm, ExternalFileForm, VersionForm
from .models import Entry, Version

MAX_CSV_BYTES = 5 * 1024 * 1024

# How the entry form is laid out: (heading, group id, field names). The model-only group is
# shown only when the kind is "model" (a few lines of script on the form page).
ENTRY_GROUPS = [
    (
        _("基本信息"),
        "basic",
        [
            "kind",
            "title",
            "sector",
            "summary",
            "description",
            "task",
            "languages",
            "tag_names",
            "landing_page",
        ],
    ),
    (
        _("规模、许可与开放级别"),
        "access",
        ["size", "record_count", "byte_size", "licence", "access"],
    ),
    (_("模型信息"), "model", ["base_model", "parameters", "is_vertical", "filing"]),
    (
        _("数据卡片 / 模型卡片"),
        "card",
        ["intended_use", "out_of_scope", "data_sources", "evaluation", "risks"],
    ),
    (
        _("数据交易所挂牌（如已挂牌）"),
        "exchange",
        ["exchange", "exchange_code", "exchange_price", "exchange_listed_on", "exchange_url"],
    ),
]


def entry_groups(form: forms.BaseForm) -> list[tuple[str, str, list]]:
    """The form's bound fields by group; a field no group names goes to the first group.
    Text areas are made a few lines high (the card has five of them)."""
    for name, field in form.fields.items():
        if isinstance(field.widget, forms.Textarea):
            field.widget.attrs["rows"] = 5 if name == "description" else 3
    named = {name for _h, _g, names in ENTRY_GROUPS for name in names}
    groups = []
    for heading, group, names in ENTRY_GROUPS:
        fields = [form[n] for n in names if n in form.fields]
        if group == "basic":
            fields += [form[n] for n in form.fields if n not in named]
        groups.append((heading, group, fields))
    return groups


class VersionPageForm(VersionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["released_on"].initial = timezone.localdate


class UploadForm(forms.Form):
    """A file uploaded to one of the entry's versions."""

    version = forms.ModelChoiceField(Version.objects.none(), label=_("版本"), empty_label=None)
    file = forms.FileField(label=_("文件"))

    def __init__(self, *args, entry: Entry, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = entry.versions.all()


class ExternalPageForm(ExternalFileForm):
    """A file kept elsewhere, registered on one of the entry's versions by its URL."""

    version = forms.ModelChoiceField(Version.objects.none(), label=_("版本"), empty_label=None)

    field_order = ["version"]

    def __init__(self, *args, entry: Entry, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = entry.versions.all()
        self.fields["url"].required = True


class RequestPageForm(AccessRequestForm):
    """An access request with its agreement (required when the entry is restricted)."""

    agreement = forms.FileField(
        label=_("已签署的数据使用协议"),
        required=False,
        help_text=_("PDF、Word 或图片，不超过 10 MB。"),
    )

    def __init__(self, *args, entry: Entry, **kwargs):
        super().__init__(*args, **kwargs)
        if entry.access == Access.RESTRICTED:
            self.fields["agreement"].required = True
            self.fields["agreement"].help_text = _(
                "受限数据须上传已签署的数据使用协议（PDF、Word 或图片，不超过 10 MB）。"
            )


class NoteForm(forms.Form):
    """The note of a withdrawal: a reason the office must give, a remark the owner may add."""

    note = forms.CharField(
        label=_("说明（可选）"), required=False, max_length=300, widget=forms.TextInput()
    )

    def __init__(self, *args, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if reason_required:
            self.fields["note"].label = _("下架原因（必填）")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV 文件"), help_text=_("UTF-8 编码（可带 BOM），第一行为列名；可先下载模板。")
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(_("文件不能超过 5 MB。"))
        return upload
