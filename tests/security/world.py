"""The demo data set as a world to walk: one user per role and, for every kind of object a URL
names, the object of theirs (or of someone else's) that the permission matrix asks about.

The demo is generated once per test module inside a transaction that is rolled back at the
end (tests/demoworld.py); each test runs in its own savepoint. Objects are chosen to make the rules
bite: a demand *draft* of the demander (only the owner may see it), a *pending* registration,
a *restricted* catalogue file, another enterprise's voucher application, and so on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The roles the matrix walks, in the order of the expectation strings in matrix.py.
ROLES = ("anonymous", "pending", "demander", "supplier", "compute", "district", "office")
# Demo login of each role (aiplus demo prints them).
USERNAMES = {
    "pending": "pending",
    "demander": "demander",
    "supplier": "supplier",
    "compute": "compute",
    "district": "district",
    "office": "office",
}


@dataclass
class World:
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None

    @classmethod
    def build(cls) -> World:
        from aiplus.accounts.models import User

        world = cls()
        world.users = {
            role: User.objects.select_related("organisation").get(username=name)
            for role, name in USERNAMES.items()
        }
        _missing.clear()
        _complete(world.users)
        world.objects = _pick(world.users)
        assert not _missing, f"the demo lacks what the permission matrix needs: {_missing}"
        return world


_missing: list[str] = []


def _complete(users) -> None:
    """Add the few objects the demo does not make: an algorithm filing of the supplier, a
    policy document, and evidence files behind a programme value and an enterprise profile."""
    from django.core.files.base import ContentFile

    from aiplus.governance.models import AlgorithmFiling
    from aiplus.policies.models import EnterpriseProfile, PolicyDocument, ProfileEvidence
    from aiplus.programme.models import Evidence, Submission

    supplier = users["supplier"].organisation
    if not AlgorithmFiling.objects.filter(organisation=supplier).exists():
        AlgorithmFiling.objects.create(
            organisation=supplier, kind=AlgorithmFiling.Kind.values[0], name="矩阵·备案"
        )
    if not PolicyDocument.objects.exists():
        PolicyDocument.objects.create(code="MX001", title="矩阵·政策文件", text="全文")
    submission = Submission.objects.filter(area=users["district"].organisation.area).first()
    if submission is not None and not Evidence.objects.exists():
        Evidence.objects.create(
            submission=submission,
            file=ContentFile(b"%PDF-1.4 matrix", name="evidence.pdf"),
            name="evidence.pdf",
            size=15,
            uploaded_by=users["district"],
        )
    profile, _ = EnterpriseProfile.objects.get_or_create(
        organisation=users["demander"].organisation
    )
    if not profile.evidence.exists():
        ProfileEvidence.objects.create(
            profile=profile,
            file=ContentFile(b"%PDF-1.4 matrix", name="licence.pdf"),
            name="licence.pdf",
            size=15,
            uploaded_by=users["demander"],
        )


def _first(queryset, what: str):
    obj = queryset.order_by("pk").first()
    if obj is None:
        _missing.append(what)
    return obj


def _pick(users) -> dict:
    """Objects by name (see the module docstring)."""
    from aiplus.accounts.choices import OrgStatus
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
    from aiplus.policies.models import Measure, PolicyDocument, ProfileEvidence
    from aiplus.programme.models import Evidence, Indicator, Submission
    from aiplus.scenarios.choices import PUBLIC_STATUSES, DemandStatus
    from aiplus.scenarios.models import (
        Certification,
        Demand,
        DemandList,
        DemandListItem,
        Proposal,
        Roadshow,
        Solution,
    )

    demander = users["demander"].organisation
    supplier = users["supplier"].organisation
    compute = users["compute"].organisation
    own_demands = Demand.objects.filter(demander=demander)
    o = {}
    o["demand_draft"] = _first(own_demands.filter(status=DemandStatus.DRAFT), "demander draft")
    o["demand_public"] = _first(
        own_demands.filter(status__in=PUBLIC_STATUSES), "published demand of the demander"
    )
    o["demand_other"] = _first(
        Demand.objects.filter(status__in=PUBLIC_STATUSES).exclude(demander=demander),
        "published demand of another organisation",
    )
    o["demand_talks"] = _first(
        own_demands.filter(status=DemandStatus.IN_TALKS), "demander demand in talks"
    )
    o["proposal"] = _first(
        Proposal.objects.filter(supplier=supplier, demand__demander=demander),
        "proposal of the supplier to the demander",
    )
    o["solution"] = _first(Solution.objects.filter(supplier=supplier), "supplier solution")
    o["demand_list"] = _first(DemandList.objects.all(), "demand list")
    o["roadshow"] = _first(Roadshow.objects.all(), "roadshow")
    o["certification"] = _first(
        Certification.objects.filter(organisation=supplier), "supplier certification"
    )
    o["filing"] = _first(
        AlgorithmFiling.objects.filter(organisation=supplier), "supplier algorithm filing"
    )
    o["pending_org"] = users["pending"].organisation
    o["supplier_org"] = supplier
    o["demander_org"] = demander
    o["indicator"] = _first(Indicator.objects.all(), "indicator")
    o["area"] = users["district"].organisation.area
    if o["area"] is None:
        _missing.append("area of the district officer")
    o["sector"] = o["demand_public"].sector
    item = _first(DemandListItem.objects.filter(demand_list=o["demand_list"]), "list item")
    o["demand_list_item"] = item.demand if item else None
    o["submission"] = _first(
        Submission.objects.filter(area=o["area"]), "programme submission of the district"
    )
    o["evidence"] = _first(Evidence.objects.all(), "programme evidence file")
    o["policy_document"] = _first(PolicyDocument.objects.all(), "policy document")
    o["measure"] = _first(Measure.objects.all(), "measure")
    o["profile_evidence"] = _first(
        ProfileEvidence.objects.filter(profile__organisation=demander),
        "profile evidence of the demander",
    )
    o["offer"] = _first(Offer.objects.filter(centre__provider=compute), "compute offer")
    o["order"] = _first(Order.objects.filter(offer__centre__provider=compute), "compute order")
    o["application"] = _first(
        Application.objects.filter(enterprise=demander), "voucher application of the demander"
    )
    o["run"] = _first(AllocationRun.objects.filter(status="approved"), "approved allocation run")
    o["voucher_programme"] = _first(VoucherProgramme.objects.all(), "voucher programme")
    o["run_item"] = _first(AllocationItem.objects.filter(run=o["run"]), "allocation item")
    o["entry_restricted"] = _first(
        Entry.objects.filter(owner=demander, status="published").exclude(access="open"),
        "published catalogue entry of the demander that is not open",
    )
    o["entry_draft"] = _first(Entry.objects.filter(status="draft"), "draft catalogue entry")
    o["entry_draft_owner"] = o["entry_draft"].owner if o["entry_draft"] else None
    o["version"] = _first(Version.objects.filter(entry=o["entry_restricted"]), "version")
    o["file_restricted"] = _first(
        File.objects.filter(version__entry=o["entry_restricted"]).exclude(file=""),
        "uploaded file of a restricted entry",
    )
    o["access_request"] = _first(
        AccessRequest.objects.exclude(agreement=""), "access request with an agreement"
    )
    o["checklist_demand"] = o["demand_talks"]  # its pilot checklist: shown prefilled if unsaved
    o["org_for_review"] = _first(
        Organisation.objects.filter(status=OrgStatus.PENDING), "pending organisation"
    )
    return o
