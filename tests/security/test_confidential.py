"""Confidential fields never reach those who may not see them: a demand's contact and its budget
marked confidential, and one enterprise's voucher amounts, through every page, API operation
and export (xlsx, docx and PDF are opened and read, not only searched as bytes)."""

import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from aiplus.accounts import services as accounts
from aiplus.api import api
from aiplus.scenarios.choices import PUBLIC_STATUSES
from aiplus.scenarios.models import Demand, DemandListItem

from . import matrix, walk

pytestmark = pytest.mark.django_db

CONTACT = {
    "contact_name": "保密联系人甲乙",
    "contact_phone": "13912345678",
    "contact_email": "secret.contact@example.org",
}
BUDGET = (Decimal("7654321.00"), Decimal("7654329.00"))
VOUCHER_COST = Decimal("8765432.19")
# As stored, with separators, and as pages write money ("765.43万元").
SECRETS = ["保密联系人甲乙", "13912345678", "secret.contact", "7654321", "7,654,321", "765.43万"]
VOUCHER_SECRETS = ["8765432", "8,765,432", "876.54万"]


def text_of(response) -> str:
    """What a person could read in the response, whatever its format."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.headers.get("Content-Type", "")
    if body[:2] == b"PK":  # xlsx, docx: zipped XML
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return " ".join(
                z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")
            )
    if "pdf" in kind or body[:4] == b"%PDF":
        from pypdf import PdfReader

        return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    return body.decode("utf-8", "replace")


@pytest.fixture
def secret_demand(world):
    """A published demand of another organisation, outside the district officer's area, that
    the supplier has not answered, with a contact and a confidential budget; it is put in the
    published demand list so the list's pages and exports carry it too."""
    demand = (
        Demand.objects.filter(status__in=PUBLIC_STATUSES, visibility="public")
        .exclude(demander=world.demander_org)
        .exclude(area=world.area)
        .exclude(proposals__supplier=world.supplier_org)
        .order_by("pk")
        .first()
    )
    assert demand is not None
    Demand.objects.filter(pk=demand.pk).update(
        **CONTACT, budget_min=BUDGET[0], budget_max=BUDGET[1], budget_confidential=True
    )
    if not DemandListItem.objects.filter(demand_list=world.demand_list, demand=demand).exists():
        DemandListItem.objects.create(demand_list=world.demand_list, demand=demand, position=999)
    return Demand.objects.get(pk=demand.pk)


@pytest.fixture
def secret_order(world):
    """The demander's compute order, with a cost no other figure on the platform has."""
    from aiplus.compute.models import Order

    order = Order.objects.filter(application__enterprise=world.demander_org).first()
    assert order is not None
    Order.objects.filter(pk=order.pk).update(estimated_cost=VOUCHER_COST)
    return order


def urls_to_read(world, demand) -> list[str]:
    """Every parameterless page, the pages and exports naming the demand or its list, and
    every API GET (with the demand where it takes one)."""
    urls = [
        reverse(name)
        for name, route in walk.url_names()
        if "<" not in route
        and not name.startswith(matrix.ADMIN_PREFIX)
        and name not in ("accounts:logout", "set_language")
    ]
    urls += [
        reverse("scenarios:demand_detail", args=[demand.pk]),
        reverse("scenarios:list_detail", args=[world.demand_list.pk]),
        reverse("scenarios:list_export", args=[world.demand_list.pk, "xlsx"]),
        reverse("scenarios:list_export", args=[world.demand_list.pk, "pdf"]),
        reverse("programme:briefing", args=["docx"]),
        f"/demands/?q={demand.title[:6]}",
        f"/demands/similar/?title={demand.title}",
    ]
    schema = api.get_openapi_schema()
    params = {name: fn(world) for name, fn in matrix.API_PARAMS.items()}
    params["demand_id"] = demand.pk
    for method, path, _op in walk.api_operations(schema):
        if method != "GET":
            continue
        urls.append(re.sub(r"\{(\w+)\}", lambda m: str(params[m.group(1)]), path))
    urls += [
        f"/api/demands?q={demand.title[:6]}",
        f"/api/search?q={demand.title[:6]}",
        f"/api/demand-lists/{world.demand_list.pk}/export?format=xlsx",
        f"/api/demand-lists/{world.demand_list.pk}/export?format=pdf",
    ]
    return urls


def leaks(world, role, urls, secrets) -> list[str]:
    client = Client()
    headers = {}
    if role != "anonymous":
        user = world.users[role]
        client.force_login(user)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {accounts.issue_token(user=user, name='c')}"}
    found = []
    for url in urls:
        response = client.get(url, **headers)
        if response.status_code != 200:
            continue
        text = text_of(response)
        found += [f"{url}: {s}" for s in secrets if s in text]
    return found


@pytest.mark.parametrize(
    "role", ["anonymous", "pending", "demander", "supplier", "compute", "district"]
)
def test_a_demand_contact_and_confidential_budget_stay_hidden(world, secret_demand, role):
    urls = urls_to_read(world, secret_demand)
    assert leaks(world, role, urls, SECRETS) == []


def test_the_office_does_see_them(world, secret_demand):
    """The check above can fail: the same reading finds the secrets where they may be seen."""
    client = Client()
    client.force_login(world.users["office"])
    text = text_of(client.get(reverse("scenarios:demand_detail", args=[secret_demand.pk])))
    assert CONTACT["contact_phone"] in text
    assert "765.43万元" in text
    export = client.get(reverse("scenarios:list_export", args=[world.demand_list.pk, "xlsx"]))
    assert CONTACT["contact_phone"] in text_of(export)


@pytest.mark.parametrize("role", ["anonymous", "pending", "supplier"])
def test_another_enterprise_voucher_amounts_stay_hidden(world, secret_order, role):
    urls = urls_to_read(world, world.demand_public)
    assert leaks(world, role, urls, VOUCHER_SECRETS) == []


def test_the_enterprise_itself_sees_its_amounts(world, secret_order):
    client = Client()
    client.force_login(world.users["demander"])
    assert any(s in text_of(client.get(reverse("compute:my_orders"))) for s in VOUCHER_SECRETS)
