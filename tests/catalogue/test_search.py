"""Catalogue search: Chinese full text over title, summary, description, card and tags; facets
(kind, sector, task, licence, access, language) whose counts respect every other facet's choice
but not their own; only entries the user may see; an index that follows every change; and sorting
by quality with unassessed entries last. The same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from aiplus.catalogue import search, services
from aiplus.catalogue.search import Query

from ..apiclient import api_as
from .support import make_entry

pytestmark = pytest.mark.django_db

ANONYMOUS = None


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    search.clear_cache()
    yield
    search.clear_cache()


@pytest.fixture
def catalogue(supplier, demander):
    """Three published entries of two organisations, unlike in every facet."""
    images = make_entry(
        supplier,
        title="注塑件表面图像数据集",
        description="苏州三家注塑厂的产线图像，用于训练表面缺陷检测模型。",
        task="image-classification",
        sector="manufacturing",
        languages=["zh"],
        licence="CC-BY-4.0",
        access="open",
        tag_names="机器视觉",
    )
    hotline = make_entry(
        demander,
        kind="corpus",
        title="政务热线问答语料",
        summary="十万条市民来电与答复",
        description="覆盖社保、公积金、户籍等事项。",
        task="question-answering",
        sector="government_services",
        languages=["zh", "en"],
        licence="CC-BY-SA-4.0",
        access="on_request",
        intended_use="训练政务智能客服与工单分派模型。",
        data_sources="12345 热线历史工单，已脱敏。",
        tag_names="知识图谱、大模型",
    )
    traffic = make_entry(
        supplier,
        kind="model",
        title="城市交通流量预测模型",
        summary="路口级十五分钟流量预测",
        description="基于图神经网络的时空预测。",
        task="time-series-forecasting",
        sector="transport",
        languages=[],
        licence="Apache-2.0",
        access="open",
        intended_use="信号配时优化。",
        data_sources="",
        evaluation="平均绝对误差 3.2 辆每车道。",
        tag_names="",
    )
    return {"images": images, "hotline": hotline, "traffic": traffic}


def titles(user=ANONYMOUS, **query) -> list[str]:
    result = search.search(user, Query(**query))
    return [e.title for e in result.entries]


def facet(user=ANONYMOUS, name: str = "kind", **query) -> dict[str, tuple[int, bool]]:
    result = search.search(user, Query(**query))
    return {v.value: (v.count, v.selected) for v in result.facets[name]}


def anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


# --- full text -------------------------------------------------------------------------------


def test_a_chinese_query_finds_a_phrase_inside_the_description(catalogue):
    assert titles(anonymous(), q="缺陷检测") == ["注塑件表面图像数据集"]


@pytest.mark.parametrize(
    ("q", "title"),
    [
        ("交通流量", "城市交通流量预测模型"),  # title
        ("市民来电", "政务热线问答语料"),  # summary
        ("图神经网络", "城市交通流量预测模型"),  # description
        ("智能客服", "政务热线问答语料"),  # card: intended use
        ("热线工单", "政务热线问答语料"),  # card: data sources
        ("平均绝对误差", "城市交通流量预测模型"),  # card: evaluation
        ("知识图谱", "政务热线问答语料"),  # tags
        ("機器視覺", "注塑件表面图像数据集"),  # traditional characters, a tag
    ],
)
def test_words_of_title_summary_description_card_and_tags_are_found(catalogue, q, title):
    assert titles(anonymous(), q=q)[0] == title


def test_a_title_match_ranks_above_a_description_match(catalogue, supplier):
    make_entry(
        supplier,
        kind="model",
        title="表面缺陷检测模型",
        description="面向金属件。",
        evaluation="mAP 0.91",
        task="object-detection",
    )
    assert titles(anonymous(), q="缺陷检测") == ["表面缺陷检测模型", "注塑件表面图像数据集"]


def test_words_found_nowhere_find_nothing(catalogue):
    assert titles(anonymous(), q="区块链") == []
    assert search.search(anonymous(), Query(q="区块链")).count == 0


def test_scores_come_with_the_results(catalogue):
    result = search.search(anonymous(), Query(q="缺陷检测"))
    assert set(result.scores) >= {catalogue["images"].pk}
    assert result.scores[catalogue["images"].pk] > 0


# --- facets ----------------------------------------------------------------------------------


def test_facets_count_the_visible_entries(catalogue):
    user = anonymous()
    assert facet(user, "kind") == {
        "dataset": (1, False),
        "corpus": (1, False),
        "model": (1, False),
    }
    assert facet(user, "language") == {"zh": (2, False), "en": (1, False)}
    assert facet(user, "access") == {"open": (2, False), "on_request": (1, False)}
    assert facet(user, "sector") == {
        "manufacturing": (1, False),
        "transport": (1, False),
        "government_services": (1, False),
    }
    labels = {v.value: v.label for v in search.search(user, Query()).facets["sector"]}
    assert labels["manufacturing"] == "制造"


def test_choosing_a_value_keeps_the_alternatives_of_the_same_facet(catalogue):
    user = anonymous()
    assert facet(user, "kind", kind="dataset") == {
        "dataset": (1, True),
        "corpus": (1, False),
        "model": (1, False),
    }
    # …while the other facets count only the chosen kind
    assert facet(user, "language", kind="dataset") == {"zh": (1, False)}
    assert facet(user, "access", kind="dataset") == {"open": (1, False)}


def test_facets_follow_the_query(catalogue):
    assert facet(anonymous(), "kind", q="热线") == {"corpus": (1, False)}


def test_a_chosen_value_without_entries_stays_listed(catalogue):
    user = anonymous()
    assert facet(user, "language", language="ja")["ja"] == (0, True)
    assert titles(user, language="ja") == []


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ({"kind": "corpus"}, ["政务热线问答语料"]),
        ({"sector": "transport"}, ["城市交通流量预测模型"]),
        ({"task": "image-classification"}, ["注塑件表面图像数据集"]),
        ({"licence": "Apache-2.0"}, ["城市交通流量预测模型"]),
        ({"access": "on_request"}, ["政务热线问答语料"]),
        ({"language": "en"}, ["政务热线问答语料"]),
        ({"language": "zh"}, ["政务热线问答语料", "注塑件表面图像数据集"]),
        ({"access": "open", "sector": "manufacturing"}, ["注塑件表面图像数据集"]),
        ({"access": "open", "kind": "corpus"}, []),
    ],
)
def test_each_facet_filters(catalogue, choice, expected):
    assert sorted(titles(anonymous(), **choice)) == sorted(expected)
    assert search.search(anonymous(), Query(**choice)).count == len(expected)


def test_a_language_code_matches_whole_codes_only(catalogue, supplier):
    make_entry(supplier, title="多语种平行语料", kind="corpus", languages=["mul"])
    assert titles(anonymous(), language="mul") == ["多语种平行语料"]
    assert titles(anonymous(), language="u") == []
    assert titles(anonymous(), language="z") == []


# --- who sees what ---------------------------------------------------------------------------


@pytest.fixture
def drafts(catalogue, other_demander, supplier):
    hidden = make_entry(
        other_demander,
        title="钢板缺陷检测数据集",
        published=False,
        languages=["ja"],
        sector="energy",
    )
    withdrawn = make_entry(supplier, title="焊缝缺陷检测数据集", languages=["ko"])
    services.withdraw_entry(actor=supplier, entry=withdrawn)
    return hidden, withdrawn


@pytest.mark.parametrize("who", ["anonymous", "demander", "pending_demander"])
def test_drafts_and_withdrawn_entries_of_others_never_appear(drafts, who, request):
    user = anonymous() if who == "anonymous" else request.getfixturevalue(who)
    assert titles(user, q="缺陷检测") == ["注塑件表面图像数据集"]
    assert "钢板缺陷检测数据集" not in titles(user)
    assert titles(user, language="ja") == [] and titles(user, language="ko") == []
    assert "energy" not in facet(user, "sector")
    assert set(facet(user, "language")) == {"zh", "en"}


def test_the_owner_finds_its_own_drafts_and_withdrawn_entries(drafts, other_demander, supplier):
    assert "钢板缺陷检测数据集" in titles(other_demander, q="缺陷检测")
    assert "焊缝缺陷检测数据集" in titles(supplier, q="缺陷检测")
    assert facet(other_demander, "language")["ja"] == (1, False)


def test_the_office_finds_everything(drafts, office):
    assert sorted(titles(office, q="缺陷检测")) == [
        "注塑件表面图像数据集",
        "焊缝缺陷检测数据集",
        "钢板缺陷检测数据集",
    ]


# --- the index follows changes ---------------------------------------------------------------


def test_the_index_follows_an_update(catalogue, supplier):
    user = anonymous()
    assert titles(user, q="自动驾驶") == []
    traffic = catalogue["traffic"]
    data = {
        "kind": "model",
        "title": "城市交通流量预测模型",
        "sector": "transport",
        "summary": "路口级十五分钟流量预测",
        "description": "可用于自动驾驶车辆的路径规划。",
        "task": "time-series-forecasting",
        "licence": "Apache-2.0",
        "access": "open",
        "intended_use": "信号配时优化。",
        "evaluation": "平均绝对误差 3.2 辆每车道。",
    }
    services.update_entry(actor=supplier, entry=traffic, data=data)
    assert titles(user, q="自动驾驶") == ["城市交通流量预测模型"]
    assert titles(user, q="图神经网络") == []


def test_the_index_follows_new_tags(catalogue, supplier):
    assert titles(anonymous(), q="数字孪生") == []
    images = catalogue["images"]
    from .support import entry_data

    services.update_entry(
        actor=supplier,
        entry=images,
        data=entry_data(
            title=images.title, description=images.description, tag_names="机器视觉、数字孪生"
        ),
    )
    assert titles(anonymous(), q="数字孪生") == ["注塑件表面图像数据集"]


def test_a_newly_published_entry_is_found_at_once(catalogue, demander):
    assert titles(anonymous(), q="光伏") == []
    draft = make_entry(demander, title="光伏组件电致发光图像", published=False)
    assert titles(anonymous(), q="光伏") == []
    services.publish_entry(actor=demander, entry=draft)
    assert titles(anonymous(), q="光伏") == ["光伏组件电致发光图像"]


# --- sorting ---------------------------------------------------------------------------------


def test_sorting_by_quality_puts_unassessed_entries_last(catalogue, office):
    def assess(entry, score):
        services.assess_quality(
            actor=office,
            entry=entry,
            data={
                **{
                    f"score_{d}": score
                    for d in (
                        "normative",
                        "completeness",
                        "accuracy",
                        "consistency",
                        "timeliness",
                        "accessibility",
                    )
                },
                "assessed_by": "评测中心",
                "assessed_on": "2026-03-01",
            },
        )

    assess(catalogue["images"], 70)  # C
    assess(catalogue["traffic"], 95)  # A
    assert titles(anonymous(), sort="quality") == [
        "城市交通流量预测模型",
        "注塑件表面图像数据集",
        "政务热线问答语料",
    ]


def test_without_a_query_the_newest_publication_comes_first(catalogue):
    assert titles(anonymous()) == [
        "城市交通流量预测模型",
        "政务热线问答语料",
        "注塑件表面图像数据集",
    ]


# --- over the API ----------------------------------------------------------------------------


def test_the_api_searches_with_facets(catalogue):
    body = api_as().get("/api/catalogue/entries", {"q": "语料", "language": "en"}).json()
    assert [i["title"] for i in body["items"]] == ["政务热线问答语料"]
    assert body["items"][0]["score"] > 0 and body["count"] == 1
    language = {v["value"]: v for v in body["facets"]["language"]}
    assert language["en"]["selected"] is True and language["en"]["label"] == "英文"


def test_the_api_hides_drafts_from_search(drafts):
    body = api_as().get("/api/catalogue/entries", {"q": "缺陷检测"}).json()
    assert [i["title"] for i in body["items"]] == ["注塑件表面图像数据集"]
    assert body["count"] == 1
