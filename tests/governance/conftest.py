"""Fixtures of the governance tests: the city pack loaded once per module, algorithm filings in
each status, and a demand in talks with a shortlisted proposal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from aiplus.core.citypack import load_citypack
from aiplus.governance.models import AlgorithmFiling
from aiplus.scenarios import services
from aiplus.scenarios.choices import DemandStatus

from ..factories import make_demand


@pytest.fixture(scope="module", autouse=True)
def _pack(django_db_setup, django_db_blocker):
    """Load the city pack once for the module, inside a transaction rolled back at the end;
    each test runs in its own savepoint (the `citypack` fixture then finds the pack loaded)."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_citypack("suzhou")
        yield
        transaction.set_rollback(True)


def make_filing(org, *, status=AlgorithmFiling.Status.FILED, **fields) -> AlgorithmFiling:
    defaults = {
        "kind": AlgorithmFiling.Kind.GENERATIVE,
        "name": "智能客服大模型服务",
        "model_name": "问道-2",
        "number": "Jiangsu-WenDao-20240501" if status != AlgorithmFiling.Status.PENDING else "",
        "filed_on": dt.date(2024, 5, 1) if status != AlgorithmFiling.Status.PENDING else None,
    }
    return AlgorithmFiling.objects.create(organisation=org, status=status, **{**defaults, **fields})


def propose(supplier, demand):
    return services.submit_proposal(
        actor=supplier, demand=demand, data={"approach": "视觉检测分三阶段实施"}
    )


@pytest.fixture
def in_talks(demander, office, supplier):
    """A demand in talks, with the supplier's proposal shortlisted."""
    demand = make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    proposal = propose(supplier, demand)
    services.shortlist_proposal(actor=demander, proposal=proposal)
    demand.refresh_from_db()
    assert demand.status == DemandStatus.IN_TALKS
    demand.proposal = proposal
    return demand
