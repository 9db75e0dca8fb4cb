"""Fusion functions."""

import pytest

from aiplus.matching import fusion


def test_minmax_maps_to_unit_interval():
    assert fusion.minmax({"a": 2.0, "b": 4.0, "c": 3.0}) == {"a": 0.0, "b": 1.0, "c": 0.5}
    assert fusion.minmax({"a": 5.0}) == {"a": 1.0}
    assert fusion.minmax({}) == {}


def test_minmax_mix_weights_dense_by_alpha():
    bm, de = {"a": 10.0, "b": 0.0}, {"a": 0.1, "b": 0.9}
    assert fusion.minmax_mix(bm, de, alpha=0.0) == {"a": 1.0, "b": 0.0}
    assert fusion.minmax_mix(bm, de, alpha=1.0) == {"a": 0.0, "b": 1.0}
    mixed = fusion.minmax_mix(bm, de, alpha=0.25)
    assert mixed["a"] == pytest.approx(0.75) and mixed["b"] == pytest.approx(0.25)


def test_document_missing_from_one_list_scores_zero_there():
    mixed = fusion.minmax_mix({"a": 1.0, "b": 0.5}, {"c": 0.9, "a": 0.1}, alpha=0.5)
    assert set(mixed) == {"a", "b", "c"}
    assert mixed["c"] == pytest.approx(0.5)


def test_rrf_uses_k_60():
    fused = fusion.rrf({"a": 3.0, "b": 2.0}, {"b": 0.9, "a": 0.1})
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["a"] == pytest.approx(fused["b"])
    assert fusion.rrf({"x": 1.0}, k=0)["x"] == pytest.approx(1.0)


def test_fuse_with_one_empty_list_returns_the_other():
    assert fusion.fuse({"a": 2.0, "b": 1.0}, {}) == {"a": 1.0, "b": 0.5}
    assert fusion.top_k(fusion.fuse({}, {"a": 0.2, "b": 0.8}), 1)[0][0] == "b"
    with pytest.raises(ValueError):
        fusion.fuse({"a": 1.0}, {"a": 1.0}, method="nope")
