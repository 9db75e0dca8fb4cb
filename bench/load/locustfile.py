"""Load test of the production stack (issue #8): `bench/load/run` sets everything up and runs it.

Four kinds of simulated users, weighted like a public platform's traffic:

- `Browser` (anonymous): home, demand list with filters and deep pages (and its HTMX
  partial), demand detail (with the recommended solutions), solution list and detail,
  catalogue, policies and support measures;
- `Searcher` (anonymous): Chinese queries on the demand list, the search API, solutions,
  the catalogue and the policies;
- `Supplier` (signed in through the login form, with CSRF): its workbench (`/my/`, the open
  demands recommended for its solutions), match suggestions for demands and solutions
  (`/api/match/…`), demand pages, the programme dashboard (signed-in only);
- `Demander` (API token from POST /api/auth/token): duplicate check and tag suggestions as the
  form does, creates a demand (POST /api/demands) and submits it (…/transition), reads it back.

Every simulated user sends its own `X-Forwarded-For` address (the stack runs with
TRUSTED_PROXIES=1, as behind one TLS proxy), so the per-address API rate limit counts each user
separately, as it would count real visitors. A request fails on a status other than 2xx/3xx or
when the page does not hold what it should (a marker text, JSON fields).

Settings (environment): LOAD_USERS (logins per role that `aiplus scale-demo --users` made,
default 100), LOAD_WAIT ("min,max" think time in seconds, default "2,8"), LOAD_REQUEST_LOG (a
CSV file to write every request to: start time, name, response time, failed; report.py turns
it into the response times per 10 s of the run).

    locust -f bench/load/locustfile.py --host http://127.0.0.1:8000 --headless -u 200 -r 5 -t 100s \
        --reset-stats
"""

from __future__ import annotations

import itertools
import os
import random
import threading

from locust import HttpUser, between, events, task
from locust.exception import StopUser

USERS_PER_ROLE = int(os.environ.get("LOAD_USERS", "100"))
PASSWORD = os.environ.get("LOAD_PASSWORD", "aiplus-demo-2026")
_wait = [float(x) for x in os.environ.get("LOAD_WAIT", "2,8").split(",")]
WAIT = between(_wait[0], _wait[-1])

REQUEST_LOG = os.environ.get("LOAD_REQUEST_LOG")
_requests: list[tuple[float, str, float, int]] = []


@events.request.add_listener
def _record(request_type, name, response_time, exception=None, start_time=None, **kw):
    if REQUEST_LOG:
        failed = 1 if exception is not None else 0
        _requests.append((start_time or 0.0, f"{request_type} {name}", response_time, failed))


@events.test_stop.add_listener
def _write_log(**kw):
    if REQUEST_LOG and _requests:
        import csv

        with open(REQUEST_LOG, "w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(["start", "name", "ms", "failed"])
            out.writerows(_requests)


DEMAND_QUERIES = [
    "缺陷检测",
    "智能质检",
    "预测性维护",
    "医学影像",
    "无人机巡检",
    "客流分析",
    "大模型 客服",
    "信号灯配时",
    "能耗优化",
    "养老 智能看护",
    "反欺诈",
    "智慧课堂",
    "病虫害识别",
    "城市治理 事件发现",
    "政务服务 智能问答",
]
SOLUTION_QUERIES = ["机器视觉", "知识图谱", "边缘计算", "语音识别", "数字人", "视觉检测平台"]
CATALOGUE_QUERIES = ["数据集", "医疗", "工业", "大模型", "语料", "交通"]
POLICY_QUERIES = ["算力券", "人工智能", "补贴", "场景"]


class Catalogue:
    """Ids and codes the tasks pick from, read once from the public API at the start."""

    lock = threading.Lock()
    loaded = False
    demand_ids: list[int] = []
    solution_ids: list[int] = []
    sectors: list[str] = []
    areas: list[str] = []
    demander_types: list[str] = []
    demand_pages = 1

    @classmethod
    def load(cls, client) -> None:
        with cls.lock:
            if cls.loaded:
                return
            get = lambda url: client.get(url, name="(setup)").json()  # noqa: E731
            cls.sectors = [s["code"] for s in get("/api/sectors")]
            cls.areas = [a["code"] for a in get("/api/areas")]
            cls.demander_types = [t["code"] for t in get("/api/demander-types")]
            first = get("/api/demands?limit=200")
            count = first["count"]
            ids = [d["id"] for d in first["items"]]
            for offset in random.Random(1).sample(range(200, max(201, count), 200), 4):
                ids += [d["id"] for d in get(f"/api/demands?limit=200&offset={offset}")["items"]]
            cls.demand_ids = ids
            cls.demand_pages = max(1, count // 20)
            cls.solution_ids = [s["id"] for s in get("/api/solutions?limit=200")["items"]]
            cls.loaded = True


_addresses = itertools.count(1)
_logins = {"demander": itertools.count(1), "supplier": itertools.count(1)}


def _login_name(role: str) -> str:
    n = (next(_logins[role]) - 1) % USERS_PER_ROLE + 1
    return f"load-{role}-{n:03d}"


class Base(HttpUser):
    abstract = True
    wait_time = WAIT

    def on_start(self) -> None:
        n = next(_addresses)
        self.client.headers["X-Forwarded-For"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        Catalogue.load(self.client)

    # --- helpers ----------------------------------------------------------------------------
    def page(self, url: str, marker: str, name: str | None = None, **kw) -> None:
        """GET a page; it fails unless the status is 2xx/3xx and the body holds `marker`."""
        with self.client.get(url, name=name or url, catch_response=True, **kw) as r:
            if not (200 <= r.status_code < 400):
                r.failure(f"status {r.status_code}")
            elif marker not in r.text:
                r.failure(f"marker {marker!r} missing")
            else:
                r.success()

    def json(self, method: str, url: str, name: str, keys=(), expect=(200,), **kw):
        """An API call; fails on another status or when the JSON lacks `keys`."""
        with self.client.request(method, url, name=name, catch_response=True, **kw) as r:
            if r.status_code not in expect:
                r.failure(f"status {r.status_code}: {r.text[:200]}")
                return None
            try:
                data = r.json()
            except ValueError:
                r.failure("not JSON")
                return None
            missing = [k for k in keys if k not in data]
            if missing:
                r.failure(f"JSON lacks {missing}")
                return None
            r.success()
            return data

    def demand_id(self) -> int:
        return random.choice(Catalogue.demand_ids)


class Browser(Base):
    """Anonymous visitor browsing the public pages."""

    weight = 10

    @task(3)
    def home(self):
        self.page("/", "需求")

    @task(6)
    def demand_list(self):
        params = {}
        if random.random() < 0.5:
            params["sector"] = random.choice(Catalogue.sectors)
        if random.random() < 0.3:
            params["area"] = random.choice(Catalogue.areas)
        if random.random() < 0.2:
            params["status"] = random.choice(["published", "in_talks", "pilot", "deployed"])
        if not params:
            params["page"] = random.randint(1, Catalogue.demand_pages)
        elif random.random() < 0.3:
            params["page"] = random.randint(1, 5)
        self.page("/demands/", "场景", name="/demands/ [filters, pages]", params=params)

    @task(2)
    def demand_list_partial(self):
        self.page(
            "/demands/",
            "</",
            name="/demands/ [htmx partial]",
            params={"sector": random.choice(Catalogue.sectors), "page": random.randint(1, 3)},
            headers={"HX-Request": "true"},
        )

    @task(8)
    def demand_detail(self):
        self.page(f"/demands/{self.demand_id()}/", "痛点", name="/demands/<id>/")

    @task(3)
    def solution_list(self):
        params = {"page": random.randint(1, 20)}
        if random.random() < 0.5:
            params["sector"] = random.choice(Catalogue.sectors)
        self.page("/solutions/", "方案", name="/solutions/ [filters, pages]", params=params)

    @task(2)
    def solution_detail(self):
        self.page(
            f"/solutions/{random.choice(Catalogue.solution_ids)}/", "方案", "/solutions/<id>/"
        )

    @task(2)
    def catalogue(self):
        self.page("/catalogue/", "数据", name="/catalogue/")

    @task(2)
    def policies(self):
        self.page("/policies/", "政策", name="/policies/")

    @task(2)
    def measures(self):
        self.page("/policies/measures/", "措施", name="/policies/measures/")

    @task(1)
    def demands_api(self):
        self.json(
            "GET",
            f"/api/demands?sector={random.choice(Catalogue.sectors)}&limit=20",
            "/api/demands?sector=",
            keys=("items", "count"),
        )


class Searcher(Base):
    """Anonymous visitor searching in Chinese."""

    weight = 5

    @task(4)
    def demand_search_page(self):
        self.page(
            "/demands/",
            "场景",
            name="/demands/?q= [search]",
            params={"q": random.choice(DEMAND_QUERIES)},
        )

    @task(3)
    def search_api(self):
        kind = random.choice(["demands", "demands", "solutions"])
        queries = DEMAND_QUERIES if kind == "demands" else SOLUTION_QUERIES
        self.json(
            "GET",
            f"/api/search?type={kind}&q={random.choice(queries)}",
            f"/api/search?type={kind}",
            keys=("items", "count"),
        )

    @task(2)
    def solution_search(self):
        self.page(
            "/solutions/",
            "方案",
            name="/solutions/?q= [search]",
            params={"q": random.choice(SOLUTION_QUERIES)},
        )

    @task(2)
    def catalogue_search(self):
        self.page(
            "/catalogue/",
            "数据",
            name="/catalogue/?q= [search]",
            params={"q": random.choice(CATALOGUE_QUERIES)},
        )

    @task(1)
    def policy_search(self):
        self.page(
            "/policies/",
            "政策",
            name="/policies/?q= [search]",
            params={"q": random.choice(POLICY_QUERIES)},
        )


class Supplier(Base):
    """A supplier signed in through the login form, looking for demands to answer."""

    weight = 3

    def on_start(self):
        super().on_start()
        self.username = _login_name("supplier")
        self.client.get("/accounts/login/", name="/accounts/login/ [form]")
        token = self.client.cookies.get("csrftoken", "")
        with self.client.post(
            "/accounts/login/",
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="/accounts/login/ [sign in]",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302:
                r.failure(f"sign-in failed for {self.username}: {r.status_code}")
                raise StopUser()
            r.success()
        me = self.json("GET", "/api/me", "/api/me", keys=("organisation",))
        org = (me or {}).get("organisation") or {}
        sols = self.json(
            "GET",
            f"/api/solutions?supplier={org.get('id', 0)}&limit=20",
            "/api/solutions?supplier=",
            keys=("items",),
        )
        self.own = [s["id"] for s in (sols or {}).get("items", [])] or Catalogue.solution_ids

    @task(3)
    def workbench(self):
        self.page("/my/", "推荐", name="/my/ [supplier]")

    @task(4)
    def match_demand(self):
        self.json(
            "GET",
            f"/api/match/demands/{self.demand_id()}?k=10",
            "/api/match/demands/<id>",
            keys=("items", "count"),
        )

    @task(3)
    def match_solution(self):
        self.json(
            "GET",
            f"/api/match/solutions/{random.choice(self.own)}?k=10",
            "/api/match/solutions/<id>",
            keys=("items", "count"),
        )

    @task(3)
    def demand_detail(self):
        self.page(f"/demands/{self.demand_id()}/", "痛点", name="/demands/<id>/ [supplier]")

    @task(1)
    def programme(self):
        self.page("/programme/", "指标", name="/programme/ [signed in]")


class Demander(Base):
    """A demander with an API token: checks for duplicates, creates and submits demands."""

    weight = 2

    def on_start(self):
        super().on_start()
        username = _login_name("demander")
        data = self.json(
            "POST",
            "/api/auth/token",
            "/api/auth/token",
            keys=("token",),
            expect=(201,),
            json={"username": username, "password": PASSWORD, "name": "load test"},
        )
        if not data:
            raise StopUser()
        self.client.headers["Authorization"] = f"Bearer {data['token']}"
        self.n = 0

    @task(2)
    def similar_and_tags(self):
        title = random.choice(DEMAND_QUERIES) + "系统建设"
        self.client.post("/api/similar", json={"title": title, "text": ""}, name="/api/similar")
        self.json(
            "POST",
            "/api/suggest-tags",
            "/api/suggest-tags",
            keys=("sectors", "tags"),
            json={"text": f"{title}，希望提升效率"},
        )

    @task(1)
    def create_and_submit(self):
        self.n += 1
        topic = random.choice(DEMAND_QUERIES)
        demand = self.json(
            "POST",
            "/api/demands",
            "/api/demands [create]",
            keys=("id", "status"),
            expect=(201,),
            json={
                "title": f"{topic}场景需求（压测{self.n}）",
                "sector": random.choice(Catalogue.sectors),
                "area": random.choice(Catalogue.areas),
                "demander_type": random.choice(Catalogue.demander_types),
                "pain_point": f"现有{topic}依赖人工，效率低、质量不稳定，希望引入人工智能。",
                "goals": "试点三个月内上线，指标可量化。",
                "kpis": "准确率≥95%；处理时长缩短50%",
                "budget_min": "200000",
                "budget_max": "800000",
                "tags": ["大模型"],
            },
        )
        if not demand:
            return
        self.json(
            "POST",
            f"/api/demands/{demand['id']}/transition",
            "/api/demands/<id>/transition [submit]",
            keys=("status",),
            json={"to": "submitted"},
        )
        self.json("GET", f"/api/demands/{demand['id']}", "/api/demands/<id> [own]", keys=("id",))

    @task(2)
    def my_demands(self):
        self.json("GET", "/api/demands?limit=20", "/api/demands [signed in]", keys=("items",))
