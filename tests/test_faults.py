"""Faults and bad input (issue #8).

1. A process killed (SIGKILL) in the middle of an import or an allocation approval keeps
   nothing: the demand .xlsx import and the catalogue CSV import run as their `aiplus`
   commands, the programme values import and the approval as `python -m tests.faults.ops`,
   each in its own process against an on-disk database prepared once for the module (a SQLite
   file, or a scratch PostgreSQL database when the suite runs on PostgreSQL). The hook
   `aiplus.core.faults.pause` stops the process at a named point after some rows are written
   (AIPLUS_FAULT_PAUSE); the test waits for its marker file and kills -9. Every table is then
   exactly as before (row for row), and the same operation run again succeeds in full. None of
   these operations runs as a django-tasks task (the only tasks re-index the matching engine).
2. PostgreSQL restarting: what a restart does to the app's connections — the server ends them —
   is done by `pg_terminate_backend` from a second connection; the next request gets a clean 503
   (a Chinese page, or JSON under /api/) and the one after it succeeds. With
   CONN_HEALTH_CHECKS an idle connection is replaced before a request uses it. The real restart
   is bench/faults/pg_restart.py.
3. A full disk on upload (`tests.faults.fulldisk.FullDiskStorage`: writes fail with ENOSPC after
   a few bytes) gives a form error on the page and a 507 with a Chinese message in the API;
   no row is saved and no partial file is left.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, close_old_connections
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse

from aiplus.accounts.choices import Role
from aiplus.accounts.models import Organisation
from aiplus.catalogue.models import AccessRequest, Entry, File, Version
from aiplus.compute.models import AllocationRun, Application, LedgerEntry, Order
from aiplus.core import faults, uploads
from aiplus.core.models import AuditEntry, Sector
from aiplus.policies.models import EnterpriseProfile, ProfileEvidence
from aiplus.programme.models import Evidence, Submission
from aiplus.scenarios.models import Demand, DemandTransition

from .apiclient import api_as
from .catalogue.support import make_entry, on_request
from .factories import make_user

ROOT = Path(__file__).resolve().parent.parent
ON_POSTGRES = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
MIDDLEWARE = "aiplus.core.dberrors.ServiceUnavailableMiddleware"
WAIT_SECONDS = 120  # bound on waiting for a subprocess (a hung run fails instead of hanging)


def pg_params(base: dict) -> dict:
    """psycopg connection arguments of a Django PostgreSQL database setting."""
    keys = {"host": "HOST", "port": "PORT", "user": "USER", "password": "PASSWORD"}
    return {k: base.get(v) for k, v in keys.items() if base.get(v)}


def aiplus_command(*args: str) -> list[str]:
    """`aiplus ARGS --skip-checks` (the system checks would import every URL and API module:
    seconds per process, nothing to do with the operation)."""
    script = Path(sys.executable).with_name("aiplus")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "aiplus.cli"]
    return [*command, *args, "--skip-checks"]


def ops_command() -> list[str]:
    return [sys.executable, "-m", "tests.faults.ops"]


# --- the on-disk database the subprocesses share with the test ------------------------------


class DiskDatabase:
    """A database outside the test database: a SQLite file, or a scratch PostgreSQL database
    on the test's server. The test reads it with a raw connection of its own."""

    def __init__(self, folder: Path):
        self.folder = folder
        if ON_POSTGRES:
            base = django_settings.DATABASES["default"]
            self.name = f"{base['NAME']}_faults_{os.getpid()}"[:63]
            self.params = pg_params(base)
            parts = urlsplit(os.environ["DATABASE_URL"])
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
        else:
            self.path = folder / "faults.sqlite3"
            self.url = f"sqlite:///{self.path}"

    # connections
    def connect(self, dbname: str | None = None):
        if ON_POSTGRES:
            import psycopg

            return psycopg.connect(dbname=dbname or self.name, autocommit=True, **self.params)
        return sqlite3.connect(self.path)

    def create(self) -> None:
        if ON_POSTGRES:
            with self.connect("postgres") as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        if ON_POSTGRES:
            with self.connect("postgres") as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIPLUS_FAULT_")}
        env.update(
            DJANGO_SETTINGS_MODULE="aiplus.settings",
            DATABASE_URL=self.url,
            AIPLUS_VAR_DIR=str(self.folder / "var"),
            MATCHING_ENCODER="none",
            MATCHING_AUTO_INDEX="0",
            TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
            PYTHONPATH=str(ROOT),
            **extra,
        )
        return env

    # reading
    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        if not ON_POSTGRES:
            sql = sql.replace("%s", "?")
        conn = self.connect()
        try:
            return list(conn.execute(sql, params).fetchall())
        finally:
            conn.close()

    def scalar(self, sql: str, params: tuple = ()):
        return self.query(sql, params)[0][0]

    def count(self, model, where: str = "", params: tuple = ()) -> int:
        sql = f'SELECT COUNT(*) FROM "{model._meta.db_table}"'
        return self.scalar(sql + (f" WHERE {where}" if where else ""), params)

    def tables(self) -> list[str]:
        if ON_POSTGRES:
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        return sorted(name for (name,) in self.query(sql))

    def snapshot(self) -> dict[str, tuple[int, str]]:
        """Every table: its row count and a digest of its rows (in any order)."""
        out = {}
        for table in self.tables():
            rows = sorted(repr(row) for row in self.query(f'SELECT * FROM "{table}"'))
            out[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        return out

    def writing_to(self, model) -> bool:
        """Whether another process is inside a transaction that wrote to `model`'s table (on
        SQLite: holds the write lock, which is all a SQLite file shows of it)."""
        if ON_POSTGRES:
            sql = (
                "SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() "
                "AND a.state = 'idle in transaction' AND l.mode = 'RowExclusiveLock' "
                "AND c.relname = %s"
            )
            return self.scalar(sql, (model._meta.db_table,)) > 0
        conn = sqlite3.connect(self.path, timeout=0)
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # database is locked
            return True
        else:
            conn.rollback()
            return False
        finally:
            conn.close()

    def wait_for_other_sessions_to_end(self) -> None:
        """On PostgreSQL the killed client's server process ends (rolling back) once it sees
        the closed socket; wait for that so a re-run does not queue behind its locks."""
        if not ON_POSTGRES:
            return
        deadline = time.monotonic() + WAIT_SECONDS
        sql = (
            "SELECT COUNT(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        while self.scalar(sql) and time.monotonic() < deadline:
            time.sleep(0.05)

    def prepare(self) -> None:
        """Start `tests.faults.ops prepare` (once); `ready()` waits for it."""
        if getattr(self, "preparing", None) is not None:
            return
        self.create()
        with open(self.folder / "prepare.log", "wb") as log:
            self.preparing = subprocess.Popen(
                [*ops_command(), "prepare", str(self.folder)],
                env=self.env(),
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def ready(self) -> None:
        self.prepare()
        returncode = self.preparing.wait(timeout=600)
        log = (self.folder / "prepare.log").read_text(errors="replace")
        assert returncode == 0, log[-4000:]
        self.data = json.loads((self.folder / "data.json").read_text())

    def discard(self) -> None:
        if getattr(self, "preparing", None) is not None:
            if self.preparing.poll() is None:
                self.preparing.kill()
                self.preparing.wait()
            self.drop()


@pytest.fixture(scope="module", autouse=True)
def _disk(request, tmp_path_factory):
    """The on-disk database of this module. Run alone, the module starts preparing it at once
    (if a selected test needs it), so that this runs while the tests on the test database,
    which pytest-django puts first, run. Under xdist a worker may run none of the tests that
    need it, so it is prepared only when one asks."""
    db = DiskDatabase(tmp_path_factory.mktemp("faults"))
    items = [i for i in request.session.items if i.module is request.module]
    if "PYTEST_XDIST_WORKER" not in os.environ and any("disk" in i.fixturenames for i in items):
        db.prepare()
    try:
        yield db
    finally:
        db.discard()


@pytest.fixture(scope="module")
def disk(_disk):
    """The database the subprocesses use: migrated, the Suzhou pack loaded, users, an offer,
    applications and a proposed allocation run, and the files to import (tests/faults/ops.py)."""
    if not hasattr(_disk, "data"):
        _disk.ready()
    return _disk


def run_and_kill(db: DiskDatabase, argv: list[str], point: str, written) -> None:
    """Run `argv` with the hook set to pause at `point`; once it is there, inside its
    transaction and having written rows of the model `written`, SIGKILL it."""
    marker = db.folder / f"{point.replace(':', '-')}.paused"
    log = db.folder / f"{point.replace(':', '-')}.log"
    env = db.env(AIPLUS_FAULT_PAUSE=point, AIPLUS_FAULT_MARKER=str(marker))
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while not marker.exists():
            if proc.poll() is not None:
                pytest.fail(
                    f"{argv} ended (exit {proc.returncode}) before reaching {point}:\n"
                    + log.read_text(errors="replace")[-3000:]
                )
            if time.monotonic() > deadline:
                pytest.fail(f"{argv} did not reach {point}")
            time.sleep(0.05)
        assert db.writing_to(written), f"{argv} paused at {point} outside a write transaction"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=WAIT_SECONDS)
    assert proc.returncode == -signal.SIGKILL
    db.wait_for_other_sessions_to_end()


def run(db: DiskDatabase, argv: list[str]) -> str:
    done = subprocess.run(
        argv, env=db.env(), cwd=ROOT, capture_output=True, text=True, timeout=WAIT_SECONDS * 2
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    return done.stdout


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))


def audit_count(db: DiskDatabase, action: str) -> int:
    return db.count(AuditEntry, "action = %s", (action,))


# --- 1. a process killed in the middle --------------------------------------------------------


def test_the_pause_hook_does_nothing_unless_asked(monkeypatch):
    monkeypatch.delenv("AIPLUS_FAULT_PAUSE", raising=False)
    faults.pause("demand-import")  # returns at once
    monkeypatch.setenv("AIPLUS_FAULT_PAUSE", "another-point")
    faults.pause("demand-import")


def test_demand_import_killed_midway_keeps_nothing(disk):
    argv = aiplus_command("import-demands", disk.data["demands"], "--as", "office")
    before = disk.snapshot()
    # paused after the demands, their tags and transitions are written, before the audit entry
    run_and_kill(disk, argv, "demand-import", Demand)
    assert changed_tables(before, disk.snapshot()) == []

    out = run(disk, argv)
    rows = disk.data["demand_rows"]
    assert f"已导入 {rows} 条场景需求" in out
    assert disk.count(Demand) == before[Demand._meta.db_table][0] + rows
    assert disk.count(DemandTransition) == before[DemandTransition._meta.db_table][0] + rows
    assert disk.count(Organisation) == before[Organisation._meta.db_table][0] + 2
    assert audit_count(disk, "demand.import") == 1
    assert disk.count(Demand, "code LIKE %s", ("~%",)) == 0  # every temporary code replaced


def test_programme_import_killed_midway_keeps_nothing(disk):
    argv = [*ops_command(), "programme-import", disk.data["values"]]
    before = disk.snapshot()
    run_and_kill(
        disk, argv, "programme-import:2", Submission
    )  # two of three values saved and submitted
    assert changed_tables(before, disk.snapshot()) == []

    assert json.loads(run(disk, argv).splitlines()[-1]) == {"created": 3}
    assert disk.count(Submission) == before[Submission._meta.db_table][0] + 3
    assert audit_count(disk, "programme.submit") == 3


def test_catalogue_import_killed_midway_keeps_nothing(disk):
    argv = aiplus_command("import-catalogue", disk.data["supplier"], disk.data["catalogue"])
    before = disk.snapshot()
    run_and_kill(disk, argv, "catalogue-import:2", Entry)  # two of three entries written
    assert changed_tables(before, disk.snapshot()) == []

    assert "导入 3 个条目" in run(disk, argv)
    assert disk.count(Entry) == before[Entry._meta.db_table][0] + 3
    assert disk.count(Version) == before[Version._meta.db_table][0] + 3
    assert disk.count(File) == before[File._meta.db_table][0] + 3
    assert audit_count(disk, "catalogue.file.add") == 3


def test_allocation_approval_killed_midway_keeps_nothing(disk):
    run_id, served = disk.data["run"], disk.data["served"]
    assert served == 3
    argv = [*ops_command(), "approve", str(run_id)]
    before = disk.snapshot()
    # paused after two orders are created and their vouchers granted through the ledger
    run_and_kill(disk, argv, "allocation-approve:2", Order)
    assert changed_tables(before, disk.snapshot()) == []
    run_table = AllocationRun._meta.db_table
    assert disk.scalar(f'SELECT status FROM "{run_table}" WHERE id = %s', (run_id,)) == "proposed"

    result = json.loads(run(disk, argv).splitlines()[-1])
    assert result == {"orders": served, "ledger_problems": []}
    assert disk.count(Order) == before[Order._meta.db_table][0] + served
    assert disk.count(LedgerEntry) > before[LedgerEntry._meta.db_table][0]
    assert disk.count(Application, "status = %s", ("allocated",)) == served
    assert disk.scalar(f'SELECT status FROM "{run_table}" WHERE id = %s', (run_id,)) == "approved"
    assert audit_count(disk, "compute.run.approve") == 1


# --- 2. the database going away under traffic ------------------------------------------------


@pytest.fixture
def outage_middleware(settings):
    """The middleware in MIDDLEWARE (added here if settings.py does not list it yet)."""
    if MIDDLEWARE not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [settings.MIDDLEWARE[0], MIDDLEWARE, *settings.MIDDLEWARE[1:]]


def assert_clean_503(response, *, api: bool):
    assert response.status_code == 503
    assert response["Retry-After"]
    body = response.content.decode()
    assert "Traceback" not in body and "OperationalError" not in body
    if api:
        assert response.json() == {"message": response.json()["message"], "errors": {}}
        assert "数据库暂时无法连接" in response.json()["message"]
    else:
        assert response["Content-Type"].startswith("text/html")
        assert "服务暂时不可用" in body and "数据库暂时无法连接" in body


@pytest.mark.django_db
def test_a_database_error_in_a_page_is_a_503_page(client, citypack, outage_middleware, monkeypatch):
    def broken():
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr("aiplus.core.views.public_demand_stats", broken)
    assert_clean_503(client.get(reverse("core:home")), api=False)


@pytest.mark.django_db
def test_a_full_disk_met_by_a_page_is_a_507_page(client, citypack, outage_middleware, monkeypatch):
    def no_space():
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("aiplus.core.views.public_demand_stats", no_space)
    response = client.get(reverse("core:home"))
    assert response.status_code == 507
    assert uploads.STORAGE_FULL_MESSAGE in response.content.decode()


class _Unreachable(QuerySet):
    """A queryset whose database has gone away: fails when it is evaluated."""

    def _fetch_all(self):
        raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.parametrize("lazy", [False, True], ids=["in-the-view", "serialising-a-queryset"])
@pytest.mark.django_db
def test_a_database_error_in_the_api_is_a_503_json(citypack, monkeypatch, lazy):
    """Raised in the view, or — the API returns lazy querysets — while the response is
    validated, where pydantic wraps it in a ValidationError (found by pg_restart.py: 500s)."""

    def all_sectors():
        if lazy:
            return _Unreachable(model=Sector)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(
        "aiplus.core.api.Sector", SimpleNamespace(objects=SimpleNamespace(all=all_sectors))
    )
    assert_clean_503(api_as().get("/api/sectors"), api=True)


def terminate_other_backends() -> int:
    """What a PostgreSQL restart does to the app: the server ends every connection. Done from a
    second connection to the test database, which stays."""
    import psycopg

    base = django_settings.DATABASES["default"]
    params = pg_params(base)
    with psycopg.connect(dbname=base["NAME"], autocommit=True, **params) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


postgres_only = pytest.mark.skipif(
    not ON_POSTGRES, reason="needs PostgreSQL: a SQLite file has no server connection to lose"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_connections_ended_by_the_server_give_a_clean_503_then_recover(
    client, citypack, outage_middleware
):
    home = reverse("core:home")
    assert client.get(home).status_code == 200  # the app holds an open connection
    assert terminate_other_backends() >= 1
    # the test client, unlike a server, does not check connections between requests: the
    # request meets the dead connection mid-way
    assert_clean_503(client.get(home), api=False)
    assert client.get(home).status_code == 200  # reconnected without help

    api = api_as(make_user(Role.DEMANDER))
    assert api.get("/api/me").status_code == 200
    assert terminate_other_backends() >= 1
    assert_clean_503(api.get("/api/me"), api=True)
    assert api.get("/api/me").status_code == 200
    # a list endpoint returns a lazy queryset: the error surfaces while serialising it
    assert api.get("/api/sectors").status_code == 200
    assert terminate_other_backends() >= 1
    assert_clean_503(api.get("/api/sectors"), api=True)
    assert api.get("/api/sectors").status_code == 200


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_health_checks_replace_an_idle_connection_killed_by_a_restart(client, citypack):
    assert django_settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    home = reverse("core:home")
    assert client.get(home).status_code == 200
    assert terminate_other_backends() >= 1
    close_old_connections()  # what the WSGI handler does when a request starts
    assert client.get(home).status_code == 200


# --- 3. a full disk on upload -----------------------------------------------------------------

BODY = b"image,label\n" + b"img.png,scratch\n" * 20  # more than the full disk's free bytes


@pytest.fixture
def full_disk(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.faults.fulldisk.FullDiskStorage"},
    }


def stored_files() -> list[str]:
    root = Path(django_settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def full_temporary_disk(settings, monkeypatch):
    """Every upload is spooled to a temporary file, and writing it fails: no space left."""
    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    def no_space(self, raw_data, start):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1
    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", no_space)


@pytest.fixture
def owner(citypack):
    return make_user(Role.SUPPLIER)


@pytest.fixture
def entry(owner):
    return make_entry(owner, body=None)  # published, a version without files


def reported_value(officer) -> Submission:
    """A district's reported value of an indicator, to attach evidence to."""
    from aiplus.programme import services as programme
    from aiplus.programme.models import Indicator
    from aiplus.programme.periods import parse_key

    return programme.save_value(
        actor=officer,
        indicator=Indicator.objects.get(code="ai-enterprises"),
        period=programme.period_for(parse_key("2026-03")),
        value="3200",
        area=officer.organisation.area,
    )


def counts(*models) -> dict:
    return {m.__name__: m.objects.count() for m in (*models, AuditEntry)}


def upload_on_the_page(client, owner, entry):
    """The entry's owner uploads BODY to its version through the catalogue's upload page."""
    client.force_login(owner)
    return client.post(
        reverse("catalogue:file_upload", args=[entry.pk]),
        {"version": entry.versions.get().pk, "file": SimpleUploadedFile("a.csv", BODY)},
    )


@pytest.mark.django_db
def test_a_full_temporary_disk_while_a_page_upload_is_read_is_a_507(
    owner, entry, full_temporary_disk
):
    """A page's upload is read by the CSRF check, before the view: the disk filling up then is
    a 507 page too (was: 500), with nothing saved. (The API's: see below.)"""
    files, before = stored_files(), counts(File)
    response = upload_on_the_page(Client(enforce_csrf_checks=True), owner, entry)
    assert response.status_code == 507
    assert uploads.STORAGE_FULL_MESSAGE in response.content.decode()
    assert counts(File) == before and stored_files() == files


@pytest.mark.django_db
def test_full_disk_on_a_page_upload_is_a_form_error(client, owner, entry, full_disk):
    files, before = stored_files(), counts(File)
    response = upload_on_the_page(client, owner, entry)
    assert response.status_code == 200
    assert uploads.STORAGE_FULL_MESSAGE in response.content.decode()
    assert counts(File) == before
    assert stored_files() == files


@pytest.mark.django_db
def test_full_disk_on_an_evidence_page_upload_is_a_message(client, district_officer, full_disk):
    submission = reported_value(district_officer)
    files, before = stored_files(), counts(Evidence)
    client.force_login(district_officer)
    response = client.post(
        reverse("programme:submission_action", args=[submission.pk, "evidence"]),
        {"file": SimpleUploadedFile("统计表.pdf", b"%PDF-1.4 " + BODY)},
        follow=True,
    )
    assert response.status_code == 200
    assert uploads.STORAGE_FULL_MESSAGE in response.content.decode()
    assert counts(Evidence) == before
    assert stored_files() == files


@pytest.mark.django_db
def test_full_disk_on_an_api_upload_is_a_507(owner, entry, full_disk):
    api = api_as(owner)
    files, before = stored_files(), counts(File)
    response = api.upload(
        f"/api/catalogue/versions/{entry.versions.get().pk}/files", BODY, name="a.csv"
    )
    assert response.status_code == 507
    assert response.json() == {
        "message": uploads.STORAGE_FULL_MESSAGE,
        "errors": {"file": "服务器存储空间不足。"},
    }
    assert counts(File) == before
    assert stored_files() == files


@pytest.mark.django_db
def test_full_disk_on_an_access_request_agreement_is_a_507(owner, demander, full_disk):
    wanted = on_request(owner, body=None)
    api = api_as(demander)
    files, before = stored_files(), counts(AccessRequest)
    response = api.client.post(
        f"/api/catalogue/entries/{wanted.pk}/requests",
        {
            "purpose": "训练本单位的缺陷检测模型。",
            "agreement": SimpleUploadedFile("协议.pdf", BODY),
        },
        **api.headers,
    )
    assert response.status_code == 507, response.content
    assert response.json()["message"] == uploads.STORAGE_FULL_MESSAGE
    assert counts(AccessRequest) == before
    assert stored_files() == files


@pytest.mark.django_db
def test_full_disk_on_profile_evidence_keeps_no_profile(demander, full_disk):
    from aiplus.policies import services as policies

    with pytest.raises(uploads.StorageFull) as refused:
        policies.add_evidence(
            actor=demander,
            organisation=demander.organisation,
            upload=SimpleUploadedFile("营业执照.pdf", b"%PDF-1.4 " + BODY),
        )
    assert refused.value.message == uploads.STORAGE_FULL_MESSAGE
    # the profile created for the evidence went with it
    assert not EnterpriseProfile.objects.filter(organisation=demander.organisation).exists()
    assert not ProfileEvidence.objects.exists() and stored_files() == []


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["catalogue-file", "access-agreement", "programme", "policies"])
def test_a_write_failing_after_the_file_was_stored_leaves_no_file(
    where, owner, demander, district_officer, entry, monkeypatch
):
    """The file is stored, then the audit write fails (the database gone, say): the row is
    rolled back and the stored file is removed with it."""
    from django.db import transaction

    from aiplus.catalogue import services as catalogue
    from aiplus.core import audit
    from aiplus.policies import services as policies
    from aiplus.programme import services as programme

    submission = reported_value(district_officer)
    wanted = on_request(owner, body=None, title="按申请开放的数据集")
    files = stored_files()

    def lost_database(**kw):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(audit, "record", lost_database)
    upload = SimpleUploadedFile("材料.pdf", b"%PDF-1.4 " + BODY)
    calls = {
        "catalogue-file": lambda: catalogue.add_file(
            actor=owner, version=entry.versions.get(), upload=upload
        ),
        "access-agreement": lambda: catalogue.request_access(
            actor=demander,
            entry=wanted,
            data={"purpose": "训练本单位的缺陷检测模型。"},
            agreement=upload,
        ),
        "programme": lambda: programme.add_evidence(
            actor=district_officer, submission=submission, upload=upload
        ),
        "policies": lambda: policies.add_evidence(
            actor=demander, organisation=demander.organisation, upload=upload
        ),
    }
    before = counts(File, AccessRequest, Evidence, ProfileEvidence)
    with pytest.raises(OperationalError), transaction.atomic():
        calls[where]()
    assert counts(File, AccessRequest, Evidence, ProfileEvidence) == before
    assert stored_files() == files


@pytest.mark.django_db
def test_full_temporary_disk_while_parsing_an_api_upload_is_a_507(
    owner, entry, full_temporary_disk
):
    """A large upload is spooled to a temporary file before any view runs; a full temporary
    disk there is a 507 too."""
    api = api_as(owner)
    before = counts(File)
    response = api.upload(
        f"/api/catalogue/versions/{entry.versions.get().pk}/files", BODY, name="a.csv"
    )
    assert response.status_code == 507
    assert response.json()["message"] == uploads.STORAGE_FULL_MESSAGE
    assert counts(File) == before


@pytest.mark.django_db
def test_an_upload_that_fits_is_stored_whole(owner, entry):
    response = api_as(owner).upload(
        f"/api/catalogue/versions/{entry.versions.get().pk}/files", BODY, name="a.csv"
    )
    assert response.status_code == 201
    item = File.objects.get(version__entry=entry)
    assert item.file.read() == BODY and stored_files() == [item.file.name]
