"""The matching engine wired into the platform: pages, API, index upkeep, invitations."""

import os
import shutil
import threading
import time

import pytest
from django.test import Client
from django.urls import reverse

from aiplus.accounts.choices import Role
from aiplus.core.models import Sector
from aiplus.scenarios import matching, services
from aiplus.scenarios.choices import DemandStatus
from aiplus.scenarios.models import Demand, Invitation

from .factories import make_demand, make_user

pytestmark = pytest.mark.django_db


def make_solution(supplier, title, summary, *, sector="manufacturing", tags="机器视觉、缺陷检测"):
    return services.save_solution(
        actor=supplier,
        data={
            "title": title,
            "summary": summary,
            "description": summary,
            "sectors": [Sector.objects.get(code=sector).pk],
            "maturity": "product",
            "tag_names": tags,
            "is_published": "on",
        },
    )


@pytest.fixture
def market(demander, office, supplier, citypack):
    other = make_user(Role.SUPPLIER, username="other_supplier")
    vision = make_solution(
        supplier,
        "注塑件表面缺陷视觉检测系统",
        "基于深度学习的机器视觉缺陷检测，替代人工目检，漏检率低于0.5%",
    )
    chat = make_solution(
        other,
        "政务热线智能客服",
        "12345热线工单自动分派与智能问答",
        sector="government_services",
        tags="大模型、智能客服",
    )
    demand = make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    matching.rebuild()
    return {"demand": demand, "vision": vision, "chat": chat, "other": other}


def test_the_demand_page_ranks_the_fitting_solution_first_and_explains_why(client, market):
    body = client.get(market["demand"].get_absolute_url()).content.decode()
    assert "智能推荐的解决方案" in body
    assert "注塑件表面缺陷视觉检测系统" in body
    assert "政务热线智能客服" not in body or body.index("注塑件表面缺陷视觉检测系统") < body.index(
        "政务热线智能客服"
    )
    assert "同领域" in body and "技术标签重合" in body and "关键词" in body


def test_match_api_returns_scores_and_explanations(market):
    data = Client().get(f"/api/match/demands/{market['demand'].pk}").json()
    assert data["items"][0]["id"] == market["vision"].pk
    top = data["items"][0]["explanation"]
    assert {f["key"] for f in top["features"]} >= {"same_sector", "tag_overlap"}
    assert any(t["term"] in {"缺陷", "缺陷检测", "视觉", "机器视觉"} for t in top["matched_terms"])
    assert data["engine"]["dense"] is False  # BM25 only here, and it says so
    assert data["engine"]["reason"]


def test_supplier_sees_the_open_demands_its_solution_fits(client, market, supplier):
    data = Client().get(f"/api/match/solutions/{market['vision'].pk}").json()
    assert [i["id"] for i in data["items"]] == [market["demand"].pk]
    client.force_login(supplier)
    assert "为您推荐的需求" in client.get(reverse("scenarios:my")).content.decode()


def _fitting_demand(demander, office, title, **kw):
    return make_demand(
        demander,
        status=DemandStatus.PUBLISHED,
        office=office,
        title=title,
        pain_point="注塑件表面缺陷人工目检漏检，希望用深度学习机器视觉缺陷检测替代人工目检",
        **kw,
    )


def test_matches_for_a_solution_hold_only_what_the_user_may_see_now(
    client, market, demander, office, supplier
):
    """Candidates come from the index; the best are checked against the database, and when
    too many of them are hidden from the user the ranking is redone over what it may see."""
    hidden = [
        _fitting_demand(
            demander, office, f"注塑件表面缺陷视觉检测 {i}号线", visibility="registered"
        )
        for i in range(3)
    ]
    matching.rebuild()
    url = f"/api/match/solutions/{market['vision'].pk}"

    # anonymous: the registered-only demands rank first but are never shown; the public one
    # still comes back although every candidate of the first pass was hidden
    ids = [i["id"] for i in Client().get(url, {"k": 1}).json()["items"]]
    assert ids == [market["demand"].pk]
    ids = [i["id"] for i in Client().get(url, {"k": 10}).json()["items"]]
    assert ids == [market["demand"].pk]

    # a signed-in supplier sees them; one closed since the index was built is left out
    client.force_login(supplier)
    ids = {i["id"] for i in client.get(url, {"k": 10}).json()["items"]}
    assert ids == {market["demand"].pk, *(d.pk for d in hidden)}
    Demand.objects.filter(pk=hidden[0].pk).update(status=DemandStatus.PILOT)  # not re-indexed
    ids = {i["id"] for i in client.get(url, {"k": 10}).json()["items"]}
    assert ids == {market["demand"].pk, hidden[1].pk, hidden[2].pk}
    body = client.get(reverse("scenarios:my")).content.decode()
    assert hidden[1].title in body and hidden[0].title not in body


def test_office_invites_the_top_suppliers(client, market, office):
    client.force_login(office)
    client.post(reverse("scenarios:demand_invite", args=[market["demand"].pk]), {"top": 1})
    invitation = Invitation.objects.get()
    assert invitation.supplier == market["vision"].supplier
    assert "同领域" in invitation.reason


def test_search_api_and_list_page_rank_by_relevance(client, market, demander, office):
    make_demand(
        demander,
        status=DemandStatus.PUBLISHED,
        office=office,
        title="养老院夜间跌倒监测",
        pain_point="老人夜间跌倒发现不及时",
        tag_names="毫米波雷达",
    )
    matching.rebuild()
    data = Client().get("/api/search", {"q": "跌倒", "type": "demands"}).json()
    assert [i["title"] for i in data["items"]] == ["养老院夜间跌倒监测"]
    body = client.get(reverse("scenarios:demand_list"), {"q": "跌倒"}).content.decode()
    assert "养老院夜间跌倒监测" in body and "注塑件表面缺陷视觉检测" not in body


def test_similar_flags_a_near_duplicate(market):
    items = (
        Client()
        .post(
            "/api/similar",
            {"title": "注塑件表面缺陷视觉检测", "text": "人工目检漏检率高，需要机器视觉替代人工"},
            content_type="application/json",
        )
        .json()
    )
    assert items and items[0]["id"] == market["demand"].pk


def test_tags_are_suggested_from_text(market):
    data = (
        Client()
        .post(
            "/api/suggest-tags",
            {"text": "产线上的注塑件需要机器视觉做缺陷检测"},
            content_type="application/json",
        )
        .json()
    )
    assert data["sectors"][0]["code"] == "manufacturing"
    assert "机器视觉" in [t["name"] for t in data["tags"]]


def test_saving_a_demand_reindexes_it_after_commit(
    auto_index, demander, office, market, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        demand = make_demand(
            demander,
            status=DemandStatus.PUBLISHED,
            office=office,
            title="光伏电站功率预测",
            pain_point="光伏出力波动大",
            tag_names="时序预测",
        )
    assert str(demand.pk) in matching.get_engine().indexes["demands"]


def test_the_writer_keeps_its_engine_between_writes_and_readers_load_their_own(market, monkeypatch):
    loads = []
    real_load = matching._load_engine
    monkeypatch.setattr(
        matching, "_load_engine", lambda version=None: loads.append(version) or real_load(version)
    )
    demand = market["demand"]
    for title in ("注塑件外观缺陷智能检测", "注塑件外观缺陷机器视觉检测"):
        demand.title = title
        demand.save()
        matching.refresh(matching.DEMANDS, demand.pk)
    assert loads == []  # rebuild's engine, changed twice in place, never read back
    reader = matching.get_engine()
    assert loads == [(matching._dir() / "version").read_text()]  # the saved version, from disk
    assert reader is not matching._writer["engine"]
    assert reader.indexes["demands"].get(str(demand.pk)).title == "注塑件外观缺陷机器视觉检测"

    def broken_save(engine):
        raise OSError("disk full")

    monkeypatch.setattr(matching, "_save", broken_save)
    demand.title = "又改了标题"
    demand.save()
    with pytest.raises(OSError):
        matching.refresh(matching.DEMANDS, demand.pk)
    assert matching._writer["engine"] is None  # half changed: dropped, the next write reloads
    assert reader.indexes["demands"].get(str(demand.pk)).title == "注塑件外观缺陷机器视觉检测"


def test_a_queue_that_can_defer_runs_the_reindex_a_few_seconds_later(
    auto_index, market, settings, django_capture_on_commit_callbacks
):
    from django.utils import timezone
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.MATCHING_REINDEX_DELAY_SECONDS = 5
    settings.MATCHING_REINDEX_INTERVAL_SECONDS = 0
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        matching.changed(matching.DEMANDS, market["demand"].pk)
    (result,) = default_task_backend.results
    assert result.task.name == "reindex" and result.args == [matching.DEMANDS, market["demand"].pk]
    assert 4 <= (result.task.run_after - before).total_seconds() <= 6


def _version_saved_ago(seconds: float) -> None:
    pointer = matching._dir() / "version"
    when = time.time() - seconds
    os.utime(pointer, (when, when))


def test_saves_soon_after_a_new_version_wait_for_the_interval(
    auto_index, market, settings, django_capture_on_commit_callbacks
):
    """A steady stream of saves makes one index version per interval, not one per save."""
    from django.utils import timezone
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.MATCHING_REINDEX_DELAY_SECONDS = 5
    settings.MATCHING_REINDEX_INTERVAL_SECONDS = 30
    _version_saved_ago(10)  # the next version may be made in 20 s
    with django_capture_on_commit_callbacks(execute=True):
        matching.changed(matching.DEMANDS, market["demand"].pk)
    (result,) = default_task_backend.results
    saved = (matching._dir() / "version").stat().st_mtime
    assert result.task.run_after.timestamp() == pytest.approx(saved + 30, abs=0.01)

    _version_saved_ago(60)  # long ago: the delay alone counts
    default_task_backend.clear()
    with django_capture_on_commit_callbacks(execute=True):
        matching.changed(matching.DEMANDS, market["demand"].pk)
    (result,) = default_task_backend.results
    assert 4 <= (result.task.run_after - timezone.now()).total_seconds() <= 6


def test_a_reindex_task_due_too_soon_waits_only_if_its_change_is_not_in(market, settings):
    from django_tasks import default_task_backend

    from aiplus.scenarios.tasks import reindex

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.MATCHING_REINDEX_INTERVAL_SECONDS = 30
    demand = market["demand"]
    first = (matching._dir() / "version").read_text()
    _version_saved_ago(10)

    # its change is already in the current version (queued behind the task that took it in)
    reindex.call(matching.DEMANDS, demand.pk)
    assert default_task_backend.results == []
    assert (matching._dir() / "version").read_text() == first

    # a change the version lacks: queued again for when the next version may be made
    demand.title = "注塑件外观缺陷机器视觉检测"
    demand.save()
    reindex.call(matching.DEMANDS, demand.pk)
    (again,) = default_task_backend.results
    assert again.args == [matching.DEMANDS, demand.pk]
    saved = (matching._dir() / "version").stat().st_mtime
    assert again.task.run_after.timestamp() == pytest.approx(saved + 30, abs=0.01)
    assert (matching._dir() / "version").read_text() == first

    # once the interval is over the task re-indexes
    _version_saved_ago(31)
    reindex.call(matching.DEMANDS, demand.pk)
    assert (matching._dir() / "version").read_text() != first
    assert matching.is_indexed(matching.DEMANDS, demand.pk)
    titles = [m.title for m in matching.get_engine().search("demands", "机器视觉检测")]
    assert "注塑件外观缺陷机器视觉检测" in titles


def test_the_index_survives_a_restart(market, settings):
    first = [m.id for m in matching.get_engine().search("solutions", "缺陷检测")]
    matching._cache.update(engine=None, version=None, tags=None)  # a new process
    assert (settings.MATCHING_INDEX_DIR / "version").exists()
    assert [m.id for m in matching.get_engine().search("solutions", "缺陷检测")] == first


def test_each_save_is_a_new_directory_named_by_the_version_file(market, settings, monkeypatch):
    """A reader never sees half a save: the engine goes to versions/<v>/ and only then does
    `version` name it; superseded directories go after PRUNE_SECONDS, and a worker that still
    asks for a pruned version gets the current one."""
    root = settings.MATCHING_INDEX_DIR
    first = (root / "version").read_text()
    assert (root / "versions" / first / "demands" / "bm25").is_dir()
    matching.refresh(matching.DEMANDS, market["demand"].pk)  # unchanged: no new version
    assert (root / "version").read_text() == first

    # a changed demand makes a new version
    market["demand"].title = "注塑件外观缺陷智能检测"
    market["demand"].save()
    matching.refresh(matching.DEMANDS, market["demand"].pk)
    second = (root / "version").read_text()
    assert second != first and (root / "versions" / first).is_dir()  # kept for a while

    monkeypatch.setattr(matching, "PRUNE_SECONDS", 60.0)
    long_ago = time.time() - 120
    os.utime(root / "versions" / first, (long_ago, long_ago))  # superseded 2 minutes ago
    matching.rebuild()
    third = (root / "version").read_text()
    assert sorted(p.name for p in (root / "versions").iterdir()) == sorted([second, third])
    engine = matching._load_engine(first)  # pruned: the current one instead
    assert engine.indexes["demands"].get(str(market["demand"].pk)).title == "注塑件外观缺陷智能检测"


def test_an_index_saved_before_version_directories_still_loads_and_is_cleared(
    market, settings, monkeypatch
):
    root = settings.MATCHING_INDEX_DIR
    engine = matching.get_engine()
    for path in list(root.iterdir()):
        if path.name != ".lock":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    engine.save(root)  # the old layout: the engine in the index directory itself
    (root / "version").write_text("old")
    matching._cache.update(engine=None, version=None, tags=None)  # a new process
    first = [m.id for m in matching.get_engine().search("solutions", "缺陷检测")]
    assert first and first[0] == str(market["vision"].pk)
    monkeypatch.setattr(matching, "PRUNE_SECONDS", 0.0)
    matching.rebuild()
    assert not (root / "demands").exists() and not (root / "engine.json").exists()
    assert [m.id for m in matching.get_engine().search("solutions", "缺陷检测")] == first


def test_rebuild_index_command(market, capsys):
    from django.core.management import call_command

    call_command("rebuild_index")
    assert "需求" in capsys.readouterr().out


def test_match_eval_command_prints_the_three_metrics(tmp_path, capsys):
    import json

    from django.core.management import call_command

    (tmp_path / "corpus.jsonl").write_text(
        "\n".join(
            json.dumps(r, ensure_ascii=False)
            for r in [
                {"_id": "d1", "title": "机器视觉", "text": "注塑件表面缺陷的机器视觉检测"},
                {"_id": "d2", "title": "热线", "text": "政务热线工单智能分派"},
            ]
        ),
        encoding="utf-8",
    )
    (tmp_path / "queries.jsonl").write_text(
        json.dumps({"_id": "q1", "text": "缺陷检测"}, ensure_ascii=False), encoding="utf-8"
    )
    (tmp_path / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\n")
    call_command("match_eval", str(tmp_path), "--json", "--encoder", "none")
    out = json.loads(capsys.readouterr().out)
    bm25 = out["results"][0]
    assert "ndcg@10" in json.dumps(bm25).lower()


def test_the_demand_form_warns_of_a_similar_demand_and_suggests_tags(client, market, demander):
    client.force_login(demander)
    similar = client.get(
        reverse("scenarios:similar_demands"),
        {"title": "注塑件表面缺陷视觉检测", "pain_point": "人工目检漏检率高"},
    )
    assert market["demand"].title in similar.content.decode()
    assert "相似度" in similar.content.decode()
    tags = client.get(
        reverse("scenarios:suggest_tags"),
        {"title": "缺陷检测", "pain_point": "产线需要机器视觉做缺陷检测"},
    )
    body = tags.content.decode()
    assert 'data-sector="manufacturing"' in body and 'data-tag="机器视觉"' in body


class CountingEncoder:
    """A deterministic stand-in for a semantic model: hashed bag of tokens, 32 dims."""

    name = "test-hash-32"
    dim = 32

    def __init__(self):
        self.encoded = 0

    def encode(self, texts, kind="query"):
        import numpy as np

        from aiplus.matching import tokenize

        self.encoded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in tokenize(text):
                out[row, hash(token) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


@pytest.fixture
def encoder(settings):
    fake = CountingEncoder()
    settings.MATCHING_ENCODER = "test-hash"
    matching._cache.update(encoder=fake, encoder_reason=fake.name, encoder_spec="test-hash")
    return fake


def test_embeddings_live_in_the_database_and_are_reused(encoder, market, demander, office):
    from aiplus.scenarios.models import Embedding

    engine = matching.rebuild()
    assert engine.status()["dense"] is True
    n_docs = len(engine.indexes["demands"]) + len(engine.indexes["solutions"])
    assert Embedding.objects.count() == n_docs
    encoded = encoder.encoded
    matching.rebuild()  # a second process, or a rebuild after a restart: nothing re-encoded
    assert encoder.encoded == encoded
    type(market["demand"]).objects.filter(pk=market["demand"].pk).update(
        pain_point="换了一段新的需求描述"
    )
    matching.refresh(matching.DEMANDS, market["demand"].pk)
    assert encoder.encoded == encoded + 1
    data = Client().get(f"/api/match/demands/{market['demand'].pk}").json()
    assert data["items"][0]["explanation"]["dense"] is not None


def test_supplier_directory_search_ranks_by_their_solutions(client, market):
    body = client.get(reverse("scenarios:supplier_list"), {"q": "缺陷检测"}).content.decode()
    assert market["vision"].supplier.name in body
    assert market["chat"].supplier.name not in body


def test_solution_form_offers_tag_suggestions(client, supplier, market):
    client.force_login(supplier)
    body = client.get(reverse("scenarios:solution_create")).content.decode()
    assert "suggest-tags" in body and "sector-codes" in body


def test_supplier_outcomes_are_not_multiplied_by_filings(market, demander, office, supplier):
    from aiplus.governance.models import AlgorithmFiling

    org = supplier.organisation
    for n in range(3):
        AlgorithmFiling.objects.create(
            organisation=org, kind="generative", name=f"模型{n}", number=f"Beijing-{n}"
        )
    proposal = services.submit_proposal(
        actor=supplier, demand=market["demand"], data={"approach": "在线视觉检测"}
    )
    services.shortlist_proposal(actor=demander, proposal=proposal)
    services.select_proposal(actor=demander, proposal=proposal)
    doc = matching._solution_documents(
        matching.indexable_solutions().filter(pk=market["vision"].pk)
    )[0]
    assert doc["supplier"]["selected_count"] == 1
    assert doc["supplier"]["filings"] == 3


def test_workers_reload_the_index_and_its_tag_suggester_at_most_so_often(
    citypack, settings, monkeypatch
):
    """Under a stream of submissions the index version changes all the time; a worker keeps
    its engine and suggester until the configured seconds have passed, then catches up."""
    versions = iter(["v1", "v2", "v3", "v4"])
    current = {"v": next(versions)}
    monkeypatch.setattr(matching, "_version", lambda: current["v"])
    monkeypatch.setattr(matching, "_load_engine", lambda version=None: object())
    settings.MATCHING_RELOAD_SECONDS = 600
    first, engine = matching._tag_suggester(), matching.get_engine()
    current["v"] = next(versions)
    assert matching._tag_suggester() is first and matching.get_engine() is engine
    settings.MATCHING_RELOAD_SECONDS = 0
    assert matching._tag_suggester() is not first and matching.get_engine() is not engine


def test_a_worker_loads_a_new_version_in_the_background_and_goes_on_meanwhile(
    market, settings, monkeypatch
):
    """No request waits for a reload: the version another process saved is read in a thread
    (engine, token lists, tag suggester) while the worker answers with the one it has."""
    settings.MATCHING_BACKGROUND_RELOAD = True
    old_engine, old_tags = matching.get_engine(), matching._tag_suggester()
    old_version = matching._cache["version"]
    market["demand"].title = "注塑件外观缺陷机器视觉检测"
    market["demand"].save()
    matching.rebuild()  # as another process would: a new version on disk
    new_version = (matching._dir() / "version").read_text()
    matching._cache.update(engine=old_engine, version=old_version, tags=old_tags)
    matching._cache.update(tags_version=old_version, loaded_at=0.0, tags_at=0.0)

    started = threading.Event()
    real_load = matching._load_engine

    def slow_load(version=None):
        started.set()
        time.sleep(0.2)
        return real_load(version)

    monkeypatch.setattr(matching, "_load_engine", slow_load)
    assert matching.get_engine() is old_engine  # at once, with the version it has
    assert started.wait(5)
    assert matching._tag_suggester() is old_tags  # one reload in flight, not a second
    (thread,) = [t for t in threading.enumerate() if t.name == "index-reload"]
    thread.join(10)
    engine = matching.get_engine()
    assert engine is not old_engine and matching._cache["version"] == new_version
    assert matching._tag_suggester() is not old_tags
    assert matching._cache["tags_version"] == new_version
    assert engine.indexes["demands"].get(str(market["demand"].pk)).title.endswith("机器视觉检测")


def test_workers_reload_a_new_version_some_random_seconds_after_they_first_see_it(settings):
    """A version that comes late finds every worker due: each waits its own share of half the
    interval after first seeing it, so that they do not all load it at the same moment."""
    settings.MATCHING_RELOAD_SECONDS = 10
    now = time.monotonic()
    matching._cache.update(loaded_at=now - 100, lag=0.5)  # this worker waits 5 s
    assert not matching._reload_due("loaded_at", "v2")  # first seen now
    matching._cache["seen"] = ("v2", now - 4)
    assert not matching._reload_due("loaded_at", "v2")
    matching._cache["seen"] = ("v2", now - 6)
    assert matching._reload_due("loaded_at", "v2")
    assert not matching._reload_due("loaded_at", "v3")  # another version: seen from now
    matching._cache.update(loaded_at=now - 5, seen=("v3", now - 60))
    assert not matching._reload_due("loaded_at", "v3")  # loaded 5 s ago: the interval first


def test_a_failed_background_reload_keeps_the_version_in_use(market, settings, monkeypatch):
    settings.MATCHING_BACKGROUND_RELOAD = True
    settings.MATCHING_RELOAD_SECONDS = 600
    old_engine = matching.get_engine()
    old_version = matching._cache["version"]
    matching.rebuild()
    long_ago = time.monotonic() - 10_000
    matching._cache.update(engine=old_engine, version=old_version, loaded_at=long_ago, lag=0.0)

    def broken(version=None):
        raise OSError("disk error")

    monkeypatch.setattr(matching, "_load_engine", broken)
    assert matching.get_engine() is old_engine
    (thread,) = [t for t in threading.enumerate() if t.name == "index-reload"]
    thread.join(10)
    # tried: the version in use stays, and the next try waits for the interval
    assert matching.get_engine() is old_engine and not matching._cache["reloading"]
    assert "index-reload" not in [t.name for t in threading.enumerate()]


def test_the_index_writer_fits_the_tag_suggester_at_most_so_often_and_workers_load_it(
    market, settings, monkeypatch
):
    root = settings.MATCHING_INDEX_DIR
    fits = []
    real_fit = matching.fit_tag_suggester
    monkeypatch.setattr(matching, "fit_tag_suggester", lambda: fits.append(1) or real_fit())
    settings.MATCHING_TAGS_REFIT_SECONDS = 600
    first = (root / "version").read_text()
    demand = market["demand"]
    demand.title = "注塑件外观缺陷智能检测"
    demand.save()
    matching.refresh(matching.DEMANDS, demand.pk)
    second = (root / "version").read_text()
    assert second != first and fits == []  # the first version's suggester, copied
    saved = [(root / "versions" / v / matching.TAGS_FILE).read_bytes() for v in (first, second)]
    assert saved[0] == saved[1]

    settings.MATCHING_TAGS_REFIT_SECONDS = 0
    demand.title = "注塑件外观缺陷机器视觉检测"
    demand.save()
    matching.refresh(matching.DEMANDS, demand.pk)
    assert fits == [1]
    expected = matching.suggest_tags("产线上的注塑件需要机器视觉做缺陷检测")

    def no_fit():
        raise AssertionError("a worker fitted the suggester")

    monkeypatch.setattr(matching, "fit_tag_suggester", no_fit)
    matching._cache.update(engine=None, version=None, tags=None)  # a new worker
    assert matching.suggest_tags("产线上的注塑件需要机器视觉做缺陷检测") == expected
    assert expected["sectors"][0]["code"] == "manufacturing"
