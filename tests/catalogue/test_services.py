"""The catalogue's services and permissions: entries are registered as drafts by members of an
approved organisation, validated with messages in Chinese, published once their card and a
version are in place, withdrawn by the owner or (with a reason) the office; versions and files
(type and size checked, SHA-256 recorded) or external locations; the office's quality grade;
links to scenarios; and access requests the owner decides. Every write leaves an audit entry and
a refused write changes nothing."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aiplus.accounts.choices import OrgStatus
from aiplus.catalogue import permissions, services
from aiplus.catalogue.choices import Access, Grade, RequestStatus, Status
from aiplus.catalogue.models import AccessRequest, Entry, File, Version
from aiplus.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from aiplus.core.models import AuditEntry
from aiplus.scenarios.choices import DemandStatus, Visibility
from aiplus.scenarios.models import Solution

from ..factories import make_demand, make_user
from .support import (
    AGREEMENT,
    BYTES,
    PURPOSE,
    a_year_from_today,
    ask,
    entry_data,
    first_file,
    granted,
    make_entry,
    on_request,
    restricted,
    upload,
)

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
SCORES = ("normative", "completeness", "accuracy", "consistency", "timeliness", "accessibility")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def audits(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def refused(call, error=ServiceError) -> ServiceError:
    with pytest.raises(error) as caught:
        call()
    return caught.value


def quality(score: int = 85, **overrides) -> dict:
    data = {f"score_{name}": score for name in SCORES}
    data.update(assessed_by="苏州市数据质量评测中心", assessed_on="2026-03-01", note="")
    data.update(overrides)
    return data


# --- registering and changing entries --------------------------------------------------------


def test_a_member_registers_an_entry_as_a_draft_of_its_organisation(supplier):
    entry = services.create_entry(actor=supplier, data=entry_data())
    assert entry.status == Status.DRAFT and entry.published_at is None
    assert entry.owner == supplier.organisation
    assert entry.sector.code == "manufacturing" and entry.languages == ["zh"]
    assert sorted(t.name for t in entry.tags.all()) == ["工业质检", "机器视觉"]
    (created,) = audits("catalogue.create")
    assert created.actor == supplier and created.object_id == str(entry.pk)
    assert created.after["title"] == "注塑件表面图像数据集" and created.after["status"] == "draft"


def test_languages_may_be_given_as_text(supplier):
    entry = services.create_entry(actor=supplier, data=entry_data(languages="zh、en"))
    assert entry.languages == ["zh", "en"]


def test_members_of_an_unapproved_organisation_cannot_register(pending_demander):
    error = refused(
        lambda: services.create_entry(actor=pending_demander, data=entry_data()),
        PermissionDenied,
    )
    assert "尚未通过审核" in error.message
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "robot"),
        ("task", "mind-reading"),
        ("licence", "WTFPL"),
        ("access", "secret"),
        ("languages", ["xx"]),
        ("title", "  "),
        ("summary", ""),
        ("landing_page", "not a url"),
    ],
)
def test_bad_values_are_refused_field_by_field_in_chinese(supplier, field, value):
    error = refused(
        lambda: services.create_entry(actor=supplier, data=entry_data(**{field: value}))
    )
    assert error.status_code == 400
    assert CHINESE.search(error.message)
    assert CHINESE.search(error.errors[field]), error.errors
    assert not Entry.objects.exists()


def test_a_vertical_model_must_name_its_sector(supplier):
    data = entry_data(kind="model", is_vertical=True, sector="", evaluation="mAP 0.91")
    error = refused(lambda: services.create_entry(actor=supplier, data=data))
    assert error.errors["sector"] == "垂类模型须注明所属领域。"
    with_sector = services.create_entry(actor=supplier, data={**data, "sector": "manufacturing"})
    assert with_sector.is_vertical


def test_model_details_are_dropped_from_data_entries(supplier):
    entry = services.create_entry(
        actor=supplier, data=entry_data(base_model="Qwen2.5-7B", parameters="7B", is_vertical=True)
    )
    assert (entry.base_model, entry.parameters, entry.is_vertical) == ("", "", False)


def test_listing_details_need_the_exchange(supplier):
    error = refused(
        lambda: services.create_entry(
            actor=supplier, data=entry_data(exchange_code="SZDE-2026-001", exchange_price="100")
        )
    )
    assert error.errors["exchange"] == "填写挂牌信息时须注明挂牌交易所。"


def test_a_listing_needs_its_code(supplier):
    error = refused(
        lambda: services.create_entry(actor=supplier, data=entry_data(exchange="苏州大数据交易所"))
    )
    assert error.errors["exchange_code"] == "请填写挂牌编号。"


def test_the_listing_price_cannot_be_negative(supplier):
    data = entry_data(exchange="苏州大数据交易所", exchange_code="SZDE-1", exchange_price="-1")
    error = refused(lambda: services.create_entry(actor=supplier, data=data))
    assert error.errors == {"exchange_price": "挂牌价格不能为负数。"}
    listed = services.create_entry(actor=supplier, data={**data, "exchange_price": "0"})
    assert listed.is_listed and listed.exchange_price == 0


def test_a_restricted_entry_must_explain_its_risks(supplier):
    data = entry_data(access=Access.RESTRICTED, risks="  ")
    error = refused(lambda: services.create_entry(actor=supplier, data=data))
    assert "风险" in error.errors["risks"]


def test_the_same_title_and_kind_twice_in_one_organisation_is_a_conflict(supplier, demander):
    services.create_entry(actor=supplier, data=entry_data())
    error = refused(lambda: services.create_entry(actor=supplier, data=entry_data()), Conflict)
    assert error.status_code == 409 and "title" in error.errors
    assert Entry.objects.count() == 1
    services.create_entry(actor=supplier, data=entry_data(kind="corpus"))
    services.create_entry(actor=demander, data=entry_data())
    assert Entry.objects.count() == 3


def test_renaming_onto_another_entry_of_the_owner_is_a_conflict(supplier):
    services.create_entry(actor=supplier, data=entry_data(title="甲"))
    second = services.create_entry(actor=supplier, data=entry_data(title="乙"))
    refused(
        lambda: services.update_entry(actor=supplier, entry=second, data=entry_data(title="甲")),
        Conflict,
    )
    second.refresh_from_db()
    assert second.title == "乙"


def test_the_owner_updates_and_the_audit_keeps_before_and_after(supplier):
    entry = services.create_entry(actor=supplier, data=entry_data())
    colleague = make_user(org=supplier.organisation)
    data = entry_data(licence="CC0-1.0", tag_names="机器视觉", languages=["zh", "en"])
    updated = services.update_entry(actor=colleague, entry=entry, data=data)
    assert updated.licence == "CC0-1.0" and updated.languages == ["zh", "en"]
    assert [t.name for t in updated.tags.all()] == ["机器视觉"]
    (change,) = audits("catalogue.update")
    assert change.actor == colleague
    assert change.before["licence"] == "CC-BY-4.0" and change.after["licence"] == "CC0-1.0"


@pytest.mark.parametrize("who", ["other_demander", "office"])
def test_only_members_of_the_owner_may_edit(supplier, who, request):
    actor = request.getfixturevalue(who)
    entry = services.create_entry(actor=supplier, data=entry_data())
    refused(
        lambda: services.update_entry(actor=actor, entry=entry, data=entry_data(title="改名")),
        PermissionDenied,
    )
    entry.refresh_from_db()
    assert entry.title == "注塑件表面图像数据集"


def test_a_refused_update_changes_nothing(supplier):
    entry = services.create_entry(actor=supplier, data=entry_data())
    bad = entry_data(title="新名称", tag_names="新标签", licence="nope")
    refused(lambda: services.update_entry(actor=supplier, entry=entry, data=bad))
    entry.refresh_from_db()
    assert entry.title == "注塑件表面图像数据集" and entry.licence == "CC-BY-4.0"
    assert sorted(t.name for t in entry.tags.all()) == ["工业质检", "机器视觉"]
    assert not audits("catalogue.update")


def test_a_write_whose_audit_fails_is_rolled_back_whole(supplier, monkeypatch):
    entry = services.create_entry(actor=supplier, data=entry_data())

    def broken(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr("aiplus.core.audit.record", broken)
    with pytest.raises(RuntimeError):
        services.update_entry(
            actor=supplier, entry=entry, data=entry_data(title="新名称", tag_names="新标签")
        )
    with pytest.raises(RuntimeError):
        services.create_entry(actor=supplier, data=entry_data(title="另一个"))
    with pytest.raises(RuntimeError):
        services.add_version(actor=supplier, entry=entry, data={"version": "1.0"})
    entry.refresh_from_db()
    assert entry.title == "注塑件表面图像数据集"
    assert sorted(t.name for t in entry.tags.all()) == ["工业质检", "机器视觉"]
    assert Entry.objects.count() == 1 and not Version.objects.exists()


# --- publishing and withdrawing --------------------------------------------------------------


def test_publication_lists_what_is_missing_then_succeeds(supplier):
    entry = services.create_entry(actor=supplier, data=entry_data(intended_use="", data_sources=""))
    error = refused(lambda: services.publish_entry(actor=supplier, entry=entry))
    assert error.status_code == 400
    for missing in ("预期用途", "尚未登记任何版本", "数据来源"):
        assert missing in error.message
    entry.refresh_from_db()
    assert entry.status == Status.DRAFT

    services.update_entry(actor=supplier, entry=entry, data=entry_data())
    services.add_version(actor=supplier, entry=entry, data={"version": "1.0"})
    published = services.publish_entry(actor=supplier, entry=entry)
    assert published.status == Status.PUBLISHED and published.published_at is not None
    (event,) = audits("catalogue.publish")
    assert event.actor == supplier
    assert (event.before, event.after) == ({"status": "draft"}, {"status": "published"})


def test_a_model_card_needs_its_evaluation(supplier):
    entry = make_entry(supplier, kind="model", published=False, evaluation="")
    error = refused(lambda: services.publish_entry(actor=supplier, entry=entry))
    assert "评测结果" in error.message


def test_an_application_demo_needs_no_version(supplier):
    entry = make_entry(supplier, kind="demo", version=None, data_sources="")
    assert entry.status == Status.PUBLISHED


def test_publishing_twice_is_a_conflict(supplier):
    entry = make_entry(supplier)
    refused(lambda: services.publish_entry(actor=supplier, entry=entry), Conflict)


def test_only_the_owner_publishes(supplier, office):
    entry = make_entry(supplier, published=False)
    refused(lambda: services.publish_entry(actor=office, entry=entry), PermissionDenied)


def test_the_owner_withdraws_its_entry(supplier):
    entry = services.withdraw_entry(actor=supplier, entry=make_entry(supplier))
    assert entry.status == Status.WITHDRAWN
    (event,) = audits("catalogue.withdraw")
    assert event.actor == supplier and event.after["status"] == "withdrawn"


def test_the_office_withdraws_only_with_a_reason(supplier, office):
    entry = make_entry(supplier)
    error = refused(lambda: services.withdraw_entry(actor=office, entry=entry, note=" "))
    assert error.errors == {"note": "专班下架条目须说明原因。"}
    entry.refresh_from_db()
    assert entry.status == Status.PUBLISHED
    services.withdraw_entry(actor=office, entry=entry, note="数据来源未获授权。")
    (event,) = audits("catalogue.withdraw")
    assert event.actor == office and event.after["note"] == "数据来源未获授权。"


def test_other_organisations_cannot_withdraw(supplier, demander):
    entry = make_entry(supplier)
    refused(
        lambda: services.withdraw_entry(actor=demander, entry=entry, note="不喜欢"),
        PermissionDenied,
    )
    entry.refresh_from_db()
    assert entry.status == Status.PUBLISHED


def test_a_draft_cannot_be_withdrawn(supplier):
    entry = make_entry(supplier, published=False)
    refused(lambda: services.withdraw_entry(actor=supplier, entry=entry), Conflict)


def test_an_entry_the_office_withdrew_is_reinstated_by_the_office_only(supplier, office):
    entry = services.withdraw_entry(actor=office, entry=make_entry(supplier), note="授权存疑。")
    assert entry.withdrawn_by_office and entry.withdrawn_note == "授权存疑。"
    error = refused(lambda: services.publish_entry(actor=supplier, entry=entry), Conflict)
    assert "须专班恢复" in error.message and "授权存疑" in error.message
    entry = services.publish_entry(actor=office, entry=entry)
    assert entry.status == Status.PUBLISHED and not entry.withdrawn_by_office
    services.withdraw_entry(actor=supplier, entry=entry)
    assert services.publish_entry(actor=supplier, entry=entry).status == Status.PUBLISHED


def test_the_office_cannot_publish_an_owners_draft(supplier, office):
    entry = make_entry(supplier, published=False)
    refused(lambda: services.publish_entry(actor=office, entry=entry), PermissionDenied)


def test_a_published_entry_cannot_be_edited_into_an_unpublishable_one(supplier):
    entry = make_entry(supplier)
    error = refused(
        lambda: services.update_entry(
            actor=supplier, entry=entry, data=entry_data(intended_use="", summary="新的介绍")
        )
    )
    assert "预期用途" in error.message
    entry.refresh_from_db()
    assert entry.intended_use and entry.summary != "新的介绍"


def test_a_model_names_one_of_its_owners_own_filings(supplier, demander):
    from aiplus.governance.models import AlgorithmFiling

    own = AlgorithmFiling.objects.create(
        organisation=supplier.organisation, kind="generative", name="运维问答", number="G-1"
    )
    other = AlgorithmFiling.objects.create(
        organisation=demander.organisation, kind="generative", name="别家", number="G-2"
    )
    model = dict(kind="model", title="运维问答大模型", evaluation="准确率 86%")
    error = refused(
        lambda: services.create_entry(actor=supplier, data=entry_data(**model, filing=other.pk))
    )
    assert "filing" in error.errors
    entry = services.create_entry(actor=supplier, data=entry_data(**model, filing=own.pk))
    assert entry.filing == own
    dataset = services.create_entry(actor=supplier, data=entry_data(filing=own.pk))
    assert dataset.filing is None  # only models carry a filing


# --- quality ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "grade"),
    [
        ([95, 95, 95, 95, 95, 95], Grade.A),
        ([90, 90, 90, 90, 90, 89], Grade.B),
        ([80, 80, 80, 80, 80, 80], Grade.B),
        ([60, 60, 60, 60, 60, 60], Grade.C),
        ([100, 100, 100, 20, 20, 19], Grade.D),
    ],
)
def test_the_grade_follows_the_mean_score(supplier, office, scores, grade):
    entry = make_entry(supplier)
    data = quality(**{f"score_{n}": s for n, s in zip(SCORES, scores, strict=True)})
    assessed = services.assess_quality(actor=office, entry=entry, data=data)
    assert assessed.quality_grade == grade
    assert assessed.quality_scores == dict(zip(SCORES, scores, strict=True))
    assert assessed.is_high_quality == (grade != Grade.D)


def test_the_office_records_the_assessment_with_its_audit(supplier, office):
    entry = services.assess_quality(actor=office, entry=make_entry(supplier), data=quality(85))
    assert entry.assessed_by == "苏州市数据质量评测中心" and str(entry.assessed_on) == "2026-03-01"
    (event,) = audits("catalogue.assess")
    assert event.actor == office
    assert event.before["quality_grade"] == "" and event.after["quality_grade"] == "B"


@pytest.mark.parametrize("who", ["supplier", "demander", "district_officer"])
def test_only_the_office_assesses_quality(supplier, who, request):
    entry = make_entry(supplier)
    actor = request.getfixturevalue(who)
    refused(
        lambda: services.assess_quality(actor=actor, entry=entry, data=quality()),
        PermissionDenied,
    )
    entry.refresh_from_db()
    assert entry.quality_grade == ""


def test_scores_must_lie_between_0_and_100(supplier, office):
    entry = make_entry(supplier)
    error = refused(
        lambda: services.assess_quality(actor=office, entry=entry, data=quality(score_accuracy=101))
    )
    assert error.errors["score_accuracy"] == "评分须在 0 至 100 之间。"
    missing = quality()
    del missing["score_timeliness"]
    error = refused(lambda: services.assess_quality(actor=office, entry=entry, data=missing))
    assert CHINESE.search(error.errors["score_timeliness"])


def test_application_demos_are_not_assessed(supplier, office):
    demo = make_entry(supplier, kind="demo", version=None)
    refused(lambda: services.assess_quality(actor=office, entry=demo, data=quality()), Conflict)


# --- versions and files ----------------------------------------------------------------------


def test_a_version_without_a_date_is_released_today(supplier):
    entry = make_entry(supplier, published=False, version=None)
    version = services.add_version(actor=supplier, entry=entry, data={"version": "2025.03"})
    assert version.released_on == timezone.localdate()
    dated = services.add_version(
        actor=supplier, entry=entry, data={"version": "2.0", "released_on": "2026-01-15"}
    )
    assert str(dated.released_on) == "2026-01-15"
    assert [e.after for e in audits("catalogue.version")] == [
        {"version": "2025.03"},
        {"version": "2.0"},
    ]


def test_a_version_number_is_used_once_per_entry(supplier):
    entry = make_entry(supplier, published=False)
    error = refused(
        lambda: services.add_version(actor=supplier, entry=entry, data={"version": "1.0"}),
        Conflict,
    )
    assert error.errors == {"version": "版本号重复。"}
    assert entry.versions.count() == 1


@pytest.mark.parametrize("bad", ["", "v 1", "1.0/2", ".1", "版本一"])
def test_a_version_number_is_letters_digits_and_dots(supplier, bad):
    entry = make_entry(supplier, published=False, version=None)
    error = refused(
        lambda: services.add_version(actor=supplier, entry=entry, data={"version": bad})
    )
    assert CHINESE.search(error.errors["version"])
    assert not entry.versions.exists()


def test_only_the_owner_adds_versions(supplier, demander):
    entry = make_entry(supplier)
    refused(
        lambda: services.add_version(actor=demander, entry=entry, data={"version": "2.0"}),
        PermissionDenied,
    )


def test_an_upload_is_stored_with_its_size_type_and_sha256(supplier):
    entry = make_entry(supplier, published=False, body=None)
    version = entry.versions.get()
    item = services.add_file(actor=supplier, version=version, upload=upload(BYTES, "标注.csv"))
    assert item.name == "标注.csv" and item.byte_size == len(BYTES)
    assert item.sha256 == hashlib.sha256(BYTES).hexdigest()
    assert item.media_type == "text/csv" and item.url == ""
    with item.file.open("rb") as stored:
        assert stored.read() == BYTES
    (event,) = audits("catalogue.file.add")
    assert event.actor == supplier and event.after == {"file": "标注.csv"}


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("run.exe", b"MZ", "不支持的文件类型"),
        ("notes", b"text", "不支持的文件类型"),
        ("empty.csv", b"", "文件为空"),
    ],
)
def test_uploads_of_the_wrong_type_or_empty_are_refused(supplier, name, body, message):
    version = make_entry(supplier, published=False, body=None).versions.get()
    error = refused(
        lambda: services.add_file(actor=supplier, version=version, upload=upload(body, name))
    )
    assert message in error.message and "file" in error.errors
    assert not File.objects.exists()


def test_uploads_over_the_size_limit_are_refused(supplier, settings):
    settings.CATALOGUE_MAX_UPLOAD_MB = 1
    version = make_entry(supplier, published=False, body=None).versions.get()
    big = upload(b"x" * (1024 * 1024 + 1), "big.csv")
    error = refused(lambda: services.add_file(actor=supplier, version=version, upload=big))
    assert "不能超过 1 MB" in error.message and "外部地址" in error.message
    assert not File.objects.exists()
    exact = upload(b"x" * (1024 * 1024), "exact.csv")
    assert services.add_file(actor=supplier, version=version, upload=exact).byte_size == 1024**2


def test_only_the_owner_uploads(supplier, demander):
    version = make_entry(supplier, body=None).versions.get()
    refused(
        lambda: services.add_file(actor=demander, version=version, upload=upload()),
        PermissionDenied,
    )
    assert not File.objects.exists()


def test_an_external_file_keeps_its_address_and_no_upload(supplier):
    version = make_entry(supplier, published=False, body=None).versions.get()
    digest = "AB" * 32
    item = services.add_external_file(
        actor=supplier,
        version=version,
        data={"name": "全量包", "url": "https://oss.example.cn/a.zip", "sha256": digest},
    )
    assert item.url == "https://oss.example.cn/a.zip" and not item.file
    assert item.sha256 == digest.lower()
    (event,) = audits("catalogue.file.add")
    assert event.after == {"file": "全量包", "url": "https://oss.example.cn/a.zip"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "包", "url": ""}, "url"),
        ({"name": "包", "url": "javascript:alert(1)"}, "url"),
        ({"name": "包", "url": "https://oss.example.cn/a.zip", "sha256": "abc"}, "sha256"),
        ({"name": "", "url": "https://oss.example.cn/a.zip"}, "name"),
    ],
)
def test_an_external_file_needs_a_web_address_and_a_real_digest(supplier, data, field):
    version = make_entry(supplier, published=False, body=None).versions.get()
    error = refused(lambda: services.add_external_file(actor=supplier, version=version, data=data))
    assert CHINESE.search(error.errors[field])
    assert not File.objects.exists()


def test_removing_a_file_deletes_it_from_storage_after_commit(
    supplier, django_capture_on_commit_callbacks
):
    entry = make_entry(supplier)
    item = first_file(entry)
    storage, stored = item.file.storage, item.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_file(actor=supplier, item=item)
    assert not File.objects.exists() and not storage.exists(stored)
    (event,) = audits("catalogue.file.remove")
    assert event.actor == supplier and event.before == {"file": "images.csv"}


def test_only_the_owner_removes_files(supplier, office):
    item = first_file(make_entry(supplier))
    refused(lambda: services.remove_file(actor=office, item=item), PermissionDenied)
    assert File.objects.filter(pk=item.pk).exists()


# --- links to scenarios ----------------------------------------------------------------------


@pytest.fixture
def public_demand(demander, office):
    return make_demand(demander, status=DemandStatus.PUBLISHED, office=office)


@pytest.fixture
def solution(supplier):
    return Solution.objects.create(
        supplier=supplier.organisation, title="注塑件外观AI质检", summary="产线在线检测"
    )


def test_the_owner_links_public_demands_and_solutions(supplier, public_demand, solution):
    entry = make_entry(supplier)
    services.set_links(
        actor=supplier, entry=entry, demand_ids=[public_demand.pk], solution_ids=[solution.pk]
    )
    assert list(entry.demands.all()) == [public_demand]
    assert list(entry.solutions.all()) == [solution]
    services.set_links(actor=supplier, entry=entry, demand_ids=[], solution_ids=[solution.pk])
    assert not entry.demands.exists()
    first, second = audits("catalogue.links")
    assert first.before == {"demands": [], "solutions": []}
    assert first.after == {"demands": [public_demand.pk], "solutions": [solution.pk]}
    assert second.before == first.after and second.actor == supplier


@pytest.mark.parametrize(
    "demand_kind", ["draft", "private", "missing"], ids=["draft", "private", "missing"]
)
def test_demands_that_are_not_public_cannot_be_linked(
    supplier, demander, office, public_demand, demand_kind
):
    if demand_kind == "draft":
        demand_id = make_demand(demander, title="未提交的需求").pk
    elif demand_kind == "private":
        demand_id = make_demand(
            demander,
            status=DemandStatus.PUBLISHED,
            office=office,
            title="仅专班可见的需求",
            visibility=Visibility.PRIVATE,
        ).pk
    else:
        demand_id = 999_999
    entry = make_entry(supplier)
    error = refused(
        lambda: services.set_links(
            actor=supplier, entry=entry, demand_ids=[public_demand.pk, demand_id], solution_ids=[]
        )
    )
    assert "demand_ids" in error.errors
    assert not entry.demands.exists() and not audits("catalogue.links")


def test_unpublished_solutions_cannot_be_linked(supplier, solution):
    Solution.objects.filter(pk=solution.pk).update(is_published=False)
    entry = make_entry(supplier)
    error = refused(
        lambda: services.set_links(
            actor=supplier, entry=entry, demand_ids=[], solution_ids=[solution.pk]
        )
    )
    assert "solution_ids" in error.errors


def test_only_the_owner_sets_links(supplier, demander, public_demand):
    entry = make_entry(supplier)
    refused(
        lambda: services.set_links(
            actor=demander, entry=entry, demand_ids=[public_demand.pk], solution_ids=[]
        ),
        PermissionDenied,
    )


def test_a_demander_marks_that_its_demand_needs_a_published_entry(
    supplier, demander, public_demand
):
    entry = make_entry(supplier)
    services.link_own(actor=demander, entry=entry, demand=public_demand)
    assert list(entry.demands.all()) == [public_demand]
    services.link_own(actor=demander, entry=entry, demand=public_demand, linked=False)
    assert not entry.demands.exists()
    linked, unlinked = audits("catalogue.link") + audits("catalogue.unlink")
    assert linked.actor == demander and linked.after == {"demand": public_demand.pk, "linked": True}
    assert unlinked.before == {"demand": public_demand.pk, "linked": True}


def test_a_supplier_marks_that_its_solution_uses_an_entry(demander, supplier, solution):
    entry = make_entry(demander)
    services.link_own(actor=supplier, entry=entry, solution=solution)
    assert list(entry.solutions.all()) == [solution]


def test_nobody_links_another_organisations_demand_or_solution(
    supplier, other_demander, public_demand, solution
):
    entry = make_entry(supplier)
    refused(
        lambda: services.link_own(actor=other_demander, entry=entry, demand=public_demand),
        PermissionDenied,
    )
    refused(
        lambda: services.link_own(actor=other_demander, entry=entry, solution=solution),
        PermissionDenied,
    )
    assert not entry.demands.exists() and not entry.solutions.exists()


def test_only_published_entries_are_linked_to_own_demands(supplier, demander, public_demand):
    draft = make_entry(supplier, published=False)
    refused(lambda: services.link_own(actor=demander, entry=draft, demand=public_demand), Conflict)


# --- access requests -------------------------------------------------------------------------


def test_open_entries_need_no_request(supplier, demander):
    error = refused(lambda: ask(demander, make_entry(supplier)), Conflict)
    assert "无需申请" in error.message


def test_an_organisation_asks_for_an_entry_on_request(supplier, demander):
    entry = on_request(supplier)
    req = ask(demander, entry)
    assert req.status == RequestStatus.PENDING and req.organisation == demander.organisation
    assert req.requested_by == demander and not req.agreement
    (event,) = audits("catalogue.request")
    assert event.actor == demander and event.after["status"] == "pending"


def test_restricted_data_needs_the_signed_agreement(supplier, demander):
    entry = restricted(supplier)
    error = refused(
        lambda: services.request_access(actor=demander, entry=entry, data={"purpose": PURPOSE})
    )
    assert error.errors == {"agreement": "请上传协议。"}
    assert not AccessRequest.objects.exists()
    req = ask(demander, entry)
    assert req.agreement_name == "agreement.pdf"
    with req.agreement.open("rb") as stored:
        assert stored.read() == AGREEMENT


def test_the_agreement_must_be_a_document(supplier, demander):
    entry = restricted(supplier)
    script = SimpleUploadedFile("agreement.sh", b"rm -rf /", "text/x-shellscript")
    error = refused(
        lambda: services.request_access(
            actor=demander, entry=entry, data={"purpose": PURPOSE}, agreement=script
        )
    )
    assert "不支持的文件类型" in error.message
    assert not AccessRequest.objects.exists()


def test_the_purpose_is_stated_in_earnest(supplier, demander):
    entry = on_request(supplier)
    error = refused(
        lambda: services.request_access(actor=demander, entry=entry, data={"purpose": "研究"})
    )
    assert error.errors == {"purpose": "请具体说明用途（不少于 10 个字）。"}


def test_one_pending_request_per_organisation(supplier, demander, other_demander):
    entry = on_request(supplier)
    ask(demander, entry)
    colleague = make_user(org=demander.organisation)
    error = refused(lambda: ask(colleague, entry), Conflict)
    assert "待审批" in error.message
    ask(other_demander, entry)
    assert AccessRequest.objects.filter(status=RequestStatus.PENDING).count() == 2


@pytest.mark.parametrize("who", ["supplier", "office", "pending_demander"])
def test_the_owner_the_office_and_unapproved_bodies_do_not_request(supplier, who, request):
    entry = on_request(supplier)
    actor = request.getfixturevalue(who)
    refused(lambda: ask(actor, entry), PermissionDenied)
    assert not AccessRequest.objects.exists()


def test_drafts_and_withdrawn_entries_take_no_requests(supplier, demander):
    draft = on_request(supplier, published=False)
    refused(lambda: ask(demander, draft), PermissionDenied)
    withdrawn = services.withdraw_entry(actor=supplier, entry=on_request(supplier, title="另一个"))
    refused(lambda: ask(demander, withdrawn), PermissionDenied)


def test_the_owner_approves_and_access_follows(supplier, demander):
    entry = on_request(supplier)
    req = ask(demander, entry)
    assert not permissions.can_download(demander, entry)
    decided = services.decide_request(
        actor=supplier, request=req, data={"approve": True, "note": "同意"}
    )
    assert decided.status == RequestStatus.APPROVED and decided.valid_until is None
    assert decided.decided_by == supplier and decided.decided_at is not None
    assert permissions.can_download(demander, entry)
    assert permissions.can_download(make_user(org=demander.organisation), entry)
    (event,) = audits("catalogue.request.approve")
    assert event.actor == supplier
    assert event.before["status"] == "pending" and event.after["status"] == "approved"
    error = refused(lambda: ask(demander, entry), Conflict)
    assert "已获批" in error.message


def test_a_refusal_needs_a_reason(supplier, demander):
    req = ask(demander, on_request(supplier))
    error = refused(
        lambda: services.decide_request(actor=supplier, request=req, data={"approve": False})
    )
    assert error.errors == {"note": "请填写原因。"}
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING
    services.decide_request(
        actor=supplier, request=req, data={"approve": False, "note": "用途超出许可范围。"}
    )
    req.refresh_from_db()
    assert req.status == RequestStatus.REJECTED and req.decision_note == "用途超出许可范围。"
    assert not permissions.can_download(demander, req.entry)
    (event,) = audits("catalogue.request.reject")
    assert event.after["decision_note"] == "用途超出许可范围。"


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (None, "受限数据的使用须设定有效期。"),
        (367, "受限数据的使用有效期不能超过一年。"),
        (-1, "有效期不能早于今天。"),
    ],
)
def test_restricted_approval_lasts_a_year_at_most(supplier, demander, days, message):
    req = ask(demander, restricted(supplier))
    until = "" if days is None else timezone.localdate() + timedelta(days=days)
    error = refused(
        lambda: services.decide_request(
            actor=supplier, request=req, data={"approve": True, "valid_until": until}
        )
    )
    assert error.message == message
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING


def test_restricted_approval_for_a_year_is_accepted(supplier, demander):
    req = ask(demander, restricted(supplier))
    decided = services.decide_request(
        actor=supplier, request=req, data={"approve": True, "valid_until": a_year_from_today()}
    )
    assert decided.valid_until == a_year_from_today()
    assert permissions.can_download(demander, decided.entry)


@pytest.mark.parametrize("who", ["demander", "office", "other_demander"])
def test_only_the_owner_decides(supplier, demander, who, request):
    req = ask(demander, on_request(supplier))
    actor = request.getfixturevalue(who)
    refused(
        lambda: services.decide_request(actor=actor, request=req, data={"approve": True}),
        PermissionDenied,
    )
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING


def test_a_decided_request_is_not_decided_again(supplier, demander):
    req = granted(demander, on_request(supplier), status=RequestStatus.REJECTED)
    refused(
        lambda: services.decide_request(actor=supplier, request=req, data={"approve": True}),
        Conflict,
    )


def test_the_owner_revokes_with_a_reason(supplier, demander):
    entry = on_request(supplier)
    req = granted(demander, entry)
    refused(lambda: services.revoke_request(actor=supplier, request=req, note=""))
    refused(
        lambda: services.revoke_request(actor=demander, request=req, note="我们不要了"),
        PermissionDenied,
    )
    assert permissions.can_download(demander, entry)
    revoked = services.revoke_request(actor=supplier, request=req, note="合作终止。")
    assert revoked.status == RequestStatus.REVOKED
    assert not permissions.can_download(demander, entry)
    (event,) = audits("catalogue.request.revoke")
    assert event.actor == supplier and event.before["status"] == "approved"
    refused(lambda: services.revoke_request(actor=supplier, request=req, note="再次"), Conflict)


def test_the_requester_withdraws_its_pending_request(supplier, demander, other_demander):
    entry = on_request(supplier)
    req = ask(demander, entry)
    refused(lambda: services.withdraw_request(actor=other_demander, request=req), PermissionDenied)
    withdrawn = services.withdraw_request(actor=demander, request=req)
    assert withdrawn.status == RequestStatus.WITHDRAWN
    (event,) = audits("catalogue.request.withdraw")
    assert event.actor == demander
    refused(lambda: services.withdraw_request(actor=demander, request=req), Conflict)
    assert ask(demander, entry).status == RequestStatus.PENDING


def test_an_approved_request_cannot_be_withdrawn_by_the_requester(supplier, demander):
    req = granted(demander, on_request(supplier))
    refused(lambda: services.withdraw_request(actor=demander, request=req), Conflict)


def test_an_expired_approval_grants_nothing_and_a_new_request_may_follow(supplier, demander):
    entry = restricted(supplier)
    req = granted(demander, entry, status="expired")
    assert req.status == RequestStatus.APPROVED and not req.grants_access()
    assert permissions.approved_request(demander, entry) is None
    assert not permissions.can_download(demander, entry)
    assert ask(demander, entry).status == RequestStatus.PENDING


def test_an_approval_is_good_through_its_last_day(supplier, demander):
    entry = on_request(supplier)
    req = granted(demander, entry)
    AccessRequest.objects.filter(pk=req.pk).update(valid_until=timezone.localdate())
    assert permissions.can_download(demander, entry)


def test_deciding_a_request_that_is_gone_is_not_found(supplier, demander):
    req = ask(demander, on_request(supplier))
    AccessRequest.objects.filter(pk=req.pk).delete()
    refused(
        lambda: services.decide_request(actor=supplier, request=req, data={"approve": True}),
        NotFound,
    )


# --- who may have the files ------------------------------------------------------------------


@pytest.mark.parametrize("access", [Access.ON_REQUEST, Access.RESTRICTED])
def test_files_of_a_closed_entry_go_to_owner_office_and_approved_bodies_only(
    supplier, demander, other_demander, office, district_officer, pending_demander, access
):
    entry = make_entry(
        supplier, access=access, licence="agreement", risks="含企业生产数据，须签署协议。"
    )
    granted(demander, entry)
    assert permissions.can_download(supplier, entry)
    assert permissions.can_download(office, entry)
    assert permissions.can_download(demander, entry)
    from django.contrib.auth.models import AnonymousUser

    for outsider in (AnonymousUser(), other_demander, district_officer, pending_demander):
        assert not permissions.can_download(outsider, entry), outsider


def test_a_grant_ends_when_the_grantee_is_no_longer_approved(supplier, demander):
    entry = on_request(supplier)
    granted(demander, entry)
    demander.organisation.status = OrgStatus.SUSPENDED
    demander.organisation.save()
    demander.refresh_from_db()
    assert not permissions.can_download(demander, entry)


def make_restricted(owner, entry: Entry) -> Entry:
    data = entry_data(title=entry.title, access=Access.RESTRICTED, licence="agreement")
    return services.update_entry(actor=owner, entry=entry, data=data)


@pytest.mark.parametrize("until", [None, "a year"])
def test_a_grant_given_on_request_does_not_carry_over_when_the_entry_becomes_restricted(
    supplier, demander, until
):
    entry = on_request(supplier)
    req = ask(demander, entry)
    valid_until = a_year_from_today() if until else ""
    services.decide_request(
        actor=supplier, request=req, data={"approve": True, "valid_until": valid_until}
    )
    assert permissions.can_download(demander, entry)
    entry = make_restricted(supplier, entry)
    req.refresh_from_db()
    assert not permissions.can_download(demander, entry) and not req.grants_access()
    # the way back in is a request with the signed agreement
    assert ask(demander, entry).agreement


def test_a_request_without_the_agreement_is_not_approved_for_restricted_data(supplier, demander):
    entry = on_request(supplier)
    req = ask(demander, entry)
    make_restricted(supplier, entry)
    error = refused(
        lambda: services.decide_request(
            actor=supplier, request=req, data={"approve": True, "valid_until": a_year_from_today()}
        )
    )
    assert error.errors == {"agreement": "缺少数据使用协议。"}
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING


def test_a_withdrawn_entry_serves_only_its_owner_and_the_office(supplier, demander, office):
    entry = on_request(supplier)
    granted(demander, entry)
    services.withdraw_entry(actor=supplier, entry=entry)
    entry.refresh_from_db()
    assert not permissions.can_download(demander, entry)
    assert permissions.can_download(supplier, entry) and permissions.can_download(office, entry)


def test_open_entries_serve_everyone_once_published(supplier, demander):
    from django.contrib.auth.models import AnonymousUser

    draft = make_entry(supplier, published=False)
    assert not permissions.can_download(AnonymousUser(), draft)
    assert not permissions.can_download(demander, draft)
    published = services.publish_entry(actor=supplier, entry=draft)
    assert permissions.can_download(AnonymousUser(), published)


def test_every_step_of_a_grant_is_audited_with_its_actor(supplier, demander, office):
    entry = restricted(supplier)
    req = granted(demander, entry)
    services.revoke_request(actor=supplier, request=req, note="到期前终止。")
    services.withdraw_entry(actor=office, entry=entry, note="核查中。")
    actions = list(
        AuditEntry.objects.filter(action__startswith="catalogue.")
        .order_by("pk")
        .values_list("action", "actor__username")
    )
    assert [a for a, _ in actions] == [
        "catalogue.create",
        "catalogue.version",
        "catalogue.file.add",
        "catalogue.publish",
        "catalogue.request",
        "catalogue.request.approve",
        "catalogue.request.revoke",
        "catalogue.withdraw",
    ]
    assert all(username for _, username in actions)
    assert actions[4][1] == demander.username and actions[-1][1] == office.username
