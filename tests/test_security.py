"""Security headers, the no-inline-script rule the CSP relies on, safe file downloads, API
rate limits and the client address behind proxies."""

import re
from pathlib import Path

import pytest
from django.test import RequestFactory

from aiplus.accounts.choices import Role
from aiplus.core import security
from aiplus.core.throttling import client_ip

from .apiclient import api_as
from .factories import make_user

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "aiplus" / "templates"


def test_pages_send_the_content_security_policy_and_other_headers(client, citypack):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_api_and_its_docs_send_the_policy_too(client, citypack):
    for url in ("/api/sectors", "/api/docs"):
        assert "script-src 'self'" in client.get(url).headers["Content-Security-Policy"]


def test_no_template_has_inline_script_or_event_handlers():
    """The policy allows no inline script: behaviour lives in static/aiplus/*.js and is asked
    for with data attributes (data-confirm, data-autosubmit …)."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(
            r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", text
        ):
            offenders.append(f"{path.relative_to(TEMPLATES)}: {m.group(0)}")
        for m in re.finditer(r"\son[a-z]+\s*=", text):
            offenders.append(f"{path.relative_to(TEMPLATES)}: {m.group(0).strip()}")
        if "javascript:" in text:
            offenders.append(f"{path.relative_to(TEMPLATES)}: javascript: URL")
    assert not offenders, offenders


def test_a_served_upload_is_an_inert_attachment(tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage

    storage = FileSystemStorage(location=tmp_path)
    name = storage.save("x.html", ContentFile(b"<script>alert(1)</script>"))

    class Field:
        def open(self, mode):
            return storage.open(name, mode)

    from aiplus.core.uploads import serve

    response = serve(Field(), "x.html")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == security.DOWNLOAD_POLICY
    assert "sandbox" in response.headers["Content-Security-Policy"]
    response.close()


# -- API rate limits ------------------------------------------------------------------------


def test_a_token_over_its_rate_gets_429_in_chinese_with_retry_after(citypack, settings):
    settings.API_RATE_USER = "3/m"
    api = api_as(make_user(Role.DEMANDER, username="busy"))
    assert [api.get("/api/me").status_code for _ in range(3)] == [200, 200, 200]
    response = api.get("/api/me")
    assert response.status_code == 429
    assert response.json() == {"message": "请求过于频繁，请稍后再试。", "errors": {}}
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_the_rate_is_counted_per_user_not_shared(citypack, settings):
    settings.API_RATE_USER = "2/m"
    first = api_as(make_user(Role.DEMANDER, username="first"))
    second = api_as(make_user(Role.SUPPLIER, username="second"))
    assert [first.get("/api/me").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get("/api/me").status_code == 200


def test_anonymous_callers_are_counted_by_address(client, citypack, settings):
    settings.API_RATE_ANON = "2/m"
    codes = [client.get("/api/sectors", REMOTE_ADDR="10.0.0.7").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.get("/api/sectors", REMOTE_ADDR="10.0.0.8").status_code == 200


def test_in_production_the_workers_count_a_client_together(client, citypack, settings, tmp_path):
    """The counts live in a directory every worker process uses: a request answered by another
    process (another cache object over the same directory) counts towards the same limit."""
    from django.core.cache import caches

    from aiplus.core.throttling import ApiRateThrottle

    shared = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(tmp_path / "throttle"),
    }
    settings.CACHES = {**settings.CACHES, "throttle": shared}
    settings.API_RATE_ANON = "3/m"
    first_process = caches["throttle"]
    codes = [client.get("/api/sectors", REMOTE_ADDR="10.0.0.9").status_code for _ in range(2)]
    settings.CACHES = {**settings.CACHES, "throttle": dict(shared)}  # a new cache handler
    assert caches["throttle"] is not first_process
    codes += [client.get("/api/sectors", REMOTE_ADDR="10.0.0.9").status_code for _ in range(2)]
    assert codes == [200, 200, 200, 429]
    assert ApiRateThrottle(signed_in=False).cache is caches["throttle"]


def test_production_settings_keep_the_counts_in_a_shared_directory(tmp_path):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "AIPLUS_ENV": "production",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "example.org",
        "AIPLUS_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "aiplus.settings",
    }
    code = "from django.conf import settings as s; t = s.CACHES['throttle']; print(t['BACKEND'], t['LOCATION'])"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == [
        "django.core.cache.backends.filebased.FileBasedCache",
        str(tmp_path / "cache" / "throttle"),
    ]


def test_an_empty_rate_switches_the_limit_off(client, citypack, settings):
    settings.API_RATE_ANON = ""
    assert {client.get("/api/sectors").status_code for _ in range(5)} == {200}


def test_the_schema_documents_429_and_503_on_every_operation_and_507_on_writes(client):
    schema = client.get("/api/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in ("429", "503"):
                assert status in responses, (status, method, path)
                assert "Retry-After" in responses[status]["headers"], (status, method, path)
            assert ("507" in responses) == ("requestBody" in operation), (method, path)


# -- the client's address -------------------------------------------------------------------


def _request(remote="127.0.0.1", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(settings):
    settings.TRUSTED_PROXIES = 0
    assert client_ip(_request(forwarded="6.6.6.6")) == "127.0.0.1"


def test_behind_one_trusted_proxy_the_address_it_saw_is_used(settings):
    settings.TRUSTED_PROXIES = 1
    # the client claims 6.6.6.6; the proxy appended the address it really saw
    assert client_ip(_request(forwarded="6.6.6.6, 203.0.113.9")) == "203.0.113.9"
    assert client_ip(_request(forwarded="203.0.113.9")) == "203.0.113.9"
    assert client_ip(_request()) == "127.0.0.1"


def test_login_throttling_counts_by_the_same_address(settings):
    from aiplus.accounts import services

    settings.TRUSTED_PROXIES = 1
    assert services.client_ip(_request(forwarded="198.51.100.4")) == "198.51.100.4"
