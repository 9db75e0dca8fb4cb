"""`aiplus scale-demo`: grow the demo data (示例) to a given size, for load tests and benchmarks.

Run after `aiplus demo`. The numbers are totals of demo records: the command tops up to
`--demands` demands and `--organisations` organisations and creates nothing when they are
already reached, so a second run is harmless. Everything is assembled from the city pack's demo
file (the demand rows of every sector, supplier brands, surnames, texts) and its reference data
(areas, sectors, demander types, tags), marked `is_demo=True` and named "示例·…" like the demo.

Unlike `aiplus demo` it writes in bulk (one transaction, `bulk_create`), not through the
services: a demand's lifecycle history, its proposals and its signed risk checklists are written
as the services would have left them (the same moves, in order, dated over the past two
years), but no audit entries. Afterwards the matching index is rebuilt once
(`matching.rebuild`, like `aiplus rebuild-index`) and the planner statistics refreshed.

It also creates `--users` logins per role (`load-demander-001` …, `load-supplier-001` …, the demo
password) for demander organisations with demands and supplier organisations with solutions, so
a load test can sign in as many different users.

    aiplus scale-demo --demands 10000 --organisations 5000
    aiplus scale-demo --demands 10000 --organisations 5000 --users 100 --skip-index
"""

from __future__ import annotations

import random
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as dtime

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from aiplus.accounts.choices import OrgStatus, Role
from aiplus.accounts.models import Organisation, User
from aiplus.core.models import Area, CityPack, DemanderType, Sector, Tag
from aiplus.governance import demo as governance_demo
from aiplus.governance.forms import ChecklistForm
from aiplus.governance.models import RiskChecklist
from aiplus.scenarios import matching
from aiplus.scenarios.choices import (
    DemandStatus,
    Maturity,
    ProposalStatus,
    Visibility,
)
from aiplus.scenarios.forms import parse_tags
from aiplus.scenarios.models import CaseStudy, Demand, DemandTransition, Proposal, Solution

from .demo import DEMO_PASSWORD, PREFIX, _yuan, load_demo_content

S = DemandStatus
DEFAULT_SEED = 2026
USER_PREFIX = "load-"
BATCH = 2000

# Final status of a new demand → its share of the new demands.
STATUS_SHARES = [
    (S.PUBLISHED, 42),
    (S.IN_TALKS, 15),
    (S.PILOT, 8),
    (S.DEPLOYED, 7),
    (S.PROMOTED, 3),
    (S.CLOSED, 4),
    (S.DRAFT, 6),
    (S.SUBMITTED, 6),
    (S.IN_REVIEW, 5),
    (S.RETURNED, 4),
]
# The moves that lead to each final status, and who makes each (owner or office).
PATHS = {
    S.DRAFT: [],
    S.SUBMITTED: [S.SUBMITTED],
    S.IN_REVIEW: [S.SUBMITTED, S.IN_REVIEW],
    S.RETURNED: [S.SUBMITTED, S.IN_REVIEW, S.RETURNED],
    S.PUBLISHED: [S.SUBMITTED, S.IN_REVIEW, S.PUBLISHED],
    S.CLOSED: [S.SUBMITTED, S.IN_REVIEW, S.PUBLISHED, S.CLOSED],
    S.IN_TALKS: [S.SUBMITTED, S.IN_REVIEW, S.PUBLISHED, S.IN_TALKS],
    S.PILOT: [S.SUBMITTED, S.IN_REVIEW, S.PUBLISHED, S.IN_TALKS, S.PILOT],
    S.DEPLOYED: [S.SUBMITTED, S.IN_REVIEW, S.PUBLISHED, S.IN_TALKS, S.PILOT, S.DEPLOYED],
    S.PROMOTED: [
        S.SUBMITTED,
        S.IN_REVIEW,
        S.PUBLISHED,
        S.IN_TALKS,
        S.PILOT,
        S.DEPLOYED,
        S.PROMOTED,
    ],
}
OFFICE_MOVES = {S.IN_REVIEW, S.PUBLISHED, S.RETURNED, S.PROMOTED}
# Kinds of the new organisations (share in per cent); a few are still waiting for review.
KIND_SHARES = [(Role.DEMANDER, 56), (Role.SUPPLIER, 41), (Role.COMPUTE_PROVIDER, 3)]
PENDING_SHARE = 0.03
TITLE_PATTERNS = [
    "{title}",
    "{title}",
    "{area}{title}",
    "{title}（{phase}）",
    "{keyword}场景：{title}",
    "{title}与{other}",
]
PHASES = ["一期", "二期", "试点", "推广应用", "升级改造", "能力提升"]
SUPPLIER_SUFFIXES = [
    "科技有限公司",
    "智能科技有限公司",
    "信息技术有限公司",
    "数据科技有限公司",
    "软件有限公司",
    "人工智能研究院有限公司",
]
COMPUTE_SUFFIXES = ["智算中心有限公司", "算力科技有限公司", "云计算有限公司"]


@contextmanager
def _keep_dates(*fields):
    """Let bulk_create keep the dates we set on auto_now(_add) fields (backdated history)."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add


def _weighted(rng: random.Random, shares) -> str:
    values, weights = zip(*shares, strict=True)
    return rng.choices(values, weights=weights)[0]


class Scaler:
    """Builds the extra records with one seeded generator (deterministic for a given start)."""

    def __init__(self, *, seed: int, content: dict, out) -> None:
        self.rng = random.Random(seed)
        self.out = out
        self.content = content
        self.text = content["texts"]
        self.city = CityPack.objects.order_by("id").first()
        self.sectors = {s.code: s for s in Sector.objects.all()}
        self.areas = list(Area.objects.all())
        self.dtypes = {t.code: t for t in DemanderType.objects.all()}
        self.rows = {
            code: rows for code, rows in content["demands"].items() if code in self.sectors and rows
        }
        self.solution_rows = {
            code: rows
            for code, rows in content["solutions"].items()
            if code in self.sectors and rows
        }
        if not self.rows or not self.areas:
            raise CommandError("城市包缺少需求示例或板块，无法扩充示例数据。")
        self.keywords = {
            code: [k for k in s.keywords.replace(";", "；").split("；") if k] or [s.name]
            for code, s in self.sectors.items()
        }
        # Brand-like words: two characters of the demo's supplier brands, recombined.
        chars = [brand[:2] for brand in content["suppliers"]]
        self.words = sorted({a[0] + b[1] for a in chars for b in chars if len(a) == len(b) == 2})
        self.surnames = content.get("surnames") or ["王"]
        self.titles = content.get("contact_titles") or [""]
        self.now = timezone.now()
        self.today = timezone.localdate()

    # --- helpers ----------------------------------------------------------------------------
    def _fmt(self, key: str, **values) -> str:
        return self.text[key].format(**values)

    def _at(self, day: date) -> datetime:
        day = min(day, self.today)
        return timezone.make_aware(
            datetime.combine(day, dtime(9 + self.rng.randrange(9), self.rng.randrange(60)))
        )

    def _unique(self, taken: set[str], make) -> str:
        for _ in range(50):
            name = make()
            if name not in taken:
                taken.add(name)
                return name
        n = 2
        while f"{name}（{n}）" in taken:
            n += 1
        taken.add(f"{name}（{n}）")
        return f"{name}（{n}）"

    # --- organisations ----------------------------------------------------------------------
    def organisations(self, count: int) -> list[Organisation]:
        rng = self.rng
        taken = set(Organisation.objects.values_list("name", flat=True))
        descriptions = [row for rows in self.rows.values() for row in rows]
        out = []
        start = Organisation.objects.count()
        for n in range(count):
            kind = _weighted(rng, KIND_SHARES)
            area = rng.choice(self.areas)
            surname = rng.choice(self.surnames)
            status = OrgStatus.PENDING if rng.random() < PENDING_SHARE else OrgStatus.APPROVED
            fields = {
                "kind": kind,
                "area": area,
                "status": status,
                "is_demo": True,
                "contact_phone": self._fmt("org_phone", n=start + n + 1),
            }
            if kind == Role.DEMANDER:
                row = rng.choice(descriptions)
                dtype = self.dtypes.get(row["demander_type"]) or rng.choice(
                    list(self.dtypes.values())
                )
                name = self._unique(
                    taken,
                    lambda a=area, r=row: (
                        PREFIX + f"{a.name}{rng.choice(self.words)}{r['organisation']}"
                    ),
                )
                fields.update(
                    demander_type=dtype,
                    description=self._fmt("demander_description", demander_type=dtype.name),
                    contact_name=self._fmt("demander_contact", surname=surname),
                )
            elif kind == Role.SUPPLIER:
                code = rng.choice(list(self.rows))
                name = self._unique(
                    taken,
                    lambda: (
                        PREFIX
                        + f"{self.city.name}{rng.choice(self.words)}{rng.choice(SUPPLIER_SUFFIXES)}"
                    ),
                )
                fields.update(
                    description=self._fmt("supplier_description", sector=self.sectors[code].name),
                    contact_name=self._fmt("supplier_contact", surname=surname),
                )
            else:
                name = self._unique(
                    taken,
                    lambda a=area: (
                        PREFIX + f"{a.name}{rng.choice(self.words)}{rng.choice(COMPUTE_SUFFIXES)}"
                    ),
                )
                fields.update(contact_name=self._fmt("supplier_contact", surname=surname))
            out.append(Organisation(name=name[:200], **fields))
        return Organisation.objects.bulk_create(out, batch_size=BATCH)

    # --- solutions --------------------------------------------------------------------------
    def solutions(self, suppliers: list[Organisation], tags: dict[str, Tag]) -> int:
        rng = self.rng
        codes = list(self.solution_rows)
        made: list[tuple[Solution, dict, str, str]] = []
        for org in suppliers:
            if org.status != OrgStatus.APPROVED or rng.random() > 0.7:
                continue
            brand = org.name.removeprefix(PREFIX).removeprefix(self.city.name)[:2]
            code = rng.choice(codes)
            for row in rng.sample(self.solution_rows[code], min(rng.randint(1, 2), 2)):
                sol = Solution(
                    supplier=org,
                    title=self._fmt("solution_title", brand=brand, title=row["title"]),
                    summary=row["summary"],
                    description=self._fmt("solution_description", summary=row["summary"]),
                    maturity=row.get("maturity") or rng.choice(Maturity.values),
                    price_from=_yuan(round(row["price_wan"] * rng.uniform(0.6, 1.8), 1)),
                    is_published=rng.random() < 0.95,
                    is_demo=True,
                )
                made.append((sol, row, code, rng.choice(codes)))
        Solution.objects.bulk_create([m[0] for m in made], batch_size=BATCH)
        sector_links, tag_links, cases = [], [], []
        for sol, row, code, extra in made:
            for c in {code, extra}:
                sector_links.append(
                    Solution.sectors.through(solution_id=sol.pk, sector_id=self.sectors[c].pk)
                )
            for name in parse_tags(row["tags"]):
                tag_links.append(Solution.tags.through(solution_id=sol.pk, tag_id=tags[name].pk))
            case = row.get("case")
            if case and rng.random() < 0.6:
                cases.append(
                    CaseStudy(
                        solution=sol,
                        customer=PREFIX + self._fmt("case_customer", customer=case["customer"]),
                        customer_sector=self.sectors[code],
                        year=rng.choice([2023, 2024, 2025]),
                        outcome=case["outcome"],
                        metrics=[{"name": k, "value": v} for k, v in case.get("metrics", [])],
                    )
                )
        Solution.sectors.through.objects.bulk_create(
            sector_links, batch_size=BATCH, ignore_conflicts=True
        )
        Solution.tags.through.objects.bulk_create(
            tag_links, batch_size=BATCH, ignore_conflicts=True
        )
        CaseStudy.objects.bulk_create(cases, batch_size=BATCH)
        return len(made)

    # --- demands ----------------------------------------------------------------------------
    def _demand(self, n: int, code: str, org: Organisation, status: str) -> tuple[Demand, str]:
        rng = self.rng
        rows = self.rows[code]
        row, other = rng.choice(rows), rng.choice(rows)
        area = org.area or rng.choice(self.areas)
        dtype = org.demander_type or self.dtypes.get(row["demander_type"])
        pattern = rng.choice(TITLE_PATTERNS)
        if "与" in row["title"] + other["title"] or other is row:
            pattern = pattern.replace("与{other}", "")
        title = pattern.format(
            title=row["title"],
            other=other["title"],
            area=area.name,
            phase=rng.choice(PHASES),
            keyword=rng.choice(self.keywords[code]),
        )
        pain = row["pain_point"]
        if other is not row:
            pain += other["pain_point"].split("。")[0] + "。"
        flags = row.get("flags", "")
        lo, hi = row["budget_wan"]
        factor = rng.uniform(0.5, 2.0)
        budget_min, budget_max = _yuan(round(lo * factor, 1)), _yuan(round(hi * factor, 1))
        start = date.fromisoformat(self.text["demand_start"]) + timedelta(
            days=30 * rng.randrange(0, 18)
        )
        kpis = row["kpis"]
        personal = "P" in flags or rng.random() < 0.05
        demand = Demand(
            code=f"TMP-{n}",
            title=title[:200],
            demander=org,
            sector=self.sectors[code],
            area=area,
            demander_type=dtype,
            pain_point=pain,
            goals=rng.choice([row["goals"], other["goals"]]),
            kpis=kpis,
            data_available=rng.choice([row["data_available"], other["data_available"]]),
            data_sensitivity=(
                "personal"
                if personal
                else "sensitive"
                if "S" in flags or "M" in flags
                else rng.choice(["internal", "internal", "public"])
            ),
            site=self._fmt(
                "demand_site",
                area=area.name,
                organisation=org.name.removeprefix(PREFIX),
            )[:200],
            budget_min=budget_min,
            budget_max=budget_max,
            budget_confidential="C" in flags or rng.random() < 0.05,
            start_date=start,
            end_date=start + timedelta(days=30 * rng.choice([6, 9, 12, 18])),
            acceptance_criteria=self._fmt(
                "acceptance_criteria", kpi=kpis.split(self.text["kpi_separator"])[0]
            ),
            involves_personal_info=personal,
            involves_medical_data="M" in flags,
            involves_minors="K" in flags,
            needs_algorithm_filing="F" in flags,
            contact_name=self._fmt(
                "demand_contact",
                surname=rng.choice(self.surnames),
                title=rng.choice(self.titles),
            ),
            contact_phone=self._fmt("demand_phone", n=n % 10000),
            contact_email=f"scale{n:05d}@example.com",
            visibility=Visibility.REGISTERED if rng.random() < 0.08 else Visibility.PUBLIC,
            status=status,
            is_demo=True,
        )
        if status == S.RETURNED:
            demand.review_note = self._fmt("return_note")
        tag_names = parse_tags(row.get("tags", ""))
        if rng.random() < 0.4:
            tag_names += parse_tags(other.get("tags", ""))
        return demand, "、".join(dict.fromkeys(tag_names))

    def demands(
        self,
        count: int,
        demanders: list[Organisation],
        suppliers: list[tuple[Organisation, list[Solution]]],
        tags: dict[str, Tag],
        office: User,
    ) -> dict[str, int]:
        rng = self.rng
        codes = list(self.rows)
        owners = dict(
            User.objects.filter(organisation__in=demanders)
            .order_by("id")
            .values_list("organisation_id", "id")
        )
        start = Demand.objects.count()
        made: list[tuple[Demand, str, list[str], list[date]]] = []
        first = date(2025, 1, 6)
        span = max(30, (self.today - first).days - 10)
        for i in range(count):
            status = _weighted(rng, STATUS_SHARES)
            demand, tag_names = self._demand(
                start + i + 1, rng.choice(codes), rng.choice(demanders), status
            )
            path = PATHS[status]
            # Dates of creation and of each move: spread over 2025 to today, in order.
            day = first + timedelta(days=rng.randrange(span))
            days = [day]
            for _ in path:
                day += timedelta(days=rng.randint(1, 30))
                days.append(day)
            if days[-1] > self.today:  # the latest move happened by today, in order
                shift = days[-1] - self.today
                days = [d - shift for d in days]
            created = self._at(days[0])
            demand.created_at = demand.updated_at = created
            if S.PUBLISHED in path:
                demand.published_at = self._at(days[path.index(S.PUBLISHED) + 1])
            made.append((demand, tag_names, path, days))
        with _keep_dates(*(Demand._meta.get_field(f) for f in ("created_at", "updated_at"))):
            Demand.objects.bulk_create([m[0] for m in made], batch_size=BATCH)
        for demand, *_ in made:
            demand.code = f"XQ{demand.created_at:%Y}{demand.pk:06d}"
        Demand.objects.bulk_update([m[0] for m in made], ["code"], batch_size=BATCH)

        links, transitions, proposals, checklists = [], [], [], []
        answers: dict[tuple, dict] = {}
        by_sector: dict[int, list[tuple[Organisation, Solution]]] = {}
        for org, sols in suppliers:
            for sol in sols:
                for sector_id in sol.sector_ids:
                    by_sector.setdefault(sector_id, []).append((org, sol))
        all_suppliers = [(org, sols[0] if sols else None) for org, sols in suppliers]
        for demand, tag_names, path, days in made:
            for name in parse_tags(tag_names):
                links.append(Demand.tags.through(demand_id=demand.pk, tag_id=tags[name].pk))
            owner_id = owners.get(demand.demander_id)
            previous = ""
            for step, to in enumerate([S.DRAFT, *path]):
                office_move = to in OFFICE_MOVES
                transitions.append(
                    DemandTransition(
                        demand=demand,
                        from_status=previous,
                        to_status=to,
                        actor_id=office.pk if office_move else owner_id,
                        organisation_id=(
                            office.organisation_id if office_move else demand.demander_id
                        ),
                        note=self._note(previous, to),
                        at=self._at(days[step]),
                    )
                )
                previous = to
            proposals += self._proposals(demand, by_sector, all_suppliers, days[-1])
            stages = []
            if demand.status in {S.PILOT, S.DEPLOYED, S.PROMOTED}:
                stages.append("pilot")
            if demand.status in {S.DEPLOYED, S.PROMOTED}:
                stages.append("deployment")
            for stage in stages:
                key = (stage, *(getattr(demand, f) for f in _FLAGS))
                if key not in answers:
                    form = ChecklistForm(data=governance_demo.form_data(demand, stage))
                    if not form.is_valid():
                        raise CommandError(f"风险检查清单示例数据无效：{form.errors}")
                    answers[key] = form.answers()
                checklists.append(
                    RiskChecklist(
                        demand=demand,
                        stage=stage,
                        answers=answers[key],
                        status=RiskChecklist.Status.SIGNED,
                        signed_by_id=owner_id,
                        signed_at=self._at(
                            days[path.index(S.PILOT if stage == "pilot" else S.DEPLOYED)]
                        ),
                    )
                )
        Demand.tags.through.objects.bulk_create(links, batch_size=BATCH, ignore_conflicts=True)
        with _keep_dates(DemandTransition._meta.get_field("at")):
            DemandTransition.objects.bulk_create(transitions, batch_size=BATCH)
        Proposal.objects.bulk_create(proposals, batch_size=BATCH)
        RiskChecklist.objects.bulk_create(checklists, batch_size=BATCH)
        return {
            "demands": len(made),
            "transitions": len(transitions),
            "proposals": len(proposals),
            "checklists": len(checklists),
        }

    def _note(self, previous: str, to: str) -> str:
        if not previous:
            return "创建"
        return {
            S.RETURNED: self._fmt("return_note"),
            S.PUBLISHED: self._fmt("publish_note"),
            S.CLOSED: self._fmt("close_note"),
            S.DEPLOYED: self._fmt("deploy_note"),
            S.PROMOTED: self._fmt("promote_note"),
        }.get(to, "")

    def _proposals(self, demand: Demand, by_sector, all_suppliers, last_day: date):
        """Proposals as the services leave them: one shortlisted (in talks) or selected
        (pilot onwards, the others declined); a published demand may have a few submitted."""
        rng = self.rng
        status = demand.status
        if status in {S.IN_TALKS, S.PILOT, S.DEPLOYED, S.PROMOTED}:
            wanted = rng.randint(1, 3)
        elif status in {S.PUBLISHED, S.CLOSED}:
            wanted = rng.choice([0, 0, 1, 2])
        else:
            return []
        pool = by_sector.get(demand.sector_id) or all_suppliers
        chosen: dict[int, Solution | None] = {}
        for _ in range(wanted * 3):
            org, sol = rng.choice(pool if rng.random() < 0.8 else all_suppliers)
            chosen.setdefault(org.pk, sol)
            if len(chosen) >= wanted:
                break
        out = []
        lo, hi = float(demand.budget_min), float(demand.budget_max)
        for n, (org_id, sol) in enumerate(chosen.items()):
            if status == S.IN_TALKS:
                p_status = ProposalStatus.SHORTLISTED if n == 0 else ProposalStatus.SUBMITTED
            elif status in {S.PILOT, S.DEPLOYED, S.PROMOTED}:
                p_status = ProposalStatus.SELECTED if n == 0 else ProposalStatus.DECLINED
            else:
                p_status = ProposalStatus.SUBMITTED
            out.append(
                Proposal(
                    demand=demand,
                    supplier_id=org_id,
                    solution=sol,
                    approach=self._fmt(
                        "proposal_approach",
                        basis=sol.title if sol else "自有技术方案",
                        demand=demand.title,
                    ),
                    price=_yuan(round((lo + (hi - lo) * rng.random()) / 10000, 1)),
                    duration_days=rng.choice([60, 90, 120, 180]),
                    status=p_status,
                    is_demo=True,
                )
            )
        return out

    # --- logins -----------------------------------------------------------------------------
    def logins(self, per_role: int) -> dict[str, int]:
        """`per_role` demander and supplier logins (load-demander-001 …) with the demo
        password, for organisations that have demands / published solutions."""
        hashed = make_password(DEMO_PASSWORD)
        made = {}
        for role, related in ((Role.DEMANDER, "demands"), (Role.SUPPLIER, "solutions")):
            prefix = f"{USER_PREFIX}{role}-"
            have = User.objects.filter(username__startswith=prefix).count()
            if have >= per_role:
                made[role] = 0
                continue
            taken = set(
                User.objects.filter(username__startswith=prefix).values_list(
                    "organisation_id", flat=True
                )
            )
            orgs = (
                Organisation.objects.filter(
                    kind=role,
                    status=OrgStatus.APPROVED,
                    is_demo=True,
                    **{f"{related}__isnull": False},
                )
                .exclude(pk__in=taken)
                .distinct()
                .order_by("id")[: per_role - have]
            )
            users = [
                User(
                    username=f"{prefix}{have + n:03d}",
                    password=hashed,
                    organisation=org,
                    display_name=org.name.removeprefix(PREFIX)[:50],
                    email=f"{prefix}{have + n:03d}@example.com",
                )
                for n, org in enumerate(orgs, start=1)
            ]
            User.objects.bulk_create(users, batch_size=BATCH)
            made[role] = len(users)
        return made


_FLAGS = (
    "involves_personal_info",
    "involves_medical_data",
    "involves_minors",
    "needs_algorithm_filing",
)


class Command(BaseCommand):
    help = (
        "Grow the demo data (示例) to --demands demands and --organisations organisations in "
        "all, in bulk, for load tests; run after `aiplus demo`; tops up, so it is idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--demands", type=int, default=10_000, help="示例需求总数（目标）")
        parser.add_argument("--organisations", type=int, default=5_000, help="示例单位总数（目标）")
        parser.add_argument(
            "--users", type=int, default=100, help="需求方、供给方各建多少个压测账号"
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子")
        parser.add_argument("--skip-index", action="store_true", help="不重建匹配索引")

    def handle(self, *args, demands, organisations, users, seed, skip_index, **opts):
        if not Demand.objects.filter(is_demo=True).exists():
            raise CommandError("请先生成示例数据：aiplus demo")
        office = (
            User.objects.filter(organisation__kind=Role.OFFICE, organisation__is_demo=True)
            .order_by("id")
            .first()
        )
        if office is None:
            raise CommandError("示例数据缺少专班办公室账号，请重新生成：aiplus demo --reset")
        t0 = time.monotonic()
        have_orgs = Organisation.objects.filter(is_demo=True).count()
        have_demands = Demand.objects.filter(is_demo=True).count()
        new_orgs = max(0, organisations - have_orgs)
        new_demands = max(0, demands - have_demands)
        scaler = Scaler(
            seed=seed + have_orgs + have_demands, content=load_demo_content(), out=self.stdout
        )
        done: dict[str, int] = {}
        with transaction.atomic(), matching.bulk_changes():
            tag_names = {
                name
                for rows in [*scaler.rows.values(), *scaler.solution_rows.values()]
                for row in rows
                for name in parse_tags(row.get("tags", ""))
            }
            tags = {t.name: t for t in Tag.objects.filter(name__in=tag_names)}
            for name in tag_names - set(tags):
                tags[name] = Tag.objects.create(name=name)
            created = scaler.organisations(new_orgs) if new_orgs else []
            done["organisations"] = len(created)
            new_suppliers = [o for o in created if o.kind == Role.SUPPLIER]
            done["solutions"] = scaler.solutions(new_suppliers, tags) if new_suppliers else 0
            if new_demands:
                demanders = list(
                    Organisation.objects.filter(
                        is_demo=True, kind=Role.DEMANDER, status=OrgStatus.APPROVED
                    ).select_related("area", "demander_type")
                )
                if not demanders:
                    raise CommandError("示例数据中没有已通过审核的需求方。")
                suppliers = self._suppliers()
                done.update(scaler.demands(new_demands, demanders, suppliers, tags, office))
            done.update({f"{k}_logins": v for k, v in scaler.logins(users).items()})
        written = time.monotonic() - t0
        with connection.cursor() as cursor:  # planner statistics after a bulk load
            cursor.execute("ANALYZE")
        summary = "，".join(f"{k} {v}" for k, v in done.items())
        if not new_orgs and not new_demands:
            self.stdout.write(
                f"示例数据已达到目标规模（单位 {have_orgs}，需求 {have_demands}），未新增。"
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"已扩充示例数据（{written:.1f} 秒）：{summary}"))
        if skip_index:
            return
        t1 = time.monotonic()
        if new_orgs or new_demands:
            status = matching.rebuild().status()
        else:
            matching.ensure_index()
            status = matching.status()
        self.stdout.write(
            f"匹配索引：需求 {status['demands']} 条，方案 {status['solutions']} 条"
            f"（{time.monotonic() - t1:.1f} 秒）。"
        )

    @staticmethod
    def _suppliers() -> list[tuple[Organisation, list[Solution]]]:
        """Approved demo suppliers with their published solutions (and each one's sectors)."""
        orgs = {
            o.pk: (o, [])
            for o in Organisation.objects.filter(
                is_demo=True, kind=Role.SUPPLIER, status=OrgStatus.APPROVED
            )
        }
        sectors: dict[int, list[int]] = {}
        for sol_id, sector_id in Solution.sectors.through.objects.filter(
            solution__supplier_id__in=orgs, solution__is_published=True
        ).values_list("solution_id", "sector_id"):
            sectors.setdefault(sol_id, []).append(sector_id)
        for sol in Solution.objects.filter(supplier_id__in=orgs, is_published=True).order_by("id"):
            sol.sector_ids = sectors.get(sol.pk, [])
            orgs[sol.supplier_id][1].append(sol)
        return list(orgs.values())
