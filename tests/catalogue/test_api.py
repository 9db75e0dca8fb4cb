"""The catalogue API: public search and cards; entries, versions and files for their owners;
quality for the office; access requests and decisions; and above all the rule that the files of
an entry "on request" or "restricted" are served — bytes, redirect or address — only to the
owner, the office and organisations holding an approved, unexpired grant, each time recorded in
the access log that only the owner and the office read."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from aiplus.accounts.choices import OrgStatus
from aiplus.catalogue import services
from aiplus.catalogue.choices import Access, RequestStatus, Status
from aiplus.catalogue.models import AccessRequest, Download, Entry, File, Version
from aiplus.core.models import AuditEntry
from aiplus.scenarios.choices import DemandStatus

from ..apiclient import api_as
from ..factories import make_demand, make_user
from .support import (
    AGREEMENT,
    BYTES,
    PURPOSE,
    a_year_from_today,
    ask,
    body_of,
    entry_data,
    first_file,
    granted,
    make_entry,
)

pytestmark = pytest.mark.django_db

SECRET_URL = "https://oss.example.cn/private/secret-bundle.zip"
CLOSED = [Access.ON_REQUEST, Access.RESTRICTED]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def closed_entry(owner, access, **overrides) -> Entry:
    """A published entry that is not open, with an uploaded file and an external one."""
    return make_entry(owner, access=access, licence="agreement", url=SECRET_URL, **overrides)


def files_of(entry: Entry) -> list[File]:
    return list(File.objects.filter(version__entry=entry).order_by("pk"))


def download(api, item: File):
    return api.get(f"/api/catalogue/files/{item.pk}/download")


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"message", "errors"} and body["message"], body
    return body


def file_urls(detail: dict) -> list[str | None]:
    return [f["download_url"] for v in detail["versions"] for f in v["files"]]


def request_over_api(api, entry: Entry, *, purpose: str = PURPOSE, agreement: bytes | None = None):
    data = {"purpose": purpose}
    if agreement is not None:
        data["agreement"] = io.BytesIO(agreement)
        data["agreement"].name = "协议.pdf"
    return api.client.post(f"/api/catalogue/entries/{entry.pk}/requests", data, **api.headers)


# --- the key property: closed files only to the approved ------------------------------------


UNAPPROVED = [
    "anonymous",
    "another_organisation",
    "district_officer",
    "pending_request",
    "rejected_request",
    "revoked_grant",
    "expired_grant",
    "withdrawn_request",
    "pending_organisation",
    "grantee_suspended",
]


def outsider(situation: str, entry: Entry, request):
    """An API client of someone who must not have `entry`'s files."""
    if situation == "anonymous":
        return api_as()
    if situation == "another_organisation":
        return api_as(request.getfixturevalue("other_demander"))
    if situation == "district_officer":
        return api_as(request.getfixturevalue("district_officer"))
    if situation == "pending_organisation":
        return api_as(request.getfixturevalue("pending_demander"))
    demander = request.getfixturevalue("demander")
    status = {
        "pending_request": RequestStatus.PENDING,
        "rejected_request": RequestStatus.REJECTED,
        "revoked_grant": RequestStatus.REVOKED,
        "expired_grant": "expired",
        "withdrawn_request": RequestStatus.WITHDRAWN,
        "grantee_suspended": RequestStatus.APPROVED,
    }[situation]
    granted(demander, entry, status=status)
    if situation == "grantee_suspended":
        demander.organisation.status = OrgStatus.SUSPENDED
        demander.organisation.save()
    return api_as(demander)


@pytest.mark.parametrize("access", CLOSED)
@pytest.mark.parametrize("situation", UNAPPROVED)
def test_closed_files_are_never_served_to_the_unapproved(supplier, access, situation, request):
    entry = closed_entry(supplier, access)
    api = outsider(situation, entry, request)
    for item in files_of(entry):
        response = download(api, item)
        assert_error(response, 403)
        assert BYTES not in body_of(response)
        assert "Location" not in response and SECRET_URL.encode() not in response.content
    detail = api.get(f"/api/catalogue/entries/{entry.pk}")
    assert detail.status_code == 200
    body = detail.json()
    assert body["can_download"] is False
    assert file_urls(body) == [None, None]
    assert b"secret-bundle" not in detail.content
    assert not Download.objects.exists()


@pytest.mark.parametrize("access", [Access.OPEN, *CLOSED])
@pytest.mark.parametrize("who", ["anonymous", "other_demander", "district_officer"])
def test_a_drafts_files_and_card_are_not_found_for_outsiders(supplier, access, who, request):
    entry = closed_entry(supplier, access, published=False)
    api = api_as() if who == "anonymous" else api_as(request.getfixturevalue(who))
    assert_error(api.get(f"/api/catalogue/entries/{entry.pk}"), 404)
    for item in files_of(entry):
        response = download(api, item)
        assert_error(response, 404)
        assert "Location" not in response and BYTES not in body_of(response)
    assert not Download.objects.exists()


@pytest.mark.parametrize("access", CLOSED)
def test_a_withdrawn_entry_is_no_longer_served_to_its_grantee(supplier, demander, access):
    entry = closed_entry(supplier, access)
    granted(demander, entry)
    services.withdraw_entry(actor=supplier, entry=entry)
    api = api_as(demander)
    assert_error(api.get(f"/api/catalogue/entries/{entry.pk}"), 404)
    for item in files_of(entry):
        assert_error(download(api, item), 404)
    assert not Download.objects.exists()


@pytest.mark.parametrize("access", CLOSED)
@pytest.mark.parametrize("who", ["owner", "colleague", "office", "grantee"])
def test_closed_files_are_served_to_owner_office_and_grantee(
    supplier, office, demander, access, who
):
    entry = closed_entry(supplier, access)
    user = {
        "owner": supplier,
        "colleague": make_user(org=supplier.organisation),
        "office": office,
        "grantee": demander,
    }[who]
    if who == "grantee":
        granted(demander, entry)
    api = api_as(user)
    detail = api.get(f"/api/catalogue/entries/{entry.pk}").json()
    assert detail["can_download"] is True
    uploaded, external = files_of(entry)
    assert file_urls(detail) == [
        f"/api/catalogue/files/{uploaded.pk}/download",
        f"/api/catalogue/files/{external.pk}/download",
    ]
    assert SECRET_URL not in str(detail)  # even the allowed get the address only by fetching

    got = api.get(file_urls(detail)[0])
    assert got.status_code == 200
    assert body_of(got) == BYTES
    assert hashlib.sha256(BYTES).hexdigest() == detail["versions"][0]["files"][0]["sha256"]
    assert got["Content-Disposition"].startswith("attachment")
    assert got["X-Content-Type-Options"] == "nosniff"

    redirect = api.get(file_urls(detail)[1])
    assert redirect.status_code == 302 and redirect["Location"] == SECRET_URL

    rows = list(Download.objects.order_by("pk").values_list("file", "user", "organisation", "via"))
    assert rows == [
        (uploaded.pk, user.pk, user.organisation_id, "api"),
        (external.pk, user.pk, user.organisation_id, "api"),
    ]


def test_a_grant_given_on_request_is_not_served_once_the_entry_is_restricted(supplier, demander):
    entry = closed_entry(supplier, Access.ON_REQUEST)
    granted(demander, entry)
    api = api_as(demander)
    assert download(api, files_of(entry)[0]).status_code == 200
    restrict = api_entry(access="restricted", licence="agreement")
    assert api_as(supplier).put(f"/api/catalogue/entries/{entry.pk}", restrict).status_code == 200
    for item in files_of(entry):
        assert_error(download(api, item), 403)
    assert file_urls(api.get(f"/api/catalogue/entries/{entry.pk}").json()) == [None, None]
    assert Download.objects.count() == 1


def test_a_grant_covers_every_member_of_the_grantee(supplier, demander):
    entry = closed_entry(supplier, Access.RESTRICTED)
    granted(demander, entry)
    colleague = make_user(org=demander.organisation)
    response = download(api_as(colleague), files_of(entry)[0])
    assert response.status_code == 200 and body_of(response) == BYTES


def test_a_revoked_grant_stops_the_next_download(supplier, demander):
    entry = closed_entry(supplier, Access.ON_REQUEST)
    req = granted(demander, entry)
    api = api_as(demander)
    item = files_of(entry)[0]
    assert download(api, item).status_code == 200
    services.revoke_request(actor=supplier, request=req, note="合作终止。")
    assert_error(download(api, item), 403)
    assert Download.objects.count() == 1


def test_open_files_are_served_to_anyone_and_recorded(supplier):
    entry = make_entry(supplier, url=SECRET_URL)
    api = api_as()
    detail = api.get(f"/api/catalogue/entries/{entry.pk}").json()
    assert detail["can_download"] is True and detail["can_request"] is False
    got = api.get(file_urls(detail)[0])
    assert got.status_code == 200 and body_of(got) == BYTES
    (row,) = Download.objects.all()
    assert row.user is None and row.organisation is None and row.via == "api"


def test_a_missing_file_is_not_found_and_not_counted(supplier):
    entry = make_entry(supplier)
    item = first_file(entry)
    item.file.storage.delete(item.file.name)
    assert_error(download(api_as(supplier), item), 404)
    assert not Download.objects.exists()


def test_a_bad_token_is_refused_rather_than_treated_as_anonymous(supplier):
    entry = make_entry(supplier)
    api = api_as()
    api.headers = {"HTTP_AUTHORIZATION": "Bearer not-a-token"}
    assert_error(download(api, first_file(entry)), 401)
    assert_error(api.get(f"/api/catalogue/entries/{entry.pk}"), 401)


# --- the access log --------------------------------------------------------------------------


def test_the_owner_and_the_office_see_who_was_granted_and_who_downloaded(
    supplier, demander, other_demander, office
):
    entry = closed_entry(supplier, Access.RESTRICTED)
    granted(demander, entry)
    ask(other_demander, entry)  # pending: not a grant yet
    download(api_as(demander), files_of(entry)[0])
    download(api_as(supplier), files_of(entry)[1])
    for reader in (supplier, office):
        log = api_as(reader).get(f"/api/catalogue/entries/{entry.pk}/access-log")
        assert log.status_code == 200, log.content
        body = log.json()
        assert [g["organisation"] for g in body["grants"]] == [demander.organisation.name]
        assert body["grants"][0]["status"] == "approved" and body["grants"][0]["has_agreement"]
        assert body["downloads"]["count"] == 2
        first, second = body["downloads"]["items"][::-1]
        assert first["organisation"] == demander.organisation.name
        assert first["user"] == demander.username and first["file"] == "images.csv"
        assert second["organisation"] == supplier.organisation.name


def test_anonymous_downloads_appear_without_a_name(supplier):
    entry = make_entry(supplier)
    download(api_as(), first_file(entry))
    body = api_as(supplier).get(f"/api/catalogue/entries/{entry.pk}/access-log").json()
    (row,) = body["downloads"]["items"]
    assert row["organisation"] is None and row["user"] is None


@pytest.mark.parametrize("who", ["demander", "other_demander", "district_officer"])
def test_nobody_else_reads_the_access_log(supplier, demander, who, request):
    entry = closed_entry(supplier, Access.ON_REQUEST)
    granted(demander, entry)
    response = api_as(request.getfixturevalue(who)).get(
        f"/api/catalogue/entries/{entry.pk}/access-log"
    )
    assert_error(response, 403)


def test_the_access_log_needs_a_login(supplier):
    entry = make_entry(supplier)
    assert_error(api_as().get(f"/api/catalogue/entries/{entry.pk}/access-log"), 401)


# --- search and cards ------------------------------------------------------------------------


def test_the_public_list_shows_published_entries_with_facets(supplier, demander):
    make_entry(supplier)
    make_entry(supplier, title="草稿数据集", published=False)
    body = api_as().get("/api/catalogue/entries").json()
    assert [i["title"] for i in body["items"]] == ["注塑件表面图像数据集"]
    assert body["count"] == 1
    assert body["facets"]["kind"] == [
        {"value": "dataset", "label": "数据集", "count": 1, "selected": False}
    ]
    mine = api_as(supplier).get("/api/catalogue/entries", {"mine": "true"}).json()
    assert sorted(i["title"] for i in mine["items"]) == ["注塑件表面图像数据集", "草稿数据集"]
    assert mine["count"] == 2
    assert api_as(demander).get("/api/catalogue/entries", {"mine": "true"}).json()["count"] == 0


def test_the_list_pages(supplier):
    for n in range(3):
        make_entry(supplier, title=f"数据集{n}")
    page = api_as().get("/api/catalogue/entries", {"limit": 2, "offset": 2}).json()
    assert page["count"] == 3 and len(page["items"]) == 1
    assert_error(api_as().get("/api/catalogue/entries", {"limit": 0}), 422)


def test_the_card_shows_everything_public(supplier, demander, office):
    entry = make_entry(supplier, exchange="苏州大数据交易所", exchange_code="SZDE-1")
    demand = make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    services.set_links(actor=supplier, entry=entry, demand_ids=[demand.pk], solution_ids=[])
    body = api_as().get(f"/api/catalogue/entries/{entry.pk}").json()
    assert body["owner"] == supplier.organisation.name and body["sector"] == "manufacturing"
    assert body["card"]["intended_use"] == "训练和评测注塑件外观质量的分类模型。"
    assert sorted(body["tags"]) == ["工业质检", "机器视觉"]
    assert body["exchange_code"] == "SZDE-1" and body["demands"] == [
        {"id": demand.pk, "title": demand.title}
    ]
    assert body["versions"][0]["version"] == "1.0" and body["my_request"] is None


def test_the_card_tells_a_requester_where_it_stands(supplier, demander):
    entry = closed_entry(supplier, Access.ON_REQUEST)
    api = api_as(demander)
    assert api.get(f"/api/catalogue/entries/{entry.pk}").json()["can_request"] is True
    ask(demander, entry)
    body = api.get(f"/api/catalogue/entries/{entry.pk}").json()
    assert body["my_request"] == "pending"


def test_an_unknown_entry_is_not_found(supplier):
    assert_error(api_as().get("/api/catalogue/entries/999999"), 404)


# --- entries ---------------------------------------------------------------------------------


def api_entry(**overrides) -> dict:
    data = entry_data(**overrides)
    data["tag_names"] = ["机器视觉", "工业质检"]
    return data


def test_an_organisation_registers_an_entry(supplier):
    response = api_as(supplier).post("/api/catalogue/entries", api_entry())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["owner"] == supplier.organisation.name
    assert body["languages"] == ["zh"] and sorted(body["tags"]) == ["工业质检", "机器视觉"]
    assert body["can_download"] is True and body["versions"] == []
    entry = Entry.objects.get(pk=body["id"])
    assert AuditEntry.objects.get(action="catalogue.create").actor == supplier
    assert entry.owner == supplier.organisation


def test_registering_needs_a_login(citypack):
    assert_error(api_as().post("/api/catalogue/entries", api_entry()), 401)
    assert not Entry.objects.exists()


def test_an_unapproved_organisation_cannot_register(pending_demander):
    body = assert_error(api_as(pending_demander).post("/api/catalogue/entries", api_entry()), 403)
    assert "尚未通过审核" in body["message"]


def test_a_payload_of_the_wrong_shape_is_422(supplier):
    api = api_as(supplier)
    missing = api_entry()
    del missing["title"]
    assert "title" in assert_error(api.post("/api/catalogue/entries", missing), 422)["errors"]
    wrong = api_entry(record_count="很多")
    assert "record_count" in assert_error(api.post("/api/catalogue/entries", wrong), 422)["errors"]
    garbage = api.client.post(
        "/api/catalogue/entries", "{not json", content_type="application/json", **api.headers
    )
    assert garbage.status_code in (400, 422)
    assert set(garbage.json()) == {"message", "errors"}
    assert not Entry.objects.exists()


def test_bad_values_come_back_in_chinese_per_field(supplier):
    response = api_as(supplier).post(
        "/api/catalogue/entries",
        api_entry(licence="WTFPL", kind="model", is_vertical=True, sector=None),
    )
    body = assert_error(response, 400)
    assert body["message"] == "提交的内容有误，请按提示修改。"
    assert "WTFPL" in body["errors"]["licence"]
    assert body["errors"]["sector"] == "垂类模型须注明所属领域。"


def test_a_duplicate_is_a_conflict(supplier):
    api = api_as(supplier)
    api.post("/api/catalogue/entries", api_entry())
    body = assert_error(api.post("/api/catalogue/entries", api_entry()), 409)
    assert "title" in body["errors"]
    assert Entry.objects.count() == 1


def test_the_owner_updates_its_entry(supplier):
    entry = make_entry(supplier)
    response = api_as(supplier).put(
        f"/api/catalogue/entries/{entry.pk}", api_entry(summary="新的简介", languages=["en"])
    )
    assert response.status_code == 200, response.content
    assert response.json()["summary"] == "新的简介" and response.json()["languages"] == ["en"]
    assert AuditEntry.objects.get(action="catalogue.update").before["title"] == entry.title


def test_others_cannot_update_and_cannot_see_drafts(supplier, demander):
    published = make_entry(supplier)
    draft = make_entry(supplier, title="草稿", published=False)
    api = api_as(demander)
    assert_error(api.put(f"/api/catalogue/entries/{published.pk}", api_entry()), 403)
    assert_error(api.put(f"/api/catalogue/entries/{draft.pk}", api_entry()), 404)
    assert_error(api_as().put(f"/api/catalogue/entries/{draft.pk}", api_entry()), 401)


def test_publication_reports_what_is_missing(supplier):
    api = api_as(supplier)
    entry_id = api.post("/api/catalogue/entries", api_entry(intended_use="")).json()["id"]
    body = assert_error(api.post(f"/api/catalogue/entries/{entry_id}/publish"), 400)
    assert "预期用途" in body["message"] and "版本" in body["message"]
    api.put(f"/api/catalogue/entries/{entry_id}", api_entry())
    assert (
        api.post(f"/api/catalogue/entries/{entry_id}/versions", {"version": "1.0"}).status_code
        == 201
    )
    published = api.post(f"/api/catalogue/entries/{entry_id}/publish")
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert published.json()["published_at"]
    assert_error(api.post(f"/api/catalogue/entries/{entry_id}/publish"), 409)


def test_withdrawing_by_the_owner_and_by_the_office(supplier, office, demander):
    first, second = make_entry(supplier), make_entry(supplier, title="第二个")
    owner = api_as(supplier)
    assert owner.post(f"/api/catalogue/entries/{first.pk}/withdraw").json()["status"] == "withdrawn"
    assert_error(owner.post(f"/api/catalogue/entries/{first.pk}/withdraw"), 409)
    assert_error(api_as(demander).post(f"/api/catalogue/entries/{second.pk}/withdraw"), 403)
    office_api = api_as(office)
    body = assert_error(office_api.post(f"/api/catalogue/entries/{second.pk}/withdraw"), 400)
    assert body["errors"] == {"note": "专班下架条目须说明原因。"}
    done = office_api.post(f"/api/catalogue/entries/{second.pk}/withdraw", {"note": "侵权投诉"})
    assert done.json()["status"] == "withdrawn"
    assert_error(api_as().get(f"/api/catalogue/entries/{second.pk}"), 404)


def test_the_office_grades_quality(supplier, office, demander):
    entry = make_entry(supplier)
    payload = {
        "scores": {
            "normative": 92,
            "completeness": 88,
            "accuracy": 95,
            "consistency": 90,
            "timeliness": 80,
            "accessibility": 90,
        },
        "assessed_by": "苏州市数据质量评测中心",
        "assessed_on": "2026-03-01",
    }
    url = f"/api/catalogue/entries/{entry.pk}/quality"
    assert_error(api_as(supplier).post(url, payload), 403)
    assert_error(api_as(demander).post(url, payload), 403)
    body = api_as(office).post(url, payload).json()
    assert body["quality_grade"] == "B" and body["quality_scores"]["accuracy"] == 95
    assert body["assessed_on"] == "2026-03-01"
    bad = {**payload, "scores": {**payload["scores"], "accuracy": 120}}
    assert assert_error(api_as(office).post(url, bad), 400)["errors"] == {
        "score_accuracy": "评分须在 0 至 100 之间。"
    }
    partial = {**payload, "scores": {"accuracy": 90}}
    assert "score_normative" in assert_error(api_as(office).post(url, partial), 400)["errors"]
    assert_error(api_as(office).post(url, {"scores": {}}), 422)


def test_links_to_public_demands(supplier, demander, office):
    entry = make_entry(supplier)
    public = make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    draft = make_demand(demander, title="草稿需求")
    api = api_as(supplier)
    url = f"/api/catalogue/entries/{entry.pk}/links"
    body = api.put(url, {"demand_ids": [public.pk]}).json()
    assert body["demands"] == [{"id": public.pk, "title": public.title}]
    assert "demand_ids" in assert_error(api.put(url, {"demand_ids": [draft.pk]}), 400)["errors"]
    assert_error(api_as(demander).put(url, {"demand_ids": [public.pk]}), 403)
    assert_error(api.put(url, {"demand_ids": ["x"]}), 422)


# --- versions and files ----------------------------------------------------------------------


def test_versions_are_added_by_the_owner(supplier, demander):
    entry = make_entry(supplier, version=None, published=False)
    api = api_as(supplier)
    url = f"/api/catalogue/entries/{entry.pk}/versions"
    created = api.post(url, {"version": "1.0", "notes": "首个版本"})
    assert created.status_code == 201, created.content
    assert created.json()["released_on"] == str(timezone.localdate())
    assert created.json()["files"] == []
    assert "version" in assert_error(api.post(url, {"version": "1.0"}), 409)["errors"]
    assert "version" in assert_error(api.post(url, {"version": "v 2"}), 400)["errors"]
    assert_error(api.post(url, {"notes": "无版本号"}), 422)
    assert_error(api_as(demander).post(url, {"version": "2.0"}), 404)


def test_an_upload_returns_its_digest(supplier):
    entry = make_entry(supplier, body=None)
    version = entry.versions.get()
    api = api_as(supplier)
    response = api.upload(f"/api/catalogue/versions/{version.pk}/files", BYTES, name="标注.csv")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "标注.csv" and body["byte_size"] == len(BYTES)
    assert body["sha256"] == hashlib.sha256(BYTES).hexdigest() and body["external"] is False
    assert body["download_url"] == f"/api/catalogue/files/{body['id']}/download"
    assert body_of(api_as().get(body["download_url"])) == BYTES


def test_uploads_are_checked(supplier, demander):
    version = make_entry(supplier, body=None).versions.get()
    url = f"/api/catalogue/versions/{version.pk}/files"
    body = assert_error(api_as(supplier).upload(url, b"MZ", name="tool.exe"), 400)
    assert body["errors"] == {"file": "文件类型不支持。"}
    assert_error(api_as(supplier).upload(url, b"", name="empty.csv"), 400)
    assert_error(api_as(demander).upload(url, BYTES, name="x.csv"), 403)
    assert_error(api_as().upload(url, BYTES, name="x.csv"), 401)
    assert_error(api_as(supplier).post(url, {}), 422)
    assert not File.objects.exists()


def test_files_of_a_hidden_draft_are_not_found_to_others(supplier, demander):
    entry = make_entry(supplier, published=False)
    version, item = entry.versions.get(), first_file(entry)
    api = api_as(demander)
    assert_error(api.upload(f"/api/catalogue/versions/{version.pk}/files", BYTES, "x.csv"), 404)
    assert_error(api.delete(f"/api/catalogue/files/{item.pk}"), 404)


def test_an_external_file_is_registered(supplier, demander):
    version = make_entry(supplier, body=None).versions.get()
    url = f"/api/catalogue/versions/{version.pk}/external-files"
    data = {"name": "全量包", "url": SECRET_URL, "byte_size": 35 * 1024**3}
    response = api_as(supplier).post(url, data)
    assert response.status_code == 201, response.content
    assert response.json()["external"] is True and response.json()["byte_size"] == 35 * 1024**3
    assert (
        "url" in assert_error(api_as(supplier).post(url, {**data, "url": "ftp:/x"}), 400)["errors"]
    )
    assert_error(api_as(demander).post(url, data), 403)
    assert_error(api_as(supplier).post(url, {"name": "缺地址"}), 422)
    assert File.objects.get().url == SECRET_URL


def test_the_owner_deletes_a_file(supplier, demander, django_capture_on_commit_callbacks):
    item = first_file(make_entry(supplier))
    stored, storage = item.file.name, item.file.storage
    assert_error(api_as(demander).delete(f"/api/catalogue/files/{item.pk}"), 403)
    assert_error(api_as().delete(f"/api/catalogue/files/{item.pk}"), 401)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(supplier).delete(f"/api/catalogue/files/{item.pk}")
    assert response.status_code == 204
    assert not File.objects.exists() and not storage.exists(stored)
    assert_error(api_as(supplier).delete(f"/api/catalogue/files/{item.pk}"), 404)


# --- access requests -------------------------------------------------------------------------


def test_an_organisation_requests_access(supplier, demander):
    entry = closed_entry(supplier, Access.ON_REQUEST)
    response = request_over_api(api_as(demander), entry)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["organisation"] == demander.organisation.name
    assert body["entry"] == entry.title and body["has_agreement"] is False
    again = request_over_api(api_as(demander), entry)
    assert "待审批" in assert_error(again, 409)["message"]


def test_restricted_requests_carry_the_agreement(supplier, demander):
    entry = closed_entry(supplier, Access.RESTRICTED)
    api = api_as(demander)
    body = assert_error(request_over_api(api, entry), 400)
    assert body["errors"] == {"agreement": "请上传协议。"}
    response = request_over_api(api, entry, agreement=AGREEMENT)
    assert response.status_code == 201 and response.json()["has_agreement"] is True
    assert AccessRequest.objects.get().agreement_name == "协议.pdf"


def test_request_errors(supplier, demander):
    api = api_as(demander)
    assert_error(request_over_api(api, make_entry(supplier)), 409)  # open: just download
    closed = closed_entry(supplier, Access.ON_REQUEST, title="申请使用的数据")
    assert "purpose" in assert_error(request_over_api(api, closed, purpose="看看"), 400)["errors"]
    no_purpose = api.client.post(f"/api/catalogue/entries/{closed.pk}/requests", {}, **api.headers)
    assert_error(no_purpose, 422)
    assert_error(request_over_api(api_as(supplier), closed), 403)  # the owner
    assert_error(request_over_api(api_as(), closed), 401)
    draft = closed_entry(supplier, Access.ON_REQUEST, title="草稿", published=False)
    assert_error(request_over_api(api, draft), 404)


def test_requests_are_listed_for_both_sides(supplier, demander, other_demander, office):
    entry = closed_entry(supplier, Access.ON_REQUEST)
    ask(demander, entry)
    ask(other_demander, entry)
    owner = api_as(supplier)
    assert owner.get("/api/catalogue/requests", {"direction": "incoming"}).json()["count"] == 2
    assert owner.get("/api/catalogue/requests", {"direction": "outgoing"}).json()["count"] == 0
    mine = api_as(demander).get("/api/catalogue/requests").json()
    assert [r["organisation"] for r in mine["items"]] == [demander.organisation.name]
    assert api_as(office).get("/api/catalogue/requests").json()["count"] == 2
    assert owner.get("/api/catalogue/requests", {"status": "approved"}).json()["count"] == 0
    assert_error(api_as().get("/api/catalogue/requests"), 401)


def test_the_owner_decides_over_the_api(supplier, demander, office):
    entry = closed_entry(supplier, Access.RESTRICTED)
    req = ask(demander, entry)
    url = f"/api/catalogue/requests/{req.pk}/decision"
    assert_error(api_as(demander).post(url, {"approve": True}), 403)
    assert_error(api_as(office).post(url, {"approve": True}), 403)
    owner = api_as(supplier)
    body = assert_error(owner.post(url, {"approve": True}), 400)
    assert body["errors"] == {"valid_until": "请填写有效期。"}
    too_long = str(timezone.localdate() + timedelta(days=400))
    assert_error(owner.post(url, {"approve": True, "valid_until": too_long}), 400)
    assert_error(owner.post(url, {"approve": "perhaps"}), 422)
    until = str(a_year_from_today())
    decided = owner.post(url, {"approve": True, "valid_until": until, "note": "同意"})
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "approved" and decided.json()["valid_until"] == until
    assert_error(owner.post(url, {"approve": False, "note": "改主意"}), 409)
    assert download(api_as(demander), files_of(entry)[0]).status_code == 200


def test_a_refusal_over_the_api_needs_a_reason(supplier, demander):
    req = ask(demander, closed_entry(supplier, Access.ON_REQUEST))
    url = f"/api/catalogue/requests/{req.pk}/decision"
    owner = api_as(supplier)
    assert assert_error(owner.post(url, {"approve": False}), 400)["errors"] == {
        "note": "请填写原因。"
    }
    refused = owner.post(url, {"approve": False, "note": "用途不符。"}).json()
    assert refused["status"] == "rejected" and refused["decision_note"] == "用途不符。"


def test_others_requests_are_not_found(supplier, demander, other_demander):
    req = ask(demander, closed_entry(supplier, Access.ON_REQUEST))
    for path in ("decision", "revoke", "withdraw"):
        response = api_as(other_demander).post(
            f"/api/catalogue/requests/{req.pk}/{path}", {"approve": True, "note": "x"}
        )
        assert_error(response, 404)


def test_the_owner_revokes_over_the_api(supplier, demander):
    entry = closed_entry(supplier, Access.ON_REQUEST)
    req = granted(demander, entry)
    url = f"/api/catalogue/requests/{req.pk}/revoke"
    assert_error(api_as(demander).post(url, {"note": "不要了"}), 403)
    assert assert_error(api_as(supplier).post(url, {}), 400)["errors"] == {"note": "请填写原因。"}
    revoked = api_as(supplier).post(url, {"note": "合作终止。"})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert_error(api_as(supplier).post(url, {"note": "再次"}), 409)
    assert_error(download(api_as(demander), files_of(entry)[0]), 403)


def test_the_requester_withdraws_over_the_api(supplier, demander):
    req = ask(demander, closed_entry(supplier, Access.ON_REQUEST))
    url = f"/api/catalogue/requests/{req.pk}/withdraw"
    assert_error(api_as(supplier).post(url), 403)
    withdrawn = api_as(demander).post(url)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert_error(api_as(demander).post(url), 409)
    assert_error(api_as().post(url), 401)


def test_the_full_path_over_the_api(supplier, demander):
    """Register, version, upload, publish; another body asks, is approved, downloads."""
    owner, asker = api_as(supplier), api_as(demander)
    entry_id = owner.post(
        "/api/catalogue/entries", api_entry(access="on_request", licence="proprietary")
    ).json()["id"]
    version_id = owner.post(
        f"/api/catalogue/entries/{entry_id}/versions", {"version": "2026.01"}
    ).json()["id"]
    file_id = owner.upload(f"/api/catalogue/versions/{version_id}/files", BYTES, "d.csv").json()[
        "id"
    ]
    assert owner.post(f"/api/catalogue/entries/{entry_id}/publish").status_code == 200
    entry = Entry.objects.get(pk=entry_id)
    assert entry.status == Status.PUBLISHED and Version.objects.get().entry == entry
    assert asker.get(f"/api/catalogue/files/{file_id}/download").status_code == 403
    req_id = request_over_api(asker, entry).json()["id"]
    owner.post(f"/api/catalogue/requests/{req_id}/decision", {"approve": True})
    got = asker.get(f"/api/catalogue/files/{file_id}/download")
    assert got.status_code == 200 and body_of(got) == BYTES
    log = owner.get(f"/api/catalogue/entries/{entry_id}/access-log").json()
    assert log["downloads"]["count"] == 1 and log["grants"][0]["status"] == "approved"
