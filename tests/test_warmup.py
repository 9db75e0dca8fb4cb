"""Worker warm-up (bin/gunicorn.conf.py → aiplus.core.warmup.warm)."""

import gc
import logging

import pytest

from aiplus.core import warmup
from aiplus.scenarios import matching

pytestmark = pytest.mark.django_db


def test_warm_loads_the_indexes_a_first_request_would_wait_for(citypack, caplog):
    caplog.set_level(logging.INFO, logger="aiplus.warmup")
    warmup.warm()
    assert matching._cache["engine"] is not None and matching._cache["tags"] is not None
    assert "worker warmed (jieba, matching, catalogue)" in caplog.text


def test_what_warm_loaded_is_out_of_the_garbage_collectors_way(citypack):
    gc.unfreeze()
    warmup.warm()
    try:
        engine = matching._cache["engine"]
        frozen = gc.get_freeze_count()
        assert frozen > 0
        # the engine's objects are among the frozen ones: a full collection no longer walks them
        assert not any(o is engine for o in gc.get_objects())
    finally:
        gc.unfreeze()


def test_a_failing_step_is_logged_and_the_worker_still_starts(citypack, caplog, monkeypatch):
    def broken():
        raise RuntimeError("index unreadable")

    monkeypatch.setattr(matching, "load", broken)
    warmup.warm()  # does not raise
    assert "warm-up stopped after ['jieba']" in caplog.text
    assert "worker warmed (jieba)" in caplog.text
