"""`aiplus demo`: enough realistic data for every page and role, all of it marked demo."""

import shutil
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from aiplus.accounts.choices import OrgStatus, Role
from aiplus.accounts.models import Organisation, User
from aiplus.core.management.commands.demo import DEMO_PASSWORD, LOGINS, counts
from aiplus.core.models import Area, AuditEntry, Sector
from aiplus.governance.models import AlgorithmFiling, RiskChecklist
from aiplus.scenarios.choices import PUBLIC_STATUSES, DemandStatus, ListStatus, ProposalStatus
from aiplus.scenarios.models import (
    Demand,
    DemandList,
    DemandTransition,
    Proposal,
    Roadshow,
    Solution,
)

from .demoworld import demo_loaded

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _demo_output(django_db_setup, django_db_blocker, tmp_path_factory):
    """Generate the demo data once for this module, inside a transaction rolled back at the end;
    each test then runs in its own savepoint."""
    folder = tmp_path_factory.mktemp("demo")
    with demo_loaded(django_db_blocker, folder) as output:
        yield output, folder


@pytest.fixture
def demo(_demo_output, db, settings):
    output, folder = _demo_output
    settings.MEDIA_ROOT = folder / "media"
    return output


def test_demo_creates_at_least_60_demands(demo):
    assert Demand.objects.count() >= 60


def test_every_sector_and_every_area_has_at_least_two_demands(demo):
    for sector in Sector.objects.all():
        assert sector.demands.count() >= 2, sector.name
    for area in Area.objects.all():
        assert area.demands.count() >= 2, area.name


def test_at_least_40_approved_suppliers_have_solutions_with_case_studies(demo):
    suppliers = Organisation.objects.filter(
        kind=Role.SUPPLIER, status=OrgStatus.APPROVED, solutions__isnull=False
    ).distinct()
    assert suppliers.count() >= 40
    for supplier in suppliers:
        assert 1 <= supplier.solutions.count() <= 3
    assert not Solution.objects.filter(cases__isnull=True).exists()
    assert not Solution.objects.filter(tags__isnull=True).exists()


def test_everything_created_is_marked_demo(demo):
    assert not Organisation.objects.filter(is_demo=False).exists()
    assert not Demand.objects.filter(is_demo=False).exists()
    assert not Solution.objects.filter(is_demo=False).exists()
    assert not Proposal.objects.filter(is_demo=False).exists()
    assert not DemandList.objects.filter(is_demo=False).exists()
    assert not Roadshow.objects.filter(is_demo=False).exists()
    assert not AlgorithmFiling.objects.filter(is_demo=False).exists()
    assert all(
        name.startswith("示例") for name in Organisation.objects.values_list("name", flat=True)
    )


def test_demands_are_spread_across_the_pipeline(demo):
    statuses = set(Demand.objects.values_list("status", flat=True))
    assert {
        DemandStatus.DRAFT,
        DemandStatus.SUBMITTED,
        DemandStatus.PUBLISHED,
        DemandStatus.IN_TALKS,
        DemandStatus.PILOT,
        DemandStatus.DEPLOYED,
        DemandStatus.PROMOTED,
    } <= statuses
    public = Demand.objects.filter(status__in=PUBLIC_STATUSES).count()
    assert public > Demand.objects.count() / 2


def test_demo_writes_history_and_audit_like_real_use(demo):
    published = Demand.objects.filter(status=DemandStatus.PUBLISHED).first()
    moves = list(published.transitions.values_list("to_status", flat=True))
    assert moves == [
        DemandStatus.DRAFT,
        DemandStatus.SUBMITTED,
        DemandStatus.IN_REVIEW,
        DemandStatus.PUBLISHED,
    ]
    assert not DemandTransition.objects.filter(actor__isnull=True).exists()
    assert AuditEntry.objects.filter(action="demand.create").count() == Demand.objects.count()


def test_proposal_statuses_agree_with_demand_statuses(demo):
    for demand in Demand.objects.filter(
        status__in=[DemandStatus.PILOT, DemandStatus.DEPLOYED, DemandStatus.PROMOTED]
    ):
        assert demand.proposals.filter(status=ProposalStatus.SELECTED).count() == 1
    for demand in Demand.objects.filter(status=DemandStatus.IN_TALKS):
        assert demand.proposals.filter(status=ProposalStatus.SHORTLISTED).exists()
    assert not Proposal.objects.filter(
        demand__status__in=[DemandStatus.DRAFT, DemandStatus.SUBMITTED, DemandStatus.IN_REVIEW]
    ).exists()


def test_demands_in_pilot_or_later_have_signed_risk_checklists(demo):
    later = Demand.objects.filter(
        status__in=[DemandStatus.PILOT, DemandStatus.DEPLOYED, DemandStatus.PROMOTED]
    )
    for demand in later:
        pilot = RiskChecklist.objects.get(demand=demand, stage="pilot")
        assert pilot.is_signed and pilot.signed_by.organisation_id == demand.demander_id
    for demand in later.exclude(status=DemandStatus.PILOT):
        assert RiskChecklist.objects.get(demand=demand, stage="deployment").is_signed
    # answers follow the demand's flags, with measures written out
    flagged = RiskChecklist.objects.filter(
        demand__involves_personal_info=True, status=RiskChecklist.Status.SIGNED
    ).first()
    assert flagged is not None
    answer = flagged.answers["personal_info"]
    assert answer["involved"] is True and "个人信息" in answer["measures"]
    # some demands in talks have a draft, so the pages show every state
    assert RiskChecklist.objects.filter(status=RiskChecklist.Status.DRAFT).exists()


def test_one_published_list_holds_published_demands_and_one_draft_list(demo):
    published = DemandList.objects.get(name="2025年苏州市人工智能应用场景需求清单（示例）")
    assert published.status == ListStatus.PUBLISHED
    assert published.items.count() >= 30
    assert not published.demands.exclude(status__in=PUBLIC_STATUSES).exists()
    assert DemandList.objects.filter(status=ListStatus.DRAFT).count() == 1


def test_two_roadshows_with_agenda_and_registrations(demo):
    assert Roadshow.objects.count() == 2
    for show in Roadshow.objects.all():
        assert show.demands.exists()
        assert show.registrations.exists()


def test_office_has_a_review_queue(demo):
    assert User.objects.get(username="pending").organisation.status == OrgStatus.PENDING
    assert Demand.objects.filter(
        status__in=[DemandStatus.SUBMITTED, DemandStatus.IN_REVIEW]
    ).exists()


def test_demo_demander_owns_several_demands_and_demo_supplier_answered_one(demo):
    demander = User.objects.get(username="demander").organisation
    supplier = User.objects.get(username="supplier").organisation
    assert demander.demands.count() >= 3
    assert Proposal.objects.filter(supplier=supplier, demand__demander=demander).exists()


def test_compute_demo_has_offers_orders_usage_and_a_balanced_ledger(demo):
    from aiplus.compute import ledger
    from aiplus.compute.models import (
        AllocationRun,
        DataCentre,
        Offer,
        Order,
        UsageReport,
        VoucherProgramme,
    )

    assert DataCentre.objects.filter(is_demo=True).count() >= 2
    assert Offer.objects.filter(is_demo=True).count() >= 4
    run = AllocationRun.objects.get()
    assert run.status == "approved" and run.figures["served"] >= 10
    assert Order.objects.count() == run.figures["served"]
    assert UsageReport.objects.exists()
    programme = VoucherProgramme.objects.get()
    assert programme.pool_is_demo
    assert ledger.balance(programme, "pool") < programme.pool  # vouchers were granted
    assert ledger.check(programme) == []


def test_running_twice_adds_nothing(demo):
    before = counts()
    out = StringIO()
    call_command("demo", stdout=out)
    assert counts() == before
    assert "office" in out.getvalue() and DEMO_PASSWORD in out.getvalue()


def test_reset_recreates_the_same_amount(demo):
    before = counts()
    call_command("demo", "--reset", stdout=StringIO())
    assert counts() == before


def test_output_lists_every_login_with_the_password(demo):
    for login in LOGINS:
        assert login.username in demo
    assert DEMO_PASSWORD in demo


@pytest.mark.parametrize("login", LOGINS, ids=lambda lg: lg.username)
def test_every_role_login_authenticates(demo, login):
    user = authenticate(username=login.username, password=DEMO_PASSWORD)
    assert user is not None
    expected = {
        "office": Role.OFFICE,
        "district": Role.DISTRICT,
        "demander": Role.DEMANDER,
        "supplier": Role.SUPPLIER,
        "compute": Role.COMPUTE_PROVIDER,
        "pending": None,
    }
    assert user.role == expected[login.username]


def test_district_login_is_the_officer_of_the_industrial_park(demo):
    district = User.objects.get(username="district")
    assert district.organisation.area.code == "sip"


def test_a_city_pack_without_demo_data_gives_a_clear_error(demo, tmp_path, settings):
    shutil.copytree(settings.CITYPACKS_DIR / "suzhou", tmp_path / "suzhou")
    (tmp_path / "suzhou" / "demo.json").unlink()
    settings.CITYPACKS_DIR = tmp_path
    settings.CITY_PACK = "suzhou"
    before = counts()
    with pytest.raises(CommandError, match="没有示例数据文件 demo.json"):
        call_command("demo", "--reset", stdout=StringIO())
    assert counts() == before
