"""The evaluator on a tiny BEIR-layout set written to tmp_path."""

import json

import pytest

from aiplus.matching import evaluate

CORPUS = [
    {"_id": "d1", "title": "机器视觉", "text": "工业产线表面缺陷检测系统"},
    {"_id": "d2", "title": "养老", "text": "养老院跌倒检测与陪护机器人"},
    {"_id": "d3", "title": "低空", "text": "无人机河道巡查与电力巡检"},
    {"_id": "d4", "title": "", "text": "設備預測性維護與故障診斷"},
]
QUERIES = [
    {"_id": "q1", "text": "产线缺陷怎么检测"},
    {"_id": "q2", "text": "老人跌倒"},
    {"_id": "q3", "text": "无人机巡检"},
    {"_id": "q4", "text": "预测性维护"},
    {"_id": "q5", "text": "没有标注的问题"},
]
QRELS = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq3\td3\t1\nq4\td4\t1\n"


@pytest.fixture
def beir_dir(tmp_path):
    d = tmp_path / "tiny"
    d.mkdir()
    (d / "corpus.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in CORPUS), "utf-8"
    )
    (d / "queries.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in QUERIES), "utf-8"
    )
    (d / "qrels.tsv").write_text(QRELS, "utf-8")
    return d


def test_metrics():
    rels = {"a": 1}
    assert evaluate.ndcg_at_k(["a", "b"], rels) == 1.0
    assert evaluate.ndcg_at_k(["b", "a"], rels) == pytest.approx(1 / 1.5849625)
    assert evaluate.mrr_at_k(["b", "c", "a"], rels) == pytest.approx(1 / 3)
    assert evaluate.recall_at_k(["b"], rels) == 0.0


def test_load_beir_skips_header_and_unjudged_queries(beir_dir):
    s = evaluate.load_beir(beir_dir)
    assert len(s.docs) == 4 and set(s.queries) == {"q1", "q2", "q3", "q4"}
    assert evaluate.load_beir(beir_dir, limit_queries=2).queries.keys() == {"q1", "q2"}


def test_cli_json_with_bm25_only(beir_dir, capsys):
    assert evaluate.main([str(beir_dir), "--json", "--encoder", "none", "--cache", ""]) == 0
    out = json.loads(capsys.readouterr().out)
    res = out["results"][0]
    assert res["set"] == "tiny" and res["queries"] == 4
    assert res["metrics"]["bm25"]["ndcg@10"] == 1.0  # traditional d4 found by simplified q4
    assert "dense" not in res["metrics"] and out["summary"] == {"dense": False}


def test_evaluate_set_with_an_encoder_reports_all_methods(beir_dir, tmp_path):
    from .test_engine import HashEncoder

    res = evaluate.evaluate_set(
        evaluate.load_beir(beir_dir), HashEncoder(), cache_dir=tmp_path / "c"
    )
    for m in ("bm25", "dense", "fused_minmax", "fused_rrf"):
        assert 0.0 <= res.metrics[m]["ndcg@10"] <= 1.0
    table = evaluate.format_table([res])
    assert "fused_rrf (k=60)" in table and "| tiny | bm25 |" in table
    assert set(evaluate.summarise([res])) >= {"fused_minmax", "fused_rrf"}
