"""Schemathesis against the whole API (issue #8, "Faults and bad input").

Every operation of /api/openapi.json is fuzzed in-process through the Django WSGI app: a few
derandomized examples each (schema-valid and schema-violating ones, more for writes than for
reads), each example sent anonymously, with a bad token where the operation takes anonymous
callers, and with the Bearer tokens of the programme office, a demander, a supplier and a member
of an organisation still pending review, plus a district officer or a compute provider in the
modules where they act. No response may be a 5xx; each must carry a status code the operation
documents, the documented content type (JSON) and a body that matches the declared schema.

The data: the city pack plus a small world (demands in several states, proposals, a solution,
a list, a roadshow, a filing and a risk checklist, catalogue entries with files and access
requests, a compute offer, applications, allocation runs and an order, programme values).
Generated path ids are mostly steered to objects that exist, so that write operations get past
the 404 and reach the services; the rest stay as generated (and must give the documented 404).
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
from decimal import Decimal

import pytest
import schemathesis
from django.core.cache import cache, caches
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from aiplus.accounts.choices import OrgStatus, Role
from aiplus.core.citypack import load_citypack
from aiplus.core.models import Area

from .apiclient import token_for
from .factories import checklist_data, make_demand, make_user

APP = get_wsgi_application()
# A few examples per operation, writes more than reads (Schemathesis' coverage phase would send
# dozens of boundary cases per operation, too many for the time budget). Deterministic by
# default; to fuzz deeper by hand:
#     FUZZ_EXAMPLES=50 FUZZ_SEED=7 .venv/bin/python -m pytest tests/test_api_fuzz.py -n 0
DEEPER = os.environ.get("FUZZ_EXAMPLES")
WRITE_EXAMPLES = int(DEEPER or 4)
READ_EXAMPLES = int(DEEPER or 2)
SEED = os.environ.get("FUZZ_SEED")
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", APP, config=CONFIG)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Who calls every operation (a member of an organisation still pending review can sign in but
# not act); the district officer and the compute provider where they act (by operation tag).
EVERYONE = ("office", "demander", "supplier", "pending")
EXTRA = {
    "scenarios": ("district",),
    "programme": ("district",),
    "governance": ("district",),
    "compute": ("provider",),
}


def _build_world() -> dict:
    """The data the fuzzer works on; returns the tokens and the pools of existing ids."""
    from aiplus.compute import allocate, ledger
    from aiplus.compute.models import Application, DataCentre, Offer, VoucherProgramme
    from aiplus.core.models import Sector
    from aiplus.governance import services as governance
    from aiplus.policies.models import EnterpriseProfile
    from aiplus.programme import services as programme
    from aiplus.programme.models import Indicator
    from aiplus.programme.periods import parse_key
    from aiplus.scenarios import services as scenarios
    from aiplus.scenarios.choices import DemandStatus, RoadshowStatus
    from aiplus.scenarios.models import Certification

    from .catalogue.support import ask, granted, make_entry, on_request

    load_citypack("suzhou")
    sip = Area.objects.get(code="sip")
    users = {
        "office": make_user(Role.OFFICE, username="fuzz_office"),
        "district": make_user(Role.DISTRICT, area=sip, username="fuzz_district"),
        "demander": make_user(Role.DEMANDER, username="fuzz_demander"),
        "supplier": make_user(Role.SUPPLIER, username="fuzz_supplier"),
        "provider": make_user(Role.COMPUTE_PROVIDER, username="fuzz_provider"),
    }
    office, demander, supplier = users["office"], users["demander"], users["supplier"]
    users["pending"] = make_user(Role.DEMANDER, status=OrgStatus.PENDING, username="fuzz_pending")

    # Scenarios: demands along the lifecycle, proposals, a solution, a list, a roadshow.
    make_demand(demander)
    make_demand(demander, status=DemandStatus.SUBMITTED, office=office)
    published = make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    talks = make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    scenarios.submit_proposal(actor=supplier, demand=published, data={"approach": "三阶段实施"})
    shortlisted = scenarios.submit_proposal(
        actor=supplier, demand=talks, data={"approach": "视觉检测分三阶段实施"}
    )
    scenarios.shortlist_proposal(actor=demander, proposal=shortlisted)
    solution = scenarios.save_solution(
        actor=supplier,
        data={
            "title": "工业视觉缺陷检测平台",
            "summary": "小样本缺陷检测",
            "sectors": [Sector.objects.get(code="manufacturing").pk],
            "maturity": "product",
            "price_from": "300000",
            "is_published": True,
            "tag_names": "机器视觉、边缘计算",
        },
    )
    scenarios.add_case_study(
        actor=supplier,
        solution=solution,
        data={"customer": "某汽车零部件企业", "year": 2024, "outcome": "替代人工目检"},
        metrics=[{"name": "漏检率", "value": "0.3%"}],
    )
    Certification.objects.create(organisation=supplier.organisation, name="ISO 27001")
    demand_list = scenarios.create_demand_list(
        actor=office, data={"name": "测试清单", "year": 2026}
    )
    scenarios.add_to_list(actor=office, demand_list=demand_list, demands=[published])
    scenarios.save_roadshow(
        actor=office,
        demands=[published],
        data={
            "title": "智能制造场景路演",
            "starts_at": timezone.now() + dt.timedelta(days=30),
            "venue": "苏州工业园区",
            "capacity": 5,
            "status": RoadshowStatus.OPEN,
        },
    )

    # Governance: a filing of the supplier, the pilot checklist of the demand in talks (saved,
    # not signed).
    governance.add_filing(
        actor=supplier, data={"kind": "generative", "name": "写作助手", "status": "pending"}
    )
    governance.save_checklist(
        actor=demander, demand=talks, stage="pilot", data=checklist_data(talks)
    )

    # Catalogue: an open entry with a file, one on request with a pending and a granted request,
    # a draft.
    make_entry(supplier)
    closed = on_request(supplier, title="注塑件缺陷样本（申请使用）")
    granted(demander, closed)
    ask(make_user(Role.DEMANDER), closed)
    make_entry(supplier, published=False, title="未发布的语料")

    # Compute: a centre with an offer, the pack's voucher programme funded, two applications:
    # one allocated by an approved run (an order), one in a run still proposed.
    centre = DataCentre.objects.create(
        provider=users["provider"].organisation, name="相城智算中心", area=sip
    )
    Offer.objects.create(
        centre=centre,
        gpu_model="H800",
        cards=64,
        price=Decimal("12.50"),
        available_from=dt.date(2026, 2, 1),
        available_to=dt.date(2026, 12, 31),
    )
    voucher = VoucherProgramme.objects.get(code="sz-compute-2026")
    ledger.fund(programme=voucher, amount=Decimal(5_000_000), key="fund:fuzz", year=2026)
    EnterpriseProfile.objects.update_or_create(
        organisation=demander.organisation,
        defaults={"facts": {"registered_city": "苏州", "roles": ["科技研发企业"]}},
    )
    start = dt.date(2026, 3, 2)
    for purpose in ("大模型微调", "视觉模型训练"):
        Application.objects.create(
            enterprise=demander.organisation,
            programme=voucher,
            accepted_models=["H800"],
            cards=8,
            hours=240,
            earliest_start=start,
            latest_end=start + dt.timedelta(days=60),
            purpose=purpose,
        )
        run = allocate.propose(actor=office, programme=voucher, start=start, method="heuristic")
        if purpose == "大模型微调":
            assert allocate.approve(actor=office, run=run)
    assert run.items.filter(offer__isnull=False).exists()

    # Programme: a value reported by the district officer and approved, one in draft.
    indicator = Indicator.objects.get(code="ai-enterprises")
    sub = programme.save_value(
        actor=users["district"],
        indicator=indicator,
        period=programme.period_for(parse_key("2026-02")),
        value="3000",
        area=sip,
    )
    programme.approve(actor=office, submission=sub)
    programme.save_value(
        actor=users["district"],
        indicator=indicator,
        period=programme.period_for(parse_key("2026-03")),
        value="3100",
        area=sip,
        submit=False,
    )
    return {"users": users, "tokens": {name: token_for(u) for name, u in users.items()}}


def _pools() -> dict:
    """Existing ids (and codes) per path parameter, read from the database."""
    from aiplus.accounts.models import Organisation
    from aiplus.catalogue.models import AccessRequest, Entry, File, Version
    from aiplus.compute.models import (
        AllocationItem,
        AllocationRun,
        Application,
        Offer,
        Order,
        VoucherProgramme,
    )
    from aiplus.governance.models import AlgorithmFiling
    from aiplus.policies.models import Measure, PolicyDocument
    from aiplus.programme.models import Indicator, Submission
    from aiplus.scenarios.models import (
        Certification,
        Demand,
        DemandList,
        Proposal,
        Roadshow,
        Solution,
    )

    def ids(model):
        return sorted(model.objects.values_list("pk", flat=True))

    return {
        "entry_id": ids(Entry),
        "file_id": ids(File),
        "request_id": ids(AccessRequest),
        "version_id": ids(Version),
        "certification_id": ids(Certification),
        "app_id": ids(Application),
        "offer_id": ids(Offer),
        "order_id": ids(Order),
        "run_id": ids(AllocationRun),
        "item_id": ids(AllocationItem),
        "list_id": ids(DemandList),
        "demand_id": ids(Demand),
        "filing_id": ids(AlgorithmFiling),
        "solution_id": ids(Solution),
        "org_id": ids(Organisation),
        "organisation_id": ids(Organisation),
        "submission_id": ids(Submission),
        "proposal_id": ids(Proposal),
        "roadshow_id": ids(Roadshow),
        "stage": ["pilot", "deployment"],
        "rule_id": sorted(Measure.objects.values_list("rule_id", flat=True)),
        # `code` names a different thing under each prefix.
        "code": {
            "/api/compute/": sorted(VoucherProgramme.objects.values_list("code", flat=True)),
            "/api/programme/": sorted(Indicator.objects.values_list("code", flat=True)),
            "/api/policies/": sorted(PolicyDocument.objects.values_list("code", flat=True)),
        },
    }


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at the end; the test runs in
    a savepoint of it."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        world = _build_world()
        world["pools"] = _pools()
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def world(_world, db, settings):
    # The API rate limit (aiplus.core.throttling) is not what this test is about.
    settings.API_RATE_USER = "1000000/m"
    settings.API_RATE_ANON = "1000000/m"
    cache.clear()
    caches["throttle"].clear()
    # Requests go straight to the WSGI handler, which closes the database connection around
    # each request; inside the test's transaction (PostgreSQL) that would lose it. Django's test
    # client disconnects the same handlers.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield _world
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _aim(case, pools: dict) -> None:
    """Steer most generated path ids to objects that exist (deterministically, from the
    generated value); one in four stays as generated. Values of the wrong type (negative
    examples) are left alone."""
    for name, value in list(case.path_parameters.items()):
        pool = pools.get(name)
        if isinstance(pool, dict):
            pool = next((v for k, v in pool.items() if case.operation.path.startswith(k)), None)
        if not pool or isinstance(value, bool):
            continue
        if isinstance(value, int):
            pick = value
        elif isinstance(value, str) and not isinstance(pool[0], int):
            pick = len(value)
        else:
            continue
        if pick % 4 != 3:
            case.path_parameters[name] = pool[pick % len(pool)]


BAD_TOKEN = "not-a-token"


def _callers(case) -> tuple[str | None, ...]:
    """Anonymous (with the credentials the generator made up, if the operation declares any),
    a bad token where the operation declares none (it must be refused, not ignored), then the
    users."""
    definition = case.operation.definition.raw
    extra = tuple(who for tag in definition.get("tags", ()) for who in EXTRA.get(tag, ()))
    bad = () if definition.get("security") else (BAD_TOKEN,)
    return (None, *bad, *EVERYONE, *extra)


# One pytest item per operation (Schemathesis' own `schema.parametrize()` reports operations as
# subtests of one item, which pytest-xdist, as `make test` runs it, does not report as failed).
OPERATIONS = sorted(
    (result.ok() for result in schema.get_all_operations()), key=lambda op: op.label
)


def _strategy(operation):
    """Schema-valid and schema-violating cases (an operation without input has only the
    former)."""
    cases = [operation.as_strategy(GenerationMode.POSITIVE)]
    if operation.path_parameters or operation.query or operation.body:
        cases.append(operation.as_strategy(GenerationMode.NEGATIVE))
    return st.one_of(cases)


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_api(operation, world):
    @given(case=_strategy(operation))
    @settings(
        max_examples=READ_EXAMPLES if operation.method.upper() == "GET" else WRITE_EXAMPLES,
        deadline=None,
        derandomize=SEED is None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def fuzz(case):
        _aim(case, world["pools"])
        for who in _callers(case):
            token = world["tokens"].get(who, who)
            headers = {"Authorization": f"Bearer {token}"} if who else {}
            case.call_and_validate(headers=headers, checks=CHECKS)

    if SEED:
        fuzz = seed(int(SEED))(fuzz)
    fuzz()


def _schema_classes() -> list[type]:
    from ninja import Schema

    import aiplus.api  # noqa: F401 (every router, so every schema class, is imported)

    found, todo = [], [Schema]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            found.append(sub)
    return [cls for cls in found if cls.__module__.startswith("aiplus.")]


def test_schema_names_are_unique():
    """OpenAPI names a component after its class: two different schemas of one name are
    published as one, and the operations of the other then document the wrong body (found by
    the fuzzer: /api/search, /api/compute/ledger and /api/imports/demands did)."""
    by_name = collections.defaultdict(list)
    for cls in _schema_classes():
        by_name[cls.__name__].append(cls)
    clashes = {
        name: sorted(f"{cls.__module__}.{name}" for cls in classes)
        for name, classes in by_name.items()
        if len({json.dumps(cls.model_json_schema(), sort_keys=True) for cls in classes}) > 1
    }
    assert not clashes
