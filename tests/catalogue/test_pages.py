"""The catalogue's pages: the faceted search (full text, facets with counts, sorting, HTMX
results, pages), an entry's page for each kind of visitor, file downloads that are NEVER served
to an organisation without an approved, unexpired request, the access request and its decision
through the pages, the owner's and the office's actions, the organisation's requests, the CSV
import, the exports, and the "相关数据集与模型" section of demand and solution pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from aiplus.accounts.choices import OrgStatus, Role
from aiplus.catalogue import search, services
from aiplus.catalogue.choices import RequestStatus, Status
from aiplus.catalogue.models import AccessRequest, Download, Entry, File, Version
from aiplus.core.citypack import load_citypack
from aiplus.scenarios.choices import DemandStatus
from aiplus.scenarios.models import Solution

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
    on_request,
    restricted,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def _pack(django_db_setup, django_db_blocker):
    """Load the city pack once for this module, inside a transaction rolled back at the end;
    each test runs in its own savepoint (the `citypack` fixture then finds the pack loaded)."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_citypack("suzhou")
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _media_and_index(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    search.clear_cache()
    yield
    search.clear_cache()


def html(response) -> str:
    return response.content.decode()


def as_user(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


def download_href(item: File) -> str:
    return reverse("catalogue:file_download", args=[item.pk])


def detail_url(entry: Entry) -> str:
    return reverse("catalogue:detail", args=[entry.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow_messages(response) -> str:
    """The text of the messages shown on the page a redirect led to."""
    return " ".join(messages_of(response))


def kind_count(page: str, kind: str) -> int:
    match = re.search(rf'data-kind="{kind}"[^>]*><div class="n">(\d+)</div>', page)
    assert match, f"no count for {kind}"
    return int(match.group(1))


def model_data(**overrides) -> dict:
    data = entry_data(
        kind="model",
        title="政务热线智能问答大模型",
        sector="government_services",
        summary="面向 12345 热线的政策问答垂类模型",
        description="在通用大模型基础上用热线工单微调。",
        task="question-answering",
        licence="Apache-2.0",
        access="on_request",
        tag_names="大模型、政务问答",
        base_model="Qwen2.5-7B",
        parameters="7B",
        is_vertical="on",
        intended_use="回答市民关于办事流程和政策的咨询。",
        evaluation="内部问答集准确率 87%。",
        data_sources="",
    )
    data.update(overrides)
    return data


@pytest.fixture
def catalogue(supplier, demander):
    """Published entries of two organisations, and a draft of the supplier."""
    dataset = make_entry(supplier)
    corpus = make_entry(
        demander,
        kind="corpus",
        title="苏州方言语音语料库",
        sector="culture_tourism",
        summary="吴语苏州话朗读与对话录音",
        task="speech-recognition",
        languages=["zh", "en"],
        tag_names="语音识别、方言",
    )
    model = make_entry(supplier, **model_data())
    draft = make_entry(supplier, published=False, title="尚未发布的缺陷图像草稿集")
    return {"dataset": dataset, "corpus": corpus, "model": model, "draft": draft}


# --- search ----------------------------------------------------------------------------------


def test_the_search_page_lists_published_entries_with_counts_by_kind(client, catalogue):
    response = client.get(reverse("catalogue:index"))
    assert response.status_code == 200
    page = html(response)
    for name in ("dataset", "corpus", "model"):
        assert catalogue[name].title in page
    assert catalogue["draft"].title not in page
    assert kind_count(page, "dataset") == 1
    assert kind_count(page, "corpus") == 1
    assert kind_count(page, "model") == 1
    assert kind_count(page, "demo") == 0
    assert reverse("catalogue:dcat") in page
    assert reverse("catalogue:create") not in page  # anonymous: no 登记 / 批量导入
    assert reverse("catalogue:import") not in page


def test_members_of_approved_organisations_see_register_and_import(
    client, catalogue, other_demander
):
    page = html(as_user(client, other_demander).get(reverse("catalogue:index")))
    assert "登记数据集/模型" in page and reverse("catalogue:create") in page
    assert "批量导入" in page and reverse("catalogue:import") in page


def test_the_nav_links_to_the_catalogue(client, citypack):
    page = html(client.get("/"))
    assert f'href="{reverse("catalogue:index")}">数据与模型</a>' in page


def test_full_text_query_finds_the_matching_entry(client, catalogue):
    page = html(client.get(reverse("catalogue:index"), {"q": "政务问答"}))
    assert catalogue["model"].title in page
    assert catalogue["dataset"].title not in page
    assert catalogue["corpus"].title not in page
    assert kind_count(page, "model") == 1 and kind_count(page, "dataset") == 0
    assert "政务问答" in page  # the query is kept in the box


def test_facet_filters_narrow_the_results_and_keep_the_alternatives(client, catalogue):
    url = reverse("catalogue:index")
    page = html(client.get(url, {"kind": "dataset"}))
    assert catalogue["dataset"].title in page
    assert catalogue["model"].title not in page and catalogue["corpus"].title not in page
    # the kind facet still offers the other kinds, with their counts
    assert kind_count(page, "model") == 1 and kind_count(page, "corpus") == 1
    # the selected value toggles off: its link leads back to the unfiltered search
    assert 'href="?" hx-get="?"' in page or 'href="?"' in page
    assert 'class="selected"' in page

    page = html(client.get(url, {"language": "en"}))
    assert catalogue["corpus"].title in page
    assert catalogue["dataset"].title not in page

    page = html(client.get(url, {"access": "on_request"}))
    assert catalogue["model"].title in page and catalogue["dataset"].title not in page

    page = html(client.get(url, {"sector": "manufacturing", "licence": "CC-BY-4.0"}))
    assert catalogue["dataset"].title in page and catalogue["model"].title not in page

    page = html(client.get(url, {"task": "question-answering", "q": "政务"}))
    assert catalogue["model"].title in page and catalogue["dataset"].title not in page


def test_facet_links_toggle_a_value_and_show_counts(client, catalogue):
    page = html(client.get(reverse("catalogue:index")))
    # each facet value links to the search with that value, keeping the others
    assert 'href="?kind=model"' in page
    assert 'href="?access=on_request"' in page
    assert 'href="?language=en"' in page
    page = html(client.get(reverse("catalogue:index"), {"kind": "model", "q": "问答"}))
    assert 'href="?q=%E9%97%AE%E7%AD%94"' in page  # model selected: its link drops it
    assert 'href="?q=%E9%97%AE%E7%AD%94&amp;kind=model&amp;access=on_request"' in page


def test_sorting_by_title_and_quality(client, catalogue, office):
    services.assess_quality(
        actor=office,
        entry=catalogue["corpus"],
        data={
            **{f"score_{k}": 95 for k in ("normative", "completeness", "accuracy")},
            **{f"score_{k}": 95 for k in ("consistency", "timeliness", "accessibility")},
            "assessed_by": "评测中心",
            "assessed_on": "2026-03-01",
        },
    )
    page = html(client.get(reverse("catalogue:index"), {"sort": "quality"}))
    assert page.index(catalogue["corpus"].title) < page.index(catalogue["dataset"].title)
    page = html(client.get(reverse("catalogue:index"), {"sort": "title"}))
    titles = sorted(catalogue[n].title for n in ("dataset", "corpus", "model"))
    positions = [page.index(t) for t in titles]
    assert positions == sorted(positions)
    response = client.get(reverse("catalogue:index"), {"sort": "newest", "q": "数据集"})
    assert response.status_code == 200 and catalogue["dataset"].title in html(response)


def test_drafts_are_seen_only_by_the_owner_and_the_office(client, catalogue, supplier, office):
    draft = catalogue["draft"]
    for user in (None, make_user(Role.DEMANDER)):
        as_user(client, user)
        assert draft.title not in html(client.get(reverse("catalogue:index")))
        assert client.get(detail_url(draft)).status_code == 404
    for user in (supplier, office):
        page = html(as_user(client, user).get(reverse("catalogue:index")))
        assert draft.title in page and "草稿" in page
        assert client.get(detail_url(draft)).status_code == 200


def test_htmx_requests_get_only_the_results(client, catalogue):
    response = client.get(reverse("catalogue:index"), {"q": "语料"}, headers={"HX-Request": "true"})
    page = html(response)
    assert "<html" not in page and '<form id="search"' not in page
    assert catalogue["corpus"].title in page
    assert 'hx-target="#results"' in page
    full = html(client.get(reverse("catalogue:index")))
    assert 'id="results"' in full and 'hx-get="/catalogue/"' in full


def test_the_search_results_are_paginated(client, settings, catalogue):
    settings.PAGE_SIZE = 2
    page = html(client.get(reverse("catalogue:index")))
    assert "第 1 / 2 页，共 3 条" in page
    assert "page=2" in page
    second = html(client.get(reverse("catalogue:index"), {"page": 2}))
    assert "第 2 / 2 页" in second


def test_demo_entries_carry_the_demo_badge(client, supplier):
    entry = services.create_entry(
        actor=supplier, data=entry_data(kind="demo", title="示范应用：AI质检"), is_demo=True
    )
    Entry.objects.filter(pk=entry.pk).update(status=Status.PUBLISHED)
    assert '<span class="badge demo">示例</span>' in html(client.get(reverse("catalogue:index")))
    assert '<span class="badge demo">示例</span>' in html(client.get(detail_url(entry)))


# --- the entry's page ------------------------------------------------------------------------


def test_the_entry_page_shows_metadata_card_and_files(client, supplier):
    entry = make_entry(supplier, record_count="120000")
    page = html(client.get(detail_url(entry)))
    assert entry.title in page and supplier.organisation.name in page
    assert "制造" in page and "图像分类" in page and "中文" in page
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in page
    assert "任何人均可直接下载文件" in page  # the access level in words
    assert "1.0" in page and "images.csv" in page
    assert "预期用途" in page and entry.intended_use in page
    assert "数据来源" in page and "风险与局限" in page
    assert reverse("catalogue:croissant", args=[entry.pk]) in page  # datasets: Croissant link
    # open: anyone gets the download link
    assert download_href(first_file(entry)) in page


def test_a_model_page_shows_its_model_details(client, supplier):
    entry = make_entry(supplier, **model_data())
    page = html(client.get(detail_url(entry)))
    assert "基础模型" in page and "Qwen2.5-7B" in page
    assert "参数规模" in page and "7B" in page and "算法备案" in page
    assert "垂类模型" in page
    assert reverse("catalogue:croissant", args=[entry.pk]) not in page


@pytest.mark.parametrize("level", ["on_request", "restricted"])
def test_download_links_only_for_those_allowed(client, supplier, demander, office, level):
    entry = on_request(supplier) if level == "on_request" else restricted(supplier)
    href = download_href(first_file(entry))
    approved_org_user = make_user(Role.DEMANDER)
    granted(approved_org_user, entry)
    for user in (None, demander):
        page = html(as_user(client, user).get(detail_url(entry)))
        assert "images.csv" in page  # names and sizes are public…
        assert href not in page  # …the link is not
        assert 'id="no-download"' in page
    for user in (supplier, office, approved_org_user):
        page = html(as_user(client, user).get(detail_url(entry)))
        assert href in page
        assert 'id="no-download"' not in page


# --- downloads -------------------------------------------------------------------------------


UNAPPROVED = [
    "anonymous",
    "other_org",
    "unapproved_org",
    "approved_for_another_entry",
    "pending",
    "rejected",
    "revoked",
    "expired",
    "withdrawn",
]


@pytest.mark.parametrize("level", ["on_request", "restricted"])
@pytest.mark.parametrize("state", UNAPPROVED)
def test_a_file_is_never_served_to_an_unapproved_user(client, supplier, level, state):
    maker = on_request if level == "on_request" else restricted
    entry = maker(supplier)
    item = first_file(entry)
    user = None
    if state == "unapproved_org":
        user = make_user(Role.DEMANDER, status=OrgStatus.PENDING)
    elif state == "approved_for_another_entry":
        user = make_user(Role.DEMANDER)
        granted(user, maker(supplier, title="同一单位的另一数据集"))
    elif state != "anonymous":
        user = make_user(Role.DEMANDER)
        if state != "other_org":
            granted(user, entry, status=state)
    response = as_user(client, user).get(download_href(item))
    assert response.status_code == 403
    assert BYTES not in body_of(response)
    assert "Content-Disposition" not in response
    page = html(response)
    assert "无权访问" in page and "批准" in page
    assert detail_url(entry) in page  # how to ask for access
    assert not Download.objects.exists()


@pytest.mark.parametrize("level", ["on_request", "restricted"])
def test_an_external_file_is_not_revealed_to_an_unapproved_user(client, supplier, level):
    url = "https://oss.example.com/secret/full.zip"
    maker = on_request if level == "on_request" else restricted
    entry = maker(supplier, body=None, url=url)
    response = as_user(client, make_user(Role.DEMANDER)).get(download_href(first_file(entry)))
    assert response.status_code == 403
    assert url not in html(response)
    assert "Location" not in response


@pytest.mark.parametrize("level", ["on_request", "restricted"])
def test_a_file_is_served_after_approval_and_the_download_recorded(client, supplier, level):
    entry = on_request(supplier) if level == "on_request" else restricted(supplier)
    item = first_file(entry)
    user = make_user(Role.DEMANDER)
    as_user(client, user)
    assert client.get(download_href(item)).status_code == 403
    granted(user, entry)
    response = client.get(download_href(item))
    assert response.status_code == 200
    assert body_of(response) == BYTES
    assert "attachment" in response["Content-Disposition"]
    record = Download.objects.get()
    assert record.file == item and record.user == user and record.via == "web"
    assert record.organisation == user.organisation


def test_an_external_file_redirects_when_allowed(client, supplier):
    url = "https://oss.example.com/open/full.zip"
    entry = make_entry(supplier, body=None, url=url)
    response = client.get(download_href(first_file(entry)))
    assert response.status_code == 302 and response["Location"] == url
    assert Download.objects.get().user is None


def test_files_of_drafts_and_withdrawn_entries_are_not_served_to_others(client, supplier, office):
    draft = make_entry(supplier, published=False)
    withdrawn = make_entry(supplier, title="已下架的数据集")
    services.withdraw_entry(actor=supplier, entry=withdrawn)
    for entry in (draft, withdrawn):
        href = download_href(first_file(entry))
        assert as_user(client, None).get(href).status_code == 404
        assert as_user(client, make_user(Role.DEMANDER)).get(href).status_code == 404
        assert as_user(client, supplier).get(href).status_code == 200
        assert as_user(client, office).get(href).status_code == 200


def test_an_open_file_is_served_to_anyone(client, supplier):
    entry = make_entry(supplier)
    response = client.get(download_href(first_file(entry)))
    assert response.status_code == 200 and body_of(response) == BYTES


# --- access requests through the pages -------------------------------------------------------


def test_restricted_access_request_approval_and_revocation_through_the_pages(
    client, supplier, demander, other_demander
):
    entry = restricted(supplier)
    item = first_file(entry)
    as_user(client, demander)
    page = html(client.get(detail_url(entry)))
    assert 'id="request-form"' in page and "数据使用协议" in page

    request_url = reverse("catalogue:request_access", args=[entry.pk])
    # no agreement: refused, nothing saved, the purpose kept
    response = client.post(request_url, {"purpose": PURPOSE})
    assert response.status_code == 200
    assert not AccessRequest.objects.exists()
    assert "这个字段是必填项" in html(response) or "请上传协议" in html(response)
    assert PURPOSE in html(response)
    # too short a purpose
    agreement = SimpleUploadedFile("agreement.pdf", AGREEMENT, "application/pdf")
    response = client.post(request_url, {"purpose": "用用", "agreement": agreement})
    assert "不少于 10 个字" in html(response) and not AccessRequest.objects.exists()

    agreement = SimpleUploadedFile("agreement.pdf", AGREEMENT, "application/pdf")
    response = client.post(request_url, {"purpose": PURPOSE, "agreement": agreement}, follow=True)
    assert "使用申请已提交" in follow_messages(response)
    req = AccessRequest.objects.get()
    assert req.status == RequestStatus.PENDING and req.organisation == demander.organisation
    page = html(response)
    assert 'id="my-request"' in page and "待审批" in page
    assert 'id="request-form"' not in page  # one pending request at a time
    assert client.get(reverse("catalogue:file_download", args=[item.pk])).status_code == 403

    # the agreement: the owner reads it, others may not
    agreement_url = reverse("catalogue:request_agreement", args=[req.pk])
    assert client.get(agreement_url).status_code == 403
    assert as_user(client, other_demander).get(agreement_url).status_code == 403
    as_user(client, supplier)
    assert body_of(client.get(agreement_url)) == AGREEMENT
    page = html(client.get(detail_url(entry)))
    assert f'data-request="{req.pk}"' in page and agreement_url in page and PURPOSE in page

    decide = reverse("catalogue:request_decide", args=[req.pk])
    # restricted: the validity is required and at most a year
    response = client.post(decide, {"approve": "1", "valid_until": ""}, follow=True)
    assert "须设定有效期" in follow_messages(response)
    too_long = timezone.localdate() + timedelta(days=400)
    response = client.post(decide, {"approve": "1", "valid_until": too_long}, follow=True)
    assert "不能超过一年" in follow_messages(response)
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING
    # a non-owner cannot decide
    as_user(client, other_demander)
    until = a_year_from_today()
    assert client.post(decide, {"approve": "1", "valid_until": until}).status_code == 403
    as_user(client, supplier)
    response = client.post(decide, {"approve": "1", "valid_until": until}, follow=True)
    assert "已批准" in follow_messages(response)
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED and req.valid_until == until

    as_user(client, demander)
    page = html(client.get(detail_url(entry)))
    assert "已批准" in page and download_href(item) in page
    assert body_of(client.get(download_href(item))) == BYTES

    # the owner's record shows the grant and the download; then the owner revokes
    as_user(client, supplier)
    page = html(client.get(detail_url(entry)))
    assert 'id="record"' in page and demander.organisation.name in page and "images.csv" in page
    revoke = reverse("catalogue:request_revoke", args=[req.pk])
    response = client.post(revoke, {"note": ""}, follow=True)
    assert "撤销原因" in follow_messages(response)
    client.post(revoke, {"note": "协议已终止。"})
    req.refresh_from_db()
    assert req.status == RequestStatus.REVOKED
    as_user(client, demander)
    assert client.get(download_href(item)).status_code == 403


def test_a_request_is_refused_with_a_reason_and_may_be_withdrawn(client, supplier, demander):
    entry = on_request(supplier)
    as_user(client, demander)
    page = html(client.get(detail_url(entry)))
    assert "数据使用协议" in page  # optional on request, but offered
    client.post(reverse("catalogue:request_access", args=[entry.pk]), {"purpose": PURPOSE})
    req = AccessRequest.objects.get()
    as_user(client, supplier)
    decide = reverse("catalogue:request_decide", args=[req.pk])
    response = client.post(decide, {"note": ""}, follow=True)
    assert "说明原因" in follow_messages(response)
    client.post(decide, {"note": "用途与许可不符。"})
    req.refresh_from_db()
    assert req.status == RequestStatus.REJECTED
    as_user(client, demander)
    page = html(client.get(detail_url(entry)))
    assert "未批准" in page and "用途与许可不符。" in page
    assert 'id="request-form"' in page  # may ask again
    client.post(reverse("catalogue:request_access", args=[entry.pk]), {"purpose": PURPOSE})
    second = AccessRequest.objects.get(status=RequestStatus.PENDING)
    response = client.post(reverse("catalogue:request_withdraw", args=[second.pk]), follow=True)
    assert "申请已撤回" in follow_messages(response)
    second.refresh_from_db()
    assert second.status == RequestStatus.WITHDRAWN


def test_owners_and_the_office_cannot_request_and_open_entries_need_none(
    client, supplier, demander, office
):
    entry = on_request(supplier)
    for user in (supplier, office):
        page = html(as_user(client, user).get(detail_url(entry)))
        assert 'id="request-form"' not in page
    url = reverse("catalogue:request_access", args=[entry.pk])
    assert client.post(url, {"purpose": PURPOSE}).status_code == 403
    open_entry = make_entry(supplier, title="开放数据集")
    page = html(as_user(client, demander).get(detail_url(open_entry)))
    assert 'id="request-form"' not in page
    url = reverse("catalogue:request_access", args=[open_entry.pk])
    assert client.post(url, {"purpose": PURPOSE}).status_code == 403
    assert not AccessRequest.objects.exists()


def test_the_requests_page_lists_outgoing_and_incoming(
    client, settings, supplier, demander, other_demander, office
):
    settings.PAGE_SIZE = 2
    mine = [on_request(supplier, title=f"申请使用数据集{i}") for i in range(3)]
    for entry in mine:
        ask(demander, entry)
    theirs = on_request(demander, title="需求方的申请使用数据集")
    ask(supplier, theirs)
    ask(other_demander, theirs)

    page = html(as_user(client, demander).get(reverse("catalogue:requests")))
    assert "本单位发出的申请" in page and "本单位收到的申请" in page
    assert "第 1 / 2 页，共 3 条" in page  # outgoing, paginated with its own parameter
    assert "opage=2" in page
    assert other_demander.organisation.name in page  # incoming
    second = html(client.get(reverse("catalogue:requests"), {"opage": 2}))
    assert "第 2 / 2 页" in second

    page = html(as_user(client, office).get(reverse("catalogue:requests")))
    assert "全部使用申请" in page
    assert "第 1 / 3 页，共 5 条" in page

    assert as_user(client, None).get(reverse("catalogue:requests")).status_code == 302


# --- the owner's actions ---------------------------------------------------------------------


def test_the_owner_registers_versions_uploads_publishes_and_withdraws(client, supplier):
    as_user(client, supplier)
    assert client.get(reverse("catalogue:create")).status_code == 200
    data = entry_data(title="园区路口视频数据集", data_sources="", tag_names="交通")
    response = client.post(reverse("catalogue:create"), data, follow=True)
    entry = Entry.objects.get(title="园区路口视频数据集")
    assert entry.status == Status.DRAFT and entry.owner == supplier.organisation
    assert response.redirect_chain[-1][0] == detail_url(entry)
    page = html(response)
    assert 'id="problems"' in page and "尚未登记任何版本" in page and "数据来源" in page

    # publishing now lists what is missing
    response = client.post(reverse("catalogue:publish", args=[entry.pk]), follow=True)
    text = follow_messages(response)
    assert "发布前请补全" in text and "尚未登记任何版本" in text
    entry.refresh_from_db()
    assert entry.status == Status.DRAFT

    # a version, a bad one refused on the page
    url = reverse("catalogue:version_add", args=[entry.pk])
    response = client.post(url, {"version": "v 1", "released_on": "2026-01-10"})
    assert response.status_code == 200 and "版本号只能包含" in html(response)
    client.post(url, {"version": "1.0", "released_on": "2026-01-10", "notes": "首次发布"})
    version = Version.objects.get(entry=entry)

    # a file uploaded through the page, a refused type, an external file
    upload_url = reverse("catalogue:file_upload", args=[entry.pk])
    bad = SimpleUploadedFile("run.exe", b"MZ", "application/octet-stream")
    response = client.post(upload_url, {"version": version.pk, "file": bad})
    assert "不支持的文件类型" in html(response) and not File.objects.exists()
    good = SimpleUploadedFile("frames.csv", BYTES, "text/csv")
    response = client.post(upload_url, {"version": version.pk, "file": good}, follow=True)
    assert "已上传" in follow_messages(response)
    item = File.objects.get(version=version)
    assert item.name == "frames.csv" and item.byte_size == len(BYTES) and item.sha256
    client.post(
        reverse("catalogue:file_external", args=[entry.pk]),
        {"version": version.pk, "name": "全量视频", "url": "https://oss.example.com/v.zip"},
    )
    assert File.objects.filter(version=version).count() == 2

    # fill in the card through the edit page, then publish
    edit = reverse("catalogue:edit", args=[entry.pk])
    page = html(client.get(edit))
    assert 'id="group-model"' in page and 'id="group-card"' in page
    client.post(edit, {**data, "data_sources": "园区交通信号控制系统的路口摄像头。"})
    response = client.post(reverse("catalogue:publish", args=[entry.pk]), follow=True)
    assert "条目已发布" in follow_messages(response)
    entry.refresh_from_db()
    assert entry.status == Status.PUBLISHED and entry.published_at

    # remove the external file, then withdraw
    external = File.objects.get(version=version, name="全量视频")
    client.post(reverse("catalogue:file_remove", args=[external.pk]))
    assert list(File.objects.filter(version=version)) == [item]
    response = client.post(reverse("catalogue:withdraw", args=[entry.pk]), follow=True)
    assert "条目已下架" in follow_messages(response)
    entry.refresh_from_db()
    assert entry.status == Status.WITHDRAWN


def test_the_entry_form_refuses_bad_input_in_chinese(client, supplier):
    as_user(client, supplier)
    data = entry_data(access="restricted", risks="", title="")
    response = client.post(reverse("catalogue:create"), data)
    assert response.status_code == 200
    page = html(response)
    assert "受限条目须在卡片中说明风险" in page
    assert not Entry.objects.exists()


def test_only_the_owner_manages_an_entry(client, supplier, demander, office):
    entry = make_entry(supplier, published=False)
    version = entry.versions.get()
    posts = [
        (reverse("catalogue:publish", args=[entry.pk]), {}),
        (reverse("catalogue:version_add", args=[entry.pk]), {"version": "2.0"}),
        (reverse("catalogue:links", args=[entry.pk]), {}),
        (reverse("catalogue:file_remove", args=[first_file(entry).pk]), {}),
        (
            reverse("catalogue:file_upload", args=[entry.pk]),
            {"version": version.pk, "file": SimpleUploadedFile("x.csv", BYTES)},
        ),
    ]
    as_user(client, office)
    assert client.get(reverse("catalogue:edit", args=[entry.pk])).status_code == 403
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    services.publish_entry(actor=supplier, entry=entry)
    as_user(client, demander)
    assert client.get(reverse("catalogue:edit", args=[entry.pk])).status_code == 403
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert client.post(reverse("catalogue:withdraw", args=[entry.pk])).status_code == 403
    assert File.objects.filter(version=version).count() == 1
    assert entry.versions.count() == 1


def test_unapproved_and_anonymous_users_cannot_register(client, pending_demander):
    assert as_user(client, None).get(reverse("catalogue:create")).status_code == 302
    as_user(client, pending_demander)
    assert client.get(reverse("catalogue:create")).status_code == 403
    assert client.get(reverse("catalogue:import")).status_code == 403


def test_the_owner_links_public_demands_and_solutions_from_the_entry_page(
    client, supplier, demander, office
):
    entry = make_entry(supplier)
    demand = make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    draft_demand = make_demand(demander, title="尚未发布的需求")
    solution = Solution.objects.create(
        supplier=supplier.organisation, title="注塑件外观AI质检", summary="产线在线检测"
    )
    as_user(client, supplier)
    page = html(client.get(detail_url(entry)))
    assert 'id="links-form"' in page
    assert demand.title in page and solution.title in page
    assert draft_demand.title not in page
    page = html(client.get(detail_url(entry), {"lq": "注塑"}))
    assert solution.title in page and demand.title in page
    response = client.post(
        reverse("catalogue:links", args=[entry.pk]),
        {"demand": [demand.pk], "solution": [solution.pk]},
        follow=True,
    )
    assert "已更新" in follow_messages(response)
    assert list(entry.demands.all()) == [demand] and list(entry.solutions.all()) == [solution]
    page = html(as_user(client, None).get(detail_url(entry)))
    assert demand.get_absolute_url() in page and solution.get_absolute_url() in page
    # a draft demand cannot be linked
    as_user(client, supplier)
    response = client.post(
        reverse("catalogue:links", args=[entry.pk]), {"demand": [draft_demand.pk]}, follow=True
    )
    assert "不存在或未公开" in follow_messages(response)
    assert list(entry.demands.all()) == [demand]


# --- the office ------------------------------------------------------------------------------


def quality(score=85, **overrides) -> dict:
    names = ("normative", "completeness", "accuracy", "consistency", "timeliness", "accessibility")
    data = {f"score_{n}": score for n in names}
    data.update(assessed_by="苏州市数据质量评测中心", assessed_on="2026-03-01", note="标注一致")
    data.update(overrides)
    return data


def test_the_office_assesses_quality_from_the_entry_page(client, supplier, demander, office):
    entry = make_entry(supplier)
    url = reverse("catalogue:assess", args=[entry.pk])
    assert as_user(client, supplier).post(url, quality()).status_code == 403
    assert as_user(client, demander).post(url, quality()).status_code == 403
    page = html(as_user(client, office).get(detail_url(entry)))
    assert 'id="quality-form"' in page and "规范性" in page and "可访问性" in page
    response = client.post(url, quality(score_accuracy=101))
    assert response.status_code == 200 and "评分须在 0 至 100 之间" in html(response)
    entry.refresh_from_db()
    assert not entry.quality_grade
    response = client.post(url, quality(), follow=True)
    assert "质量评估已登记" in follow_messages(response)
    entry.refresh_from_db()
    assert entry.quality_grade == "B" and entry.quality_scores["accuracy"] == 85
    page = html(as_user(client, None).get(detail_url(entry)))
    assert "B · 良" in page and "苏州市数据质量评测中心" in page
    assert 'style="width:85%;background:var(--blue)"' in page  # the dimension bars
    assert 'id="quality-form"' not in page


def test_the_office_withdraws_an_entry_with_a_reason(client, supplier, office):
    entry = make_entry(supplier)
    as_user(client, office)
    url = reverse("catalogue:withdraw", args=[entry.pk])
    response = client.post(url, {"note": ""})
    assert response.status_code == 200 and "请填写下架原因" in html(response)
    entry.refresh_from_db()
    assert entry.status == Status.PUBLISHED
    client.post(url, {"note": "数据来源存在权属争议。"})
    entry.refresh_from_db()
    assert entry.status == Status.WITHDRAWN


# --- import and exports ----------------------------------------------------------------------


def csv_bytes(rows: list[list[str]]) -> bytes:
    header = ["类型", "名称", "领域", "一句话介绍", "任务", "许可", "开放级别", "预期用途"]
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def test_the_import_page_lists_each_bad_row(client, supplier):
    as_user(client, supplier)
    assert client.get(reverse("catalogue:import")).status_code == 200
    template = client.get(reverse("catalogue:import_template"))
    assert template.status_code == 200 and "text/csv" in template["Content-Type"]
    assert "名称" in template.content.decode("utf-8-sig")

    bad = csv_bytes(
        [
            [
                "数据集",
                "园区气象数据集",
                "交通",
                "逐小时气象观测",
                "时序预测",
                "CC-BY-4.0",
                "开放",
                "预测",
            ],
            ["数据集", "", "交通", "缺名称", "时序预测", "CC-BY-4.0", "开放", "预测"],
            ["星舰", "未知类型条目", "交通", "类型不对", "时序预测", "CC-BY-4.0", "开放", "预测"],
        ]
    )
    upload = SimpleUploadedFile("entries.csv", bad, "text/csv")
    response = client.post(reverse("catalogue:import"), {"file": upload})
    assert response.status_code == 200
    page = html(response)
    assert 'id="row-errors"' in page
    assert "<td>3</td>" in page and "<td>4</td>" in page and "<td>2</td>" not in page
    assert "未导入任何条目" in page
    assert not Entry.objects.exists()

    good = csv_bytes(
        [
            [
                "数据集",
                "园区气象数据集",
                "交通",
                "逐小时气象观测",
                "时序预测",
                "CC-BY-4.0",
                "开放",
                "预测",
            ]
        ]
    )
    upload = SimpleUploadedFile("entries.csv", good, "text/csv")
    response = client.post(reverse("catalogue:import"), {"file": upload}, follow=True)
    assert "已导入 1 条" in follow_messages(response)
    assert Entry.objects.get().title == "园区气象数据集"


def test_the_exports_are_linked_data(client, supplier):
    dataset = make_entry(supplier)
    model = make_entry(supplier, **model_data())
    response = client.get(reverse("catalogue:dcat"))
    assert response.status_code == 200 and "ld+json" in response["Content-Type"]
    assert dataset.title in response.content.decode()
    response = client.get(reverse("catalogue:croissant", args=[dataset.pk]))
    assert response.status_code == 200 and "ld+json" in response["Content-Type"]
    assert client.get(reverse("catalogue:croissant", args=[model.pk])).status_code == 404
    draft = make_entry(supplier, published=False, title="草稿数据集")
    assert client.get(reverse("catalogue:croissant", args=[draft.pk])).status_code == 404


# --- demand and solution pages ---------------------------------------------------------------


def test_linked_entries_appear_on_demand_and_solution_pages(client, supplier, demander, office):
    demand = make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    solution = Solution.objects.create(
        supplier=supplier.organisation, title="注塑件外观AI质检", summary="产线在线检测"
    )
    entry = make_entry(supplier)
    withdrawn = make_entry(supplier, title="已下架的图像集")
    services.set_links(
        actor=supplier, entry=entry, demand_ids=[demand.pk], solution_ids=[solution.pk]
    )
    services.set_links(
        actor=supplier, entry=withdrawn, demand_ids=[demand.pk], solution_ids=[solution.pk]
    )
    services.withdraw_entry(actor=supplier, entry=withdrawn)

    for url in (demand.get_absolute_url(), solution.get_absolute_url()):
        page = html(as_user(client, None).get(url))
        assert "相关数据集与模型" in page and detail_url(entry) in page
        assert withdrawn.title not in page
        assert 'id="link-entry"' not in page  # only the demand's or solution's organisation


def test_a_demander_links_and_unlinks_a_published_entry_from_its_demand(
    client, supplier, demander, other_demander, office
):
    demand = make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    entry = make_entry(supplier)
    draft = make_entry(supplier, published=False, title="草稿图像集")
    page = html(as_user(client, other_demander).get(demand.get_absolute_url()))
    assert 'id="link-entry"' not in page
    url = reverse("catalogue:link_own")
    response = client.post(url, {"demand": demand.pk, "entry": entry.pk}, follow=True)
    assert "本单位" in follow_messages(response)
    assert not entry.demands.exists()

    as_user(client, demander)
    page = html(client.get(demand.get_absolute_url()))
    assert 'id="link-entry"' in page and entry.title in page
    assert draft.title not in page  # only published entries are offered
    response = client.post(url, {"demand": demand.pk, "entry": entry.pk}, follow=True)
    assert "已关联" in follow_messages(response)
    assert list(entry.demands.all()) == [demand]
    page = html(response)
    assert detail_url(entry) in page and "取消关联" in page
    assert client.post(url, {"demand": demand.pk, "entry": draft.pk}).status_code == 404
    client.post(url, {"demand": demand.pk, "entry": entry.pk, "action": "unlink"})
    assert not entry.demands.exists()


def test_a_supplier_links_a_published_entry_from_its_solution(client, supplier, demander):
    solution = Solution.objects.create(
        supplier=supplier.organisation, title="注塑件外观AI质检", summary="产线在线检测"
    )
    entry = make_entry(demander, title="需求方的缺陷图像集")
    as_user(client, supplier)
    page = html(client.get(solution.get_absolute_url()))
    form = page[page.index('id="link-entry"') :]
    assert 'name="csrfmiddlewaretoken"' in form[: form.index("</form>")]
    client.post(reverse("catalogue:link_own"), {"solution": solution.pk, "entry": entry.pk})
    assert list(entry.solutions.all()) == [solution]
    page = html(as_user(client, None).get(solution.get_absolute_url()))
    assert detail_url(entry) in page


def test_the_entry_page_names_the_indicator_a_graded_dataset_counts_towards(
    citypack, supplier, office, client
):
    from aiplus.catalogue import services
    from aiplus.catalogue.choices import QUALITY_DIMENSIONS

    from .support import make_entry

    entry = make_entry(supplier)
    url = reverse("catalogue:detail", args=[entry.pk])
    client.force_login(office)
    assert 'id="indicators"' not in client.get(url).content.decode()  # not assessed yet
    services.assess_quality(
        actor=office,
        entry=entry,
        data={
            **{f"score_{code}": 88 for code in QUALITY_DIMENSIONS},
            "assessed_by": "评测中心",
            "assessed_on": "2026-03-01",
        },
    )
    page = client.get(url).content.decode()
    assert 'id="indicators"' in page and "高质量行业数据集及语料库" in page
    assert reverse("programme:indicator", args=["datasets"]) in page


def test_the_search_page_reads_a_fixed_number_of_queries_however_many_entries(
    citypack, supplier, client
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .support import make_entry

    def queries() -> int:
        search.clear_cache()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("catalogue:index")).status_code == 200
        return len(captured)

    for n in range(2):
        make_entry(supplier, title=f"数据集{n}", body=None, version=None, published=False)
    make_entry(supplier, title="已发布甲")
    few = queries()
    for n in range(5):
        make_entry(supplier, title=f"已发布{n}", tag_names=f"标签{n}、机器视觉")
    assert queries() == few  # tags and owners come with the page, not one query per row
