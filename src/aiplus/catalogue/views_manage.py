"""The catalogue's pages that change something: registering and editing an entry, its
publication and withdrawal, versions and files, links to scenarios, access requests and their
decisions, the office's quality assessment, and the CSV import.

Each action is a POST from the entry's page that runs one service and returns to the page with
a message; when a form's input is refused, the entry's page is shown again with that form, its
input and its errors. Who may act is checked here first (a 403 page for others) and again by the
service.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aiplus.core.errors import ServiceError
from aiplus.core.pages import posted

from . import permissions, services
from .forms import EntryForm, QualityForm
from .models import AccessRequest, Entry, File
from .views import entry_url, fail, forbidden, render_detail, visible_entry
from .views_forms import (
    ExternalPageForm,
    ImportForm,
    NoteForm,
    RequestPageForm,
    UploadForm,
    VersionPageForm,
    entry_groups,
)

NOT_OWNER = gettext_lazy("只有条目所属单位可以进行此操作。")


def _editable(request, pk: int) -> Entry | None:
    """The entry if the user may edit it (None: the caller answers 403)."""
    entry = visible_entry(request, pk)
    return entry if permissions.can_edit(request.user, entry) else None


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


# --- registering and editing -----------------------------------------------------------------


def _entry_form_page(request, form, entry: Entry | None):
    return render(
        request,
        "catalogue/entry_form.html",
        {"form": form, "entry": entry, "groups": entry_groups(form)},
    )


@login_required
def create(request):
    if not permissions.can_publish(request.user):
        return forbidden(request, _("只有已通过审核的单位成员可以登记数据集和模型。"))
    initial = {"kind": request.GET.get("kind") or None, "languages": ["zh"]}
    form = EntryForm(posted(request), initial=initial, organisation_id=request.user.organisation_id)
    if request.method == "POST":
        try:
            entry = services.create_entry(actor=request.user, data=request.POST)
        except ServiceError as exc:
            fail(request, exc, form)
        else:
            messages.success(request, _("已登记为草稿。补全卡片并登记版本后即可发布。"))
            return redirect(entry_url(entry))
    return _entry_form_page(request, form, None)


@login_required
def edit(request, pk: int):
    entry = _editable(request, pk)
    if entry is None:
        return forbidden(request, str(NOT_OWNER))
    form = EntryForm(posted(request), instance=entry)
    if request.method == "POST":
        try:
            entry = services.update_entry(actor=request.user, entry=entry, data=request.POST)
        except ServiceError as exc:
            fail(request, exc, form)
        else:
            messages.success(request, _("条目已保存。"))
            return redirect(entry_url(entry))
    return _entry_form_page(request, form, entry)


# --- publication -----------------------------------------------------------------------------


@require_POST
@login_required
def publish(request, pk: int):
    """The owner publishes; the office reinstates an entry it withdrew."""
    entry = visible_entry(request, pk)
    reinstating = entry.withdrawn_by_office and permissions.is_office(request.user)
    if not (reinstating or permissions.can_edit(request.user, entry)):
        return forbidden(request, str(NOT_OWNER))
    try:
        services.publish_entry(actor=request.user, entry=entry)
    except ServiceError as exc:
        fail(request, exc)
    else:
        messages.success(request, _("条目已发布。"))
    return redirect(entry_url(entry))


@require_POST
@login_required
def withdraw(request, pk: int):
    """The owner takes its entry off the catalogue; the office too, giving a reason."""
    entry = visible_entry(request, pk)
    owner = permissions.can_edit(request.user, entry)
    if not (owner or permissions.is_office(request.user)):
        return forbidden(request, _("只有条目所属单位或专班办公室可以下架该条目。"))
    form = NoteForm(request.POST, auto_id="wd_%s", reason_required=not owner)
    try:
        services.withdraw_entry(actor=request.user, entry=entry, note=request.POST.get("note", ""))
    except ServiceError as exc:
        fail(request, exc, form)
        return render_detail(request, entry, withdraw_form=form)
    messages.success(request, _("条目已下架。"))
    return redirect(entry_url(entry))


@require_POST
@login_required
def assess(request, pk: int):
    entry = visible_entry(request, pk)
    if not permissions.is_office(request.user):
        return forbidden(request, _("只有专班办公室可以登记质量评估。"))
    form = QualityForm(request.POST, auto_id="q_%s")
    try:
        entry = services.assess_quality(actor=request.user, entry=entry, data=request.POST)
    except ServiceError as exc:
        fail(request, exc, form)
        return render_detail(request, entry, quality_form=form)
    messages.success(
        request,
        _("质量评估已登记：%(grade)s。") % {"grade": entry.get_quality_grade_display()},
    )
    return redirect(entry_url(entry, "quality"))


# --- versions and files ----------------------------------------------------------------------


@require_POST
@login_required
def version_add(request, pk: int):
    entry = _editable(request, pk)
    if entry is None:
        return forbidden(request, str(NOT_OWNER))
    form = VersionPageForm(request.POST, auto_id="ver_%s")
    try:
        version = services.add_version(actor=request.user, entry=entry, data=request.POST)
    except ServiceError as exc:
        fail(request, exc, form)
        return render_detail(request, entry, version_form=form)
    messages.success(request, _("已登记版本 %(v)s。") % {"v": version.version})
    return redirect(entry_url(entry, "versions"))


@require_POST
@login_required
def file_upload(request, pk: int):
    entry = _editable(request, pk)
    if entry is None:
        return forbidden(request, str(NOT_OWNER))
    form = UploadForm(request.POST, request.FILES, entry=entry, auto_id="up_%s")
    if not form.is_valid():
        messages.error(request, _("提交的内容有误，请按提示修改。"))
        return render_detail(request, entry, upload_form=form)
    try:
        item = services.add_file(
            actor=request.user,
            version=form.cleaned_data["version"],
            upload=form.cleaned_data["file"],
        )
    except ServiceError as exc:
        fail(request, exc, form)
        return render_detail(request, entry, upload_form=form)
    messages.success(request, _("文件“%(name)s”已上传。") % {"name": item.name})
    return redirect(entry_url(entry, "versions"))


@require_POST
@login_required
def file_external(request, pk: int):
    entry = _editable(request, pk)
    if entry is None:
        return forbidden(request, str(NOT_OWNER))
    form = ExternalPageForm(request.POST, entry=entry, auto_id="ext_%s")
    if not form.is_valid():
        messages.error(request, _("提交的内容有误，请按提示修改。"))
        return render_detail(request, entry, external_form=form)
    try:
        item = services.add_external_file(
            actor=request.user, version=form.cleaned_data["version"], data=request.POST
        )
    except ServiceError as exc:
        fail(request, exc, form)
        return render_detail(request, entry, external_form=form)
    messages.success(request, _("已登记外部文件“%(name)s”。") % {"name": item.name})
    return redirect(entry_url(entry, "versions"))


@require_POST
@login_required
def file_remove(request, pk: int):
    item = get_object_or_404(File.objects.select_related("version__entry"), pk=pk)
    entry = item.version.entry
    if not permissions.can_edit(request.user, entry):
        return forbidden(request, str(NOT_OWNER))
    try:
        services.remove_file(actor=request.user, item=item)
    except ServiceError as exc:
        fail(request, exc)
    else:
        messages.success(request, _("文件“%(name)s”已删除。") % {"name": item.name})
    return redirect(entry_url(entry, "versions"))


# --- links to scenarios ----------------------------------------------------------------------


@require_POST
@login_required
def links(request, pk: int):
    entry = _editable(request, pk)
    if entry is None:
        return forbidden(request, str(NOT_OWNER))
    try:
        services.set_links(
            actor=request.user,
            entry=entry,
            demand_ids=_ids(request.POST.getlist("demand")),
            solution_ids=_ids(request.POST.getlist("solution")),
        )
    except ServiceError as exc:
        fail(request, exc)
    else:
        messages.success(request, _("关联的场景需求与解决方案已更新。"))
    return redirect(entry_url(entry, "links"))


# --- access requests -------------------------------------------------------------------------


@require_POST
@login_required
def request_access(request, pk: int):
    entry = visible_entry(request, pk)
    form = RequestPageForm(request.POST, request.FILES, entry=entry, auto_id="req_%s")
    if not permissions.can_request(request.user, entry):
        return forbidden(request, _("您不能申请使用该条目。"), entry)
    try:
        services.request_access(
            actor=request.user,
            entry=entry,
            data=request.POST,
            agreement=request.FILES.get("agreement"),
        )
    except ServiceError as exc:
        fail(request, exc, form)
        return render_detail(request, entry, request_form=form)
    messages.success(request, _("使用申请已提交，请等待所属单位审批。"))
    return redirect(entry_url(entry, "access"))


def _request(request, pk: int) -> AccessRequest:
    return get_object_or_404(AccessRequest.objects.select_related("entry", "organisation"), pk=pk)


@require_POST
@login_required
def request_decide(request, pk: int):
    """The owner approves (until a date; required and at most a year for restricted data) or
    refuses (with a reason) a pending request."""
    req = _request(request, pk)
    if not permissions.can_decide_requests(request.user, req.entry):
        return forbidden(request, _("只有条目所属单位可以审批使用申请。"))
    approve = bool(request.POST.get("approve"))
    try:
        services.decide_request(actor=request.user, request=req, data=request.POST)
    except ServiceError as exc:
        fail(request, exc)
    else:
        if approve:
            msg = _("已批准“%(org)s”的使用申请。")
        else:
            msg = _("已不予批准“%(org)s”的使用申请。")
        messages.success(request, msg % {"org": req.organisation.name})
    return redirect(entry_url(req.entry, "requests"))


@require_POST
@login_required
def request_revoke(request, pk: int):
    req = _request(request, pk)
    if not permissions.can_decide_requests(request.user, req.entry):
        return forbidden(request, _("只有条目所属单位可以撤销使用授权。"))
    try:
        services.revoke_request(actor=request.user, request=req, note=request.POST.get("note", ""))
    except ServiceError as exc:
        fail(request, exc)
    else:
        messages.success(request, _("已撤销“%(org)s”的使用授权。") % {"org": req.organisation.name})
    return redirect(entry_url(req.entry, "record"))


@require_POST
@login_required
def request_withdraw(request, pk: int):
    """The requesting organisation withdraws its pending request."""
    req = _request(request, pk)
    if req.organisation_id != request.user.organisation_id:
        return forbidden(request, _("只能撤回本单位的申请。"))
    try:
        services.withdraw_request(actor=request.user, request=req)
    except ServiceError as exc:
        fail(request, exc)
    else:
        messages.success(request, _("申请已撤回。"))
    if request.POST.get("next") == "requests":
        return redirect("catalogue:requests")
    return redirect(entry_url(req.entry, "access"))


# --- CSV import ------------------------------------------------------------------------------


@login_required
def import_entries(request):
    """Entries from a CSV (one row each): every row's problems listed by row number."""
    from . import io

    if not permissions.can_publish(request.user):
        return forbidden(request, _("只有已通过审核的单位成员可以批量导入数据集和模型。"))
    form = ImportForm(*posted(request, files=True))
    result = None
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, _("提交的内容有误，请按提示修改。"))
        else:
            try:
                result = io.import_entries_csv(
                    actor=request.user, data=form.cleaned_data["file"].read()
                )
            except ServiceError as exc:
                fail(request, exc, form)
            else:
                return _import_done(request, form, result)
    return render(request, "catalogue/import.html", {"form": form, "result": result})


def _import_done(request, form, result):
    if result.errors:
        messages.error(
            request,
            _("导入失败：共 %(n)s 行有误，未导入任何条目。请按下表修改后重新导入。")
            % {"n": len({e.row for e in result.errors})},
        )
        return render(request, "catalogue/import.html", {"form": form, "result": result})
    messages.success(
        request,
        _("已导入 %(n)s 条，其中 %(p)s 条已发布，其余为草稿。")
        % {"n": len(result.created), "p": result.published},
    )
    return redirect("catalogue:index")


@login_required
def import_template(request):
    """The CSV template with the Chinese headers and one example row."""
    from aiplus.scenarios.downloads import attachment

    from . import io

    return attachment(
        io.template_csv(),
        content_type="text/csv; charset=utf-8",
        filename="数据集与模型导入模板.csv",
        ascii_name="catalogue-import-template.csv",
    )
