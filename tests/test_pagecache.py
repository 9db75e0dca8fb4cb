"""The anonymous page cache (core/pagecache.py): public pages are reused for a few seconds
across visitors and workers, each visitor still gets a CSRF token of their own, and nothing
personal, failed or downloaded is ever stored."""

import re

import pytest
from django.http import HttpResponse
from django.test import Client

from aiplus.core import pagecache
from aiplus.scenarios.choices import DemandStatus
from aiplus.scenarios.models import Demand

from .factories import make_demand

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings, tmp_path):
    settings.ANON_PAGE_CACHE_SECONDS = 30
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "pages"),
        },
    }


@pytest.fixture
def published(demander, office):
    return make_demand(demander, status=DemandStatus.PUBLISHED, office=office)


def _token(body: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)


def test_an_anonymous_page_is_reused_until_it_expires(cached, published, settings):
    first = Client().get("/demands/")
    assert first["X-Page-Cache"] == "miss" and published.title in first.content.decode()
    Demand.objects.filter(pk=published.pk).update(title="改过的标题")
    again = Client().get("/demands/")  # another visitor, within the time
    assert again["X-Page-Cache"] == "hit"
    assert published.title in again.content.decode()  # up to ANON_PAGE_CACHE_SECONDS old
    assert int(again["Content-Length"]) == len(again.content)
    settings.ANON_PAGE_CACHE_SECONDS = 0  # switched off: always fresh
    fresh = Client().get("/demands/")
    assert "X-Page-Cache" not in fresh and "改过的标题" in fresh.content.decode()


def test_each_visitor_gets_a_csrf_token_of_their_own_that_works(cached, published):
    a, b = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page_a, page_b = a.get("/demands/"), b.get("/demands/")
    assert page_b["X-Page-Cache"] == "hit"
    body_a, body_b = page_a.content.decode(), page_b.content.decode()
    assert pagecache.PLACEHOLDER not in body_a and pagecache.PLACEHOLDER not in body_b
    assert "csrftoken" in page_b.cookies  # the cookie its token belongs to
    assert _token(body_a) != _token(body_b)
    assert f'"X-CSRFToken": "{_token(body_b)}"' not in body_a
    switch = b.post(
        "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": _token(body_b)}
    )
    assert switch.status_code == 302  # accepted: the token fits b's cookie
    other = Client(enforce_csrf_checks=True)
    other.get("/")
    stolen = other.post(
        "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": _token(body_a)}
    )
    assert stolen.status_code == 403  # a's token is no good with another visitor's cookie


def test_signed_in_users_and_visitors_with_a_session_never_get_a_cached_page(
    cached, published, client, demander
):
    Client().get("/demands/")
    Demand.objects.filter(pk=published.pk).update(title="改过的标题")
    client.force_login(demander)
    page = client.get("/demands/")
    assert "X-Page-Cache" not in page and "改过的标题" in page.content.decode()
    with_messages = Client()
    with_messages.cookies["messages"] = "x"
    assert "X-Page-Cache" not in with_messages.get("/demands/")


def test_language_and_htmx_fragments_are_cached_apart(cached, published):
    zh = Client().get("/demands/")
    assert zh["X-Page-Cache"] == "miss" and zh["Content-Language"] == "zh-hans"
    en = Client(HTTP_ACCEPT_LANGUAGE="en").get("/demands/")
    assert en["X-Page-Cache"] == "miss" and en["Content-Language"] == "en"
    assert Client(HTTP_ACCEPT_LANGUAGE="en").get("/demands/")["Content-Language"] == "en"
    fragment = Client().get("/demands/", HTTP_HX_REQUEST="true")
    assert fragment["X-Page-Cache"] == "miss" and b"<html" not in fragment.content
    full = Client().get("/demands/")  # the whole page again, not the fragment
    assert full["X-Page-Cache"] == "hit" and b"<html" in full.content
    assert full["Content-Language"] == "zh-hans"
    assert Client().get("/demands/?sector=manufacturing")["X-Page-Cache"] == "miss"


def test_api_errors_and_downloads_are_not_cached(cached, published):
    assert "X-Page-Cache" not in Client().get("/api/demands")
    missing = Client().get("/demands/999999/")
    assert missing.status_code == 404 and "X-Page-Cache" not in missing
    assert pagecache.PLACEHOLDER.encode() not in missing.content
    assert "X-Page-Cache" not in Client().get("/accounts/login/")
    page = HttpResponse("<p>x</p>")
    assert pagecache.cacheable_response(page)
    for header, value in [
        ("Content-Disposition", 'attachment; filename="x.xlsx"'),
        ("Cache-Control", "private, no-store"),
        ("Cache-Control", "no-cache"),
    ]:
        response = HttpResponse("<p>x</p>")
        response[header] = value
        assert not pagecache.cacheable_response(response)
    with_cookie = HttpResponse("<p>x</p>")
    with_cookie.set_cookie("sessionid", "x")
    assert not pagecache.cacheable_response(with_cookie)
    assert not pagecache.cacheable_response(HttpResponse("{}", content_type="application/json"))
    assert not pagecache.cacheable_response(HttpResponse("<p>x</p>", status=404))
