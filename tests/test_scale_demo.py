"""`aiplus scale-demo`: tops the demo data up to a requested size, marked 示例, and valid."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from aiplus.accounts.choices import OrgStatus, Role
from aiplus.accounts.models import Organisation, User
from aiplus.core.management.commands.demo import DEMO_PASSWORD, PREFIX
from aiplus.governance.models import RiskChecklist
from aiplus.scenarios import matching
from aiplus.scenarios.choices import PUBLIC_STATUSES, DemandStatus, ProposalStatus
from aiplus.scenarios.models import Demand, Proposal, Solution

from .factories import make_demand, make_org, make_user

pytestmark = pytest.mark.django_db
S = DemandStatus


@pytest.fixture
def demo_base(citypack):
    """The least `aiplus demo` leaves that scale-demo builds on: an office login and one demo
    demand of a demo demander."""
    office = make_user(Role.OFFICE, org=make_org(Role.OFFICE, name=PREFIX + "专班"))
    demander = make_user(Role.DEMANDER, org=make_org(Role.DEMANDER, name=PREFIX + "需求方"))
    Organisation.objects.filter(pk__in=[office.organisation_id, demander.organisation_id]).update(
        is_demo=True
    )
    demand = make_demand(demander)
    Demand.objects.filter(pk=demand.pk).update(is_demo=True)
    return office


def scale(demands=50, organisations=20, *extra):
    out = StringIO()
    call_command(
        "scale_demo",
        "--demands",
        str(demands),
        "--organisations",
        str(organisations),
        "--users",
        "3",
        *extra,
        stdout=out,
    )
    return out.getvalue()


def test_refuses_without_demo_data(citypack):
    with pytest.raises(CommandError, match="aiplus demo"):
        scale()


def test_creates_the_requested_totals_all_marked_demo(demo_base):
    scale(50, 20, "--skip-index")
    assert Demand.objects.filter(is_demo=True).count() == 50
    assert Organisation.objects.filter(is_demo=True).count() == 20
    assert not Demand.objects.filter(is_demo=False).exists()
    assert not Organisation.objects.filter(is_demo=False).exclude(kind=Role.DISTRICT).exists()
    assert all(n.startswith(PREFIX) for n in Organisation.objects.values_list("name", flat=True))
    assert set(Solution.objects.values_list("is_demo", flat=True)) <= {True}
    assert set(Proposal.objects.values_list("is_demo", flat=True)) <= {True}


def test_a_second_run_adds_nothing_and_a_bigger_one_tops_up(demo_base):
    scale(50, 20, "--skip-index")
    ids = set(Demand.objects.values_list("pk", flat=True))
    assert "未新增" in scale(50, 20, "--skip-index")
    assert set(Demand.objects.values_list("pk", flat=True)) == ids
    assert User.objects.filter(username__startswith="load-").count() <= 6
    scale(80, 30, "--skip-index")
    assert Demand.objects.filter(is_demo=True).count() == 80
    assert Organisation.objects.filter(is_demo=True).count() == 30
    assert ids < set(Demand.objects.values_list("pk", flat=True))


def test_the_data_is_valid(demo_base):
    scale(120, 40, "--skip-index")
    new = Demand.objects.filter(contact_email__startswith="scale")  # the scaled ones
    assert not Demand.objects.filter(code__startswith="TMP").exists()
    statuses = set()
    for demand in new.prefetch_related("transitions", "proposals", "risk_checklists"):
        demand.full_clean(validate_unique=False)
        statuses.add(demand.status)
        assert demand.code == f"XQ{demand.created_at:%Y}{demand.pk:06d}"
        assert demand.budget_min <= demand.budget_max
        assert demand.start_date < demand.end_date
        moves = list(demand.transitions.all())
        assert moves[-1].to_status == demand.status
        assert [m.from_status for m in moves[1:]] == [m.to_status for m in moves[:-1]]
        assert [m.at for m in moves] == sorted(m.at for m in moves)
        assert (demand.published_at is not None) == any(m.to_status == S.PUBLISHED for m in moves)
        proposals = [p.status for p in demand.proposals.all()]
        signed = {c.stage for c in demand.risk_checklists.all() if c.is_signed}
        if demand.status == S.IN_TALKS:
            assert proposals.count(ProposalStatus.SHORTLISTED) == 1
        if demand.status in {S.PILOT, S.DEPLOYED, S.PROMOTED}:
            assert proposals.count(ProposalStatus.SELECTED) == 1
            assert "pilot" in signed
        if demand.status in {S.DEPLOYED, S.PROMOTED}:
            assert "deployment" in signed
        if demand.status not in PUBLIC_STATUSES and demand.status != S.CLOSED:
            assert not proposals
    assert len(statuses) >= 6  # every part of the lifecycle shows up
    assert not RiskChecklist.objects.filter(status="signed", signed_at__isnull=True).exists()
    kinds = set(Organisation.objects.filter(is_demo=True).values_list("kind", flat=True))
    assert {Role.DEMANDER, Role.SUPPLIER} <= kinds
    assert Solution.objects.filter(supplier__status=OrgStatus.APPROVED).exists()
    user = authenticate(username="load-demander-001", password=DEMO_PASSWORD)
    assert user is not None and user.role == Role.DEMANDER
    assert user.organisation.demands.exists()
    supplier = User.objects.get(username="load-supplier-001")
    assert supplier.role == Role.SUPPLIER and supplier.organisation.solutions.exists()


def test_rebuilds_the_matching_index(demo_base):
    output = scale(40, 15)
    assert "匹配索引" in output
    engine = matching.get_engine()
    indexed = Demand.objects.exclude(status=S.DRAFT).count()
    assert len(engine.indexes["demands"]) == indexed
