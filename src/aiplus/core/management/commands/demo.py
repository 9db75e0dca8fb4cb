"""`aiplus demo`: generate demo data (示例) for every role, deterministic and idempotent.

The content (demands, demanders, suppliers, solutions, case studies, roadshows, the areas of the
role logins) comes from the demo file of the configured city pack,
`citypacks/<settings.CITY_PACK>/demo.json`; this module only knows how to turn it into records.

Everything it creates is marked `is_demo=True` and every name starts with "示例·", so pages can
show it as an example. Writes go through the service functions, acting as the demo users, so
the lifecycle history and the audit log look like real use.

    aiplus demo              # creates the data once; a second run only prints the logins
    aiplus demo --reset      # deletes demo data first, then creates it again
"""

from __future__ import annotations

import json
import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from aiplus.accounts import services as account_services
from aiplus.accounts.choices import OrgStatus, Role
from aiplus.accounts.models import Organisation, User
from aiplus.catalogue import demo as catalogue_demo
from aiplus.catalogue.models import Entry as CatalogueEntry
from aiplus.compute import demo as compute_demo
from aiplus.compute.models import Application as ComputeApplication
from aiplus.compute.models import Offer as ComputeOffer
from aiplus.compute.models import Order as ComputeOrder
from aiplus.core.citypack import pack_dir, pack_meta
from aiplus.core.errors import ServiceError
from aiplus.core.models import Area, CityPack, DemanderType, Sector
from aiplus.governance import demo as governance_demo
from aiplus.governance.models import AlgorithmFiling, RiskChecklist
from aiplus.programme import demo as programme_demo
from aiplus.programme import series
from aiplus.programme.models import IndicatorShare, Submission
from aiplus.scenarios import matching, services
from aiplus.scenarios.choices import PUBLIC_STATUSES, DemandStatus, Visibility
from aiplus.scenarios.models import (
    CaseStudy,
    Certification,
    Demand,
    DemandList,
    DemandListItem,
    Proposal,
    Roadshow,
    RoadshowRegistration,
    Solution,
)

DEMO_PASSWORD = "aiplus-demo-2026"
DEFAULT_SEED = 2025
PREFIX = "示例·"
DEMO_FILE = "demo.json"

S = DemandStatus


@dataclass
class Login:
    role: str
    username: str
    tries: str


# The role logins; the pack may relabel a role (`accounts.<username>.login_role`).
LOGINS = [
    Login("专班办公室", "office", "审核需求与清单、组织路演、审定指标数值、导出工作简报"),
    Login("板块主管", "district", "受理本板块需求，报送本板块指标数值（目标监测）"),
    Login("需求方", "demander", "发布需求、补正被退回的需求、处理揭榜方案（入围/选定）"),
    Login("供给方", "supplier", "维护方案与案例、揭榜需求、报名路演"),
    Login("算力供给方", "compute", "发布算力资源、报送订单用量、导出调度配置"),
    Login("待审核单位", "pending", "登录后看到“单位待审核”，暂不能发布内容"),
]


def demo_file(city: str | None = None) -> Path:
    """The demo file of the configured city pack; CommandError when there is none."""
    city = city or settings.CITY_PACK
    try:
        path = pack_dir(city) / DEMO_FILE
    except ServiceError as exc:
        raise CommandError(f"无法生成示例数据：{exc.message}") from exc
    if not path.is_file():
        raise CommandError(
            f"城市包 {city} 没有示例数据文件 {DEMO_FILE}，无法生成示例数据。"
            f"请在 {path.parent} 中提供该文件（格式参见 citypacks/suzhou/{DEMO_FILE}）。"
        )
    return path


def load_demo_content(city: str | None = None) -> dict:
    path = demo_file(city)
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CommandError(f"示例数据文件 {path} 无法读取：{exc}") from exc
    required = ["accounts", "texts", "suppliers", "demands", "solutions"]
    missing = [key for key in required if not content.get(key)]
    if missing:
        raise CommandError(f"示例数据文件 {path} 缺少内容：{', '.join(missing)}")
    return content


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def login_table(accounts: dict | None = None) -> str:
    accounts = accounts or {}
    rows = [("角色", "用户名", "密码", "可以试试")]
    rows += [
        (
            accounts.get(lg.username, {}).get("login_role") or lg.role,
            lg.username,
            DEMO_PASSWORD,
            lg.tries,
        )
        for lg in LOGINS
    ]
    widths = [max(_width(r[i]) for r in rows) for i in range(3)]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(_pad(r[i], widths[i]) for i in range(3)) + "  " + r[3])
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 20)
    return "\n".join(lines)


def _yuan(wan: float) -> Decimal:
    return (Decimal(str(wan)) * 10000).quantize(Decimal("1.00"))


class DemoBuilder:
    """Builds the demo data set of a city pack with one seeded random generator."""

    def __init__(self, seed: int, out, content: dict) -> None:
        self.rng = random.Random(seed)
        self.out = out
        self.content = content
        self.text = content["texts"]
        self.accounts = content["accounts"]
        self.surnames = content.get("surnames") or ["?"]
        self.contact_titles = content.get("contact_titles") or [""]
        self.city = CityPack.objects.order_by("id").first()
        self.meta = pack_meta(self.city.code) if self.city else {}
        self.sectors = {s.code: s for s in Sector.objects.all()}
        self.areas = {a.code: a for a in Area.objects.all()}
        self.dtypes = {t.code: t for t in DemanderType.objects.all()}
        self.seq = 0
        self._hashed: str | None = None
        self.check()

    def check(self) -> None:
        """Every code the demo file uses must exist in the loaded city pack."""
        c = self.content
        unknown: dict[str, set[str]] = {"sectors": set(), "areas": set(), "demander_types": set()}

        def need(kind: str, table: dict, code: str | None) -> None:
            if code and code not in table:
                unknown[kind].add(code)

        for account in self.accounts.values():
            need("areas", self.areas, account.get("area"))
            need("demander_types", self.dtypes, account.get("demander_type"))
        for code, rows in c["demands"].items():
            need("sectors", self.sectors, code)
            for row in rows:
                need("areas", self.areas, row["area"])
                need("demander_types", self.dtypes, row["demander_type"])
        for code in c["solutions"]:
            need("sectors", self.sectors, code)
        for show in c.get("roadshows", []):
            need("areas", self.areas, show.get("area"))
            for code in [show["sector"], *show["sectors"]]:
                need("sectors", self.sectors, code)
        missing_solutions = [code for code in c["demands"] if not c["solutions"].get(code)]
        problems = [f"{kind}：{', '.join(sorted(v))}" for kind, v in unknown.items() if v]
        if missing_solutions:
            problems.append(f"没有解决方案的领域：{', '.join(missing_solutions)}")
        if problems:
            raise CommandError(
                "示例数据文件与已载入的城市包不一致（" + "；".join(problems) + "）。"
                "请先载入对应的城市包：aiplus load-citypack"
            )

    def _area(self, code: str | None, default: Area | None = None) -> Area | None:
        return self.areas.get(code or "", default) or default

    def _fmt(self, key: str, **values) -> str:
        return self.text[key].format(**values)

    # --- accounts ---------------------------------------------------------------------------
    def _org(self, name: str, kind: str, **fields) -> Organisation:
        org = Organisation.objects.filter(name=name).first()
        if org is None:
            self.seq += 1
            fields.setdefault("status", OrgStatus.APPROVED)
            fields.setdefault("contact_phone", self._fmt("org_phone", n=self.seq))
            org = Organisation.objects.create(name=name, kind=kind, is_demo=True, **fields)
        return org

    def _member(
        self, org: Organisation, username: str, display_name: str, password: str | None = None
    ) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username,
                password=None,
                organisation=org,
                display_name=display_name,
                email=f"{username}@example.com",
            )
            if password:
                # One hash for all the role logins (same password): hashing is the slow part.
                if self._hashed is None:
                    self._hashed = make_password(password)
                user.password = self._hashed
                user.save(update_fields=["password"])
        return user

    def role_accounts(self) -> dict[str, User]:
        """The logins of the table; created if missing, left alone otherwise."""
        first_area = next(iter(self.areas.values()))
        acc = self.accounts
        home = self._area(acc["district"].get("area"), first_area)
        values = {
            "city": self.city.name,
            "office_name": self.meta.get("office_name") or self.city.name,
            "brand": self.content["suppliers"][0],
        }

        def name(key: str, area: Area | None) -> str:
            return PREFIX + acc[key]["organisation"].format(
                area=area.name if area else "", **values
            )

        def area_of(key: str) -> Area:
            return self._area(acc[key].get("area"), home)

        orgs = {
            "office": self._org(
                name("office", None), Role.OFFICE, description=acc["office"]["description"]
            ),
            "district": self._org(
                name("district", home),
                Role.DISTRICT,
                area=home,
                description=acc["district"]["description"].format(area=home.name, **values),
            ),
            "demander": self._org(
                name("demander", area_of("demander")),
                Role.DEMANDER,
                area=area_of("demander"),
                demander_type=self.dtypes.get(acc["demander"].get("demander_type", "")),
                description=acc["demander"]["description"],
                contact_name=acc["demander"].get("contact_name", ""),
            ),
            "supplier": self._org(
                name("supplier", area_of("supplier")),
                Role.SUPPLIER,
                area=area_of("supplier"),
                description=acc["supplier"]["description"],
            ),
            "compute": self._org(
                name("compute", area_of("compute")),
                Role.COMPUTE_PROVIDER,
                area=area_of("compute"),
                description=acc["compute"]["description"],
            ),
        }
        users = {}
        for key, org in orgs.items():
            users[key] = self._member(org, key, acc[key]["display_name"], DEMO_PASSWORD)
        pending_org = name("pending", area_of("pending"))
        pending = User.objects.filter(username="pending").first()
        if pending is None and not Organisation.objects.filter(name=pending_org).exists():
            pending = account_services.register_organisation(
                name=pending_org,
                kind=Role.SUPPLIER,
                username="pending",
                password=DEMO_PASSWORD,
                display_name=acc["pending"]["display_name"],
                email="pending@example.com",
                area=area_of("pending"),
                description=acc["pending"]["description"],
            )
            Organisation.objects.filter(pk=pending.organisation_id).update(is_demo=True)
        users["pending"] = pending
        return users

    # --- demands ----------------------------------------------------------------------------
    def _statuses(self, n: int) -> list[str]:
        pool = (
            [S.DRAFT] * 1
            + [S.SUBMITTED] * 2
            + [S.IN_REVIEW] * 2
            + [S.IN_TALKS] * 14
            + [S.PILOT] * 6
            + [S.DEPLOYED] * 5
            + [S.PROMOTED] * 3
            + [S.CLOSED] * 2
        )
        pool += [S.PUBLISHED] * max(0, n - len(pool))
        self.rng.shuffle(pool)
        return pool[:n]

    def _demand_data(self, sector, row: dict, n: int) -> dict:
        flags = row.get("flags", "")
        lo, hi = row["budget_wan"]
        kpis = row["kpis"]
        area = self.areas[row["area"]]
        start = date.fromisoformat(self.text["demand_start"]) + timedelta(
            days=30 * self.rng.randrange(0, 12)
        )
        return {
            "title": row["title"],
            "sector": sector.pk,
            "area": area.pk,
            "demander_type": self.dtypes[row["demander_type"]].pk,
            "pain_point": row["pain_point"],
            "goals": row["goals"],
            "kpis": kpis,
            "data_available": row["data_available"],
            "data_sensitivity": (
                "personal"
                if "P" in flags
                else "sensitive"
                if "S" in flags or "M" in flags
                else self.rng.choice(["internal", "internal", "public"])
            ),
            "site": self._fmt("demand_site", area=area.name, organisation=row["organisation"]),
            "budget_min": str(_yuan(lo)),
            "budget_max": str(_yuan(hi)),
            "budget_confidential": "C" in flags,
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=30 * self.rng.choice([6, 9, 12, 18]))).isoformat(),
            "acceptance_criteria": self._fmt(
                "acceptance_criteria", kpi=kpis.split(self.text["kpi_separator"])[0]
            ),
            "involves_personal_info": "P" in flags,
            "involves_medical_data": "M" in flags,
            "involves_minors": "K" in flags,
            "needs_algorithm_filing": "F" in flags,
            "contact_name": self._fmt(
                "demand_contact",
                surname=self.rng.choice(self.surnames),
                title=self.rng.choice(self.contact_titles),
            ),
            "contact_phone": self._fmt("demand_phone", n=n),
            "contact_email": f"demand{n:03d}@example.com",
            "visibility": Visibility.PUBLIC,
            "tag_names": row.get("tags", ""),
        }

    def demander_for(self, row: dict, users) -> tuple[Organisation, User]:
        if "D" in row.get("flags", ""):
            return users["demander"].organisation, users["demander"]
        area = self.areas[row["area"]]
        dtype = self.dtypes[row["demander_type"]]
        org_desc = row["organisation"]
        org = self._org(
            PREFIX + self._fmt("demander_organisation", area=area.name, organisation=org_desc),
            Role.DEMANDER,
            area=area,
            demander_type=dtype,
            description=self._fmt("demander_description", demander_type=dtype.name),
            contact_name=self._fmt("demander_contact", surname=self.rng.choice(self.surnames)),
        )
        user = org.members.first() or self._member(
            org, f"demo-d{org.pk}", self._fmt("demander_display_name", organisation=org_desc)
        )
        return org, user

    def build(self, users) -> None:
        office, district = users["office"], users["district"]
        rng = self.rng
        text = self._fmt
        demand_rows: dict[str, list[dict]] = self.content["demands"]
        solution_rows: dict[str, list[dict]] = self.content["solutions"]
        generative_tags = self.content.get("generative_tags", [])
        always = self.content.get("certification_always")
        # Suppliers and their solutions.
        sector_codes = [c for c in demand_rows if c in self.sectors]
        suppliers: list[tuple[Organisation, User, str]] = []
        area_list = list(self.areas.values())
        for i, brand in enumerate(self.content["suppliers"]):
            code = sector_codes[i % len(sector_codes)]
            if i == 0:
                org, user = users["supplier"].organisation, users["supplier"]
            else:
                org = self._org(
                    PREFIX + text("supplier_organisation", city=self.city.name, brand=brand),
                    Role.SUPPLIER,
                    area=rng.choice(area_list),
                    description=text("supplier_description", sector=self.sectors[code].name),
                    contact_name=text("supplier_contact", surname=rng.choice(self.surnames)),
                )
                user = self._member(
                    org, f"demo-s{i:02d}", text("supplier_display_name", brand=brand)
                )
            suppliers.append((org, user, code))
            catalogue = solution_rows[code]
            count = 3 if i == 0 else rng.randint(1, 3)
            for row in rng.sample(catalogue, count)[:count]:
                extra = rng.choice(sector_codes)
                sol = services.save_solution(
                    actor=user,
                    is_demo=True,
                    data={
                        "title": text("solution_title", brand=brand, title=row["title"]),
                        "summary": row["summary"],
                        "description": text("solution_description", summary=row["summary"]),
                        "sectors": sorted({self.sectors[code].pk, self.sectors[extra].pk}),
                        "maturity": row["maturity"],
                        "price_from": str(_yuan(row["price_wan"])),
                        "is_published": True,
                        "tag_names": row["tags"],
                    },
                )
                case = row["case"]
                services.add_case_study(
                    actor=user,
                    solution=sol,
                    data={
                        "customer": PREFIX + text("case_customer", customer=case["customer"]),
                        "customer_sector": self.sectors[code].pk,
                        "year": rng.choice([2023, 2024, 2025]),
                        "outcome": case["outcome"],
                    },
                    metrics=[{"name": k, "value": v} for k, v in case.get("metrics", [])],
                )
            for cert in self.content.get("certifications", []):
                name = cert["name"]
                if rng.random() < 0.45 or (i == 0 and bool(always) and always in name):
                    Certification.objects.create(
                        organisation=org,
                        name=name,
                        issuer=cert["issuer"],
                        number=text("certification_number", org=org.pk, name_length=len(name)),
                        valid_until=date(2026 + rng.randint(0, 2), rng.randint(1, 12), 28),
                    )
            catalogue_tags = "".join(s["tags"] for s in catalogue)
            if any(t in catalogue_tags for t in generative_tags) and rng.random() < 0.6:
                generative = rng.random() < 0.7
                AlgorithmFiling.objects.create(
                    organisation=org,
                    is_demo=True,
                    kind=(
                        AlgorithmFiling.Kind.GENERATIVE
                        if generative
                        else AlgorithmFiling.Kind.DEEP_SYNTHESIS
                    ),
                    name=text(
                        "filing_generative_name" if generative else "filing_synthesis_name",
                        brand=brand,
                    ),
                    model_name=text(
                        "filing_model_name",
                        brand=brand,
                        major=rng.randint(1, 3),
                        minor=rng.randint(0, 9),
                    ),
                    number=text("filing_number", org=org.pk),
                    filed_on=date(2024, 1, 1) + timedelta(days=rng.randrange(0, 540)),
                    status=(
                        AlgorithmFiling.Status.FILED
                        if rng.random() < 0.8
                        else AlgorithmFiling.Status.PENDING
                    ),
                )

        # Demands: create, then move each along the lifecycle as the demo users.
        rows = [(code, row) for code in sector_codes for row in demand_rows[code]]
        statuses = self._statuses(len(rows))
        by_sector: dict[str, list] = {}
        for org, user, code in suppliers:
            by_sector.setdefault(code, []).append((org, user))
        for n, ((code, row), status) in enumerate(zip(rows, statuses, strict=True), start=1):
            status = row.get("status") or status
            _, owner = self.demander_for(row, users)
            data = self._demand_data(self.sectors[code], row, n)
            if status in PUBLIC_STATUSES and rng.random() < 0.1:
                data["visibility"] = Visibility.REGISTERED
            demand = services.create_demand(actor=owner, data=data, is_demo=True)
            if status == S.DRAFT:
                continue
            demand = services.transition_demand(actor=owner, demand=demand, to_status=S.SUBMITTED)
            if status == S.SUBMITTED:
                continue
            if status == S.RETURNED:
                services.transition_demand(
                    actor=office, demand=demand, to_status=S.RETURNED, note=text("return_note")
                )
                continue
            reviewer = district if demand.area_id == district.organisation.area_id else office
            demand = services.transition_demand(
                actor=reviewer, demand=demand, to_status=S.IN_REVIEW
            )
            if status == S.IN_REVIEW:
                continue
            demand = services.transition_demand(
                actor=office, demand=demand, to_status=S.PUBLISHED, note=text("publish_note")
            )
            if status == S.CLOSED:
                services.transition_demand(
                    actor=owner, demand=demand, to_status=S.CLOSED, note=text("close_note")
                )
                continue
            # Proposals from suppliers of the sector (and, for the demo demander, the demo
            # supplier first, so both logins see a conversation).
            candidates = list(by_sector.get(code, []))
            others = [s for s in ((o, u) for o, u, _ in suppliers) if s not in candidates]
            candidates += rng.sample(others, 2)
            wanted = rng.randint(0 if status == S.PUBLISHED else 1, 3)
            if demand.demander_id == users["demander"].organisation_id:
                proposers = candidates[:2]
            else:
                proposers = rng.sample(candidates, wanted)
            proposals = []
            lo, hi = float(demand.budget_min), float(demand.budget_max)
            for org, user in proposers:
                solution = (
                    org.solutions.filter(sectors=demand.sector).first() or org.solutions.first()
                )
                price = _yuan(round((lo + (hi - lo) * rng.random()) / 10000, 1))
                proposals.append(
                    services.submit_proposal(
                        actor=user,
                        demand=demand,
                        is_demo=True,
                        data={
                            "solution": solution.pk if solution else "",
                            "approach": text(
                                "proposal_approach",
                                basis=solution.title if solution else org.name,
                                demand=demand.title,
                            ),
                            "price": str(price),
                            "duration_days": rng.choice([60, 90, 120, 180]),
                        },
                    )
                )
            if status == S.PUBLISHED:
                continue
            first = proposals[0]
            services.shortlist_proposal(actor=owner, proposal=first)
            if status == S.IN_TALKS:
                if n % 3 == 0:  # some demanders have started their pilot risk checklist
                    governance_demo.draft(owner=owner, demand=demand)
                continue
            # the pilot risk checklist is signed first, so selecting moves the demand to pilot
            governance_demo.sign(owner=owner, demand=demand, stage="pilot")
            services.select_proposal(actor=owner, proposal=first)
            if status == S.PILOT:
                continue
            governance_demo.sign(owner=owner, demand=demand, stage="deployment")
            demand = services.transition_demand(
                actor=owner, demand=demand, to_status=S.DEPLOYED, note=text("deploy_note")
            )
            if status == S.PROMOTED:
                services.transition_demand(
                    actor=office, demand=demand, to_status=S.PROMOTED, note=text("promote_note")
                )

        # Demand lists: the first published ones hold every public demand, the draft ones the
        # first `size` published demands.
        public = list(
            Demand.objects.filter(
                is_demo=True, status__in=PUBLIC_STATUSES, visibility=Visibility.PUBLIC
            )
            .select_related("sector")
            .order_by("id")
        )
        for spec in self.content.get("demand_lists", []):
            demand_list = services.create_demand_list(
                actor=office,
                is_demo=True,
                data={
                    "name": spec["name"].format(year=spec["year"], city=self.city.name),
                    "year": spec["year"],
                    "issuer": self.meta.get("office_name", ""),
                    "description": spec.get("description", ""),
                },
            )
            if spec.get("publish"):
                services.add_to_list(actor=office, demand_list=demand_list, demands=public)
                services.publish_demand_list(actor=office, demand_list=demand_list)
            else:
                chosen = [d for d in public if d.status == S.PUBLISHED][: spec.get("size", 6)]
                services.add_to_list(actor=office, demand_list=demand_list, demands=chosen)

        # Roadshows: held ones are closed after registrations, open ones stay open.
        def agenda(codes):
            return [d for d in public if d.sector.code in codes][:8]

        show_text = self.content.get("roadshow_texts", {})
        for spec in self.content.get("roadshows", []):
            title, starts, capacity = spec["title"], spec["starts_at"], spec["capacity"]
            codes, final = tuple(spec["sectors"]), spec.get("status", "open")
            area = self._area(spec.get("area"), district.organisation.area)
            sector = self.sectors[spec["sector"]]
            demands = agenda(codes)
            show = services.save_roadshow(
                actor=office,
                demands=demands,
                is_demo=True,
                data={
                    "title": title,
                    "starts_at": starts,
                    "venue": show_text.get("venue", "{area}").format(area=area.name),
                    "area": area.pk,
                    "sector": sector.pk,
                    "description": show_text.get("description", ""),
                    "capacity": capacity,
                    "status": "open",
                },
            )
            regs = [s for s in suppliers if s[2] in codes] + rng.sample(suppliers, 3)
            seen = set()
            for org, user, code in regs:
                if org.pk in seen or len(seen) >= capacity - 2:
                    continue
                seen.add(org.pk)
                meets = [d for d in demands if d.sector.code == code][:2] or demands[:1]
                services.register_for_roadshow(
                    actor=user,
                    roadshow=show,
                    meeting_demands=meets,
                    note=show_text.get("registration_note", ""),
                )
            if final != "open":
                services.save_roadshow(
                    actor=office,
                    roadshow=show,
                    demands=demands,
                    data={
                        "title": title,
                        "starts_at": starts,
                        "venue": show.venue,
                        "area": area.pk,
                        "sector": sector.pk,
                        "description": show.description,
                        "capacity": capacity,
                        "status": final,
                    },
                )


COUNTED = [
    ("单位", lambda: Organisation.objects.filter(is_demo=True)),
    ("用户", lambda: User.objects.filter(organisation__is_demo=True)),
    ("场景需求", lambda: Demand.objects.filter(is_demo=True)),
    ("解决方案", lambda: Solution.objects.filter(is_demo=True)),
    ("应用案例", lambda: CaseStudy.objects.filter(solution__is_demo=True)),
    ("资质认证", lambda: Certification.objects.filter(organisation__is_demo=True)),
    ("算法备案", lambda: AlgorithmFiling.objects.filter(is_demo=True)),
    ("风险检查清单", lambda: RiskChecklist.objects.filter(demand__is_demo=True)),
    ("揭榜方案", lambda: Proposal.objects.filter(is_demo=True)),
    ("需求清单", lambda: DemandList.objects.filter(is_demo=True)),
    ("路演活动", lambda: Roadshow.objects.filter(is_demo=True)),
    ("路演报名", lambda: RoadshowRegistration.objects.filter(roadshow__is_demo=True)),
    ("指标报送", lambda: Submission.objects.filter(is_demo=True)),
    ("算力资源", lambda: ComputeOffer.objects.filter(is_demo=True)),
    ("算力申请", lambda: ComputeApplication.objects.filter(is_demo=True)),
    ("算力订单", lambda: ComputeOrder.objects.filter(offer__is_demo=True)),
    ("数据集与模型", lambda: CatalogueEntry.objects.filter(is_demo=True)),
]


def counts() -> dict[str, int]:
    return {label: qs().count() for label, qs in COUNTED}


@transaction.atomic
def reset_demo() -> None:
    """Delete demo data (and anything created inside demo organisations)."""
    compute_demo.reset()
    catalogue_demo.reset()
    demo_orgs = Organisation.objects.filter(is_demo=True)
    demands = Demand.objects.filter(Q(is_demo=True) | Q(demander__in=demo_orgs))
    DemandList.objects.filter(is_demo=True).delete()
    DemandListItem.objects.filter(demand__in=demands).delete()
    Roadshow.objects.filter(is_demo=True).delete()
    Proposal.objects.filter(Q(is_demo=True) | Q(demand__in=demands)).delete()
    demands.delete()
    AlgorithmFiling.objects.filter(is_demo=True).delete()
    Submission.objects.filter(is_demo=True).delete()
    IndicatorShare.objects.filter(is_demo=True).delete()
    User.objects.filter(organisation__in=demo_orgs).delete()
    demo_orgs.delete()


class Command(BaseCommand):
    help = (
        "Generate demo data (示例) and role logins from the city pack's demo.json; "
        "idempotent. --reset recreates it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="先删除已有示例数据再重新生成")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子")

    def handle(self, *args, reset=False, seed=DEFAULT_SEED, **opts):
        if not CityPack.objects.exists() or not Sector.objects.exists():
            raise CommandError("请先载入城市包：aiplus load-citypack")
        content = load_demo_content()
        builder = DemoBuilder(seed, self.stdout, content)  # checks the file before any reset
        if reset:
            with series.deferred():  # one refresh per indicator, not one per deleted value
                reset_demo()
            self.stdout.write("已删除原有示例数据。")
        before = counts()
        try:
            with matching.bulk_changes(), series.deferred(), transaction.atomic():
                users = builder.role_accounts()
                exists = Demand.objects.filter(is_demo=True).exists()
                if not exists:
                    builder.build(users)
                    programme_demo.backdate_transitions(
                        Demand.objects.filter(is_demo=True).order_by("id"), seed=seed
                    )
                programme_demo.build(
                    content.get("programme", {}),
                    office=users["office"],
                    district=users["district"],
                    password=DEMO_PASSWORD,
                    seed=seed,
                )
                compute_demo.build(
                    content.get("compute", {}),
                    office=users["office"],
                    provider=users["compute"],
                    seed=seed,
                )
                catalogue_demo.build(content.get("catalogue", {}), users=users, seed=seed)
        except ServiceError as exc:
            detail = "；".join(f"{k}: {v}" for k, v in exc.errors.items())
            raise CommandError(f"生成示例数据失败：{exc.message} {detail}") from exc
        if not exists:
            matching.rebuild()
        else:
            matching.ensure_index()
        after = counts()
        if exists:
            self.stdout.write("示例数据已存在，未重复生成（如需重建：aiplus demo --reset）。")
        else:
            added = "，".join(f"{k} {after[k] - before[k]}" for k in after)
            self.stdout.write(self.style.SUCCESS(f"已生成示例数据：{added}"))
        self.stdout.write("")
        self.stdout.write("示例账号（所有示例数据均标注“示例”）：")
        self.stdout.write(login_table(content["accounts"]))
