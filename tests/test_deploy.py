"""Production readiness: health checks, request ids and logs, production settings."""

import json
import logging
import os
import secrets
import subprocess
import sys

import pytest

from aiplus.core import health
from aiplus.core.logs import JsonFormatter, RequestIdFilter


def _production_env(**extra):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AIPLUS_ENV": "production",
        "AIPLUS_VAR_DIR": os.environ.get("AIPLUS_VAR_DIR", ""),
    }
    env = {k: v for k, v in env.items() if v}
    env.update(extra)
    return env


def test_healthz_is_up_uncached_and_needs_no_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert "Set-Cookie" not in response


@pytest.mark.django_db
def test_readyz_checks_the_database_and_the_task_backend(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "tasks": "immediate"},
    }
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_queries_the_database_task_table(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert client.get("/readyz").json()["checks"]["tasks"] == "ok"


@pytest.mark.django_db
def test_readyz_is_503_naming_the_failed_check(client, monkeypatch, caplog):
    def broken():
        raise RuntimeError("database is down")

    monkeypatch.setattr(health, "check_database", broken)
    caplog.handler.addFilter(RequestIdFilter())
    response = client.get("/readyz", HTTP_X_REQUEST_ID="probe-1")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["database"]
    assert body["checks"] == {"database": "error", "tasks": "immediate"}
    assert "no-store" in response["Cache-Control"]
    # A record logged inside the request carries its id (the filter reads the contextvar).
    failure = next(r for r in caplog.records if r.name == "aiplus.health")
    assert failure.request_id == "probe-1"


def test_health_checks_are_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/openapi.json").status_code == 301


def test_health_checks_are_not_in_the_openapi_schema(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert not any("healthz" in p or "readyz" in p for p in paths)


def test_an_incoming_request_id_is_echoed(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="edge-42.a_b")
    assert response["X-Request-ID"] == "edge-42.a_b"


def test_a_request_id_is_made_when_none_comes(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second


@pytest.mark.parametrize("bad", ["a" * 65, "has space", "semi;colon", "ünïcode", "a/b"])
def test_a_bad_incoming_request_id_is_replaced(client, bad):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=bad)
    rid = response["X-Request-ID"]
    assert rid != bad and len(rid) == 32


def test_each_request_is_logged_with_its_id(client, caplog):
    with caplog.at_level(logging.DEBUG, logger="aiplus.request"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="req-7")
    (line,) = [r for r in caplog.records if r.name == "aiplus.request"]
    assert line.request_id == response["X-Request-ID"] == "req-7"
    assert (line.method, line.path, line.status) == ("GET", "/healthz", 200)
    assert line.duration_ms >= 0
    # Probes are quiet (DEBUG); other paths log at INFO.
    assert line.levelno == logging.DEBUG


def test_the_json_formatter_writes_one_object_per_line():
    record = logging.LogRecord("aiplus.request", logging.INFO, __file__, 1, "GET %s", ("/",), None)
    record.request_id, record.method, record.path, record.status, record.duration_ms = (
        "r1",
        "GET",
        "/",
        200,
        1.5,
    )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "GET /" and entry["level"] == "INFO"
    assert entry["logger"] == "aiplus.request" and entry["request_id"] == "r1"
    assert (entry["status"], entry["duration_ms"]) == (200, 1.5)
    assert entry["time"].endswith("+00:00")


def test_check_deploy_passes_in_production_mode():
    code = (
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('check', '--deploy', '--fail-level', 'WARNING')"
    )
    env = _production_env(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="example.org",
        DJANGO_SETTINGS_MODULE="aiplus.settings",
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_mode_refuses_the_default_key_and_debug():
    code = "import aiplus.settings"
    run = lambda env: subprocess.run(  # noqa: E731
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    result = run(_production_env())
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
    result = run(_production_env(SECRET_KEY="dev-only-insecure-key-change-me"))
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
    result = run(_production_env(SECRET_KEY=secrets.token_urlsafe(50), DEBUG="1"))
    assert result.returncode != 0 and "DEBUG" in result.stderr
    result = run(_production_env(SECRET_KEY=secrets.token_urlsafe(50)))
    assert result.returncode == 0, result.stderr


def test_production_defaults_are_strict_and_the_proxy_header_is_opt_in():
    code = (
        "from aiplus import settings as s; import json; print(json.dumps(["
        "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, s.LOG_FORMAT]))"
    )
    key = secrets.token_urlsafe(50)
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=_production_env(SECRET_KEY=key),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(out.stdout) == [True, True, True, 31536000, None, "json"], out.stderr
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=_production_env(SECRET_KEY=key, PROXY_SSL_HEADER="X-Forwarded-Proto"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(out.stdout)[4] == ["HTTP_X_FORWARDED_PROTO", "https"], out.stderr


def test_empty_values_from_env_example_mean_the_mode_default():
    code = "from aiplus import settings as s; print(s.SECURE_HSTS_SECONDS, s.LOG_FORMAT)"
    env = _production_env(
        SECRET_KEY=secrets.token_urlsafe(50), SECURE_HSTS_SECONDS="", LOG_FORMAT=""
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.split() == ["31536000", "json"], out.stderr
