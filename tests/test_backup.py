"""`aiplus backup` / `aiplus restore` against real database files, in subprocesses (the test
database of pytest-django is in memory for SQLite and transactional, which a backup cannot see).

One module fixture migrates a SQLite file, loads the city pack, adds organisations, users and
uploads, and backs it up; each test restores into a copy of an empty migrated database.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from aiplus.core import backup as backup_module
from aiplus.core.backup import MANIFEST, MEDIA_ARCHIVE, BackupError, sha256

CREATE = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from aiplus.accounts.choices import OrgStatus, Role
from aiplus.accounts.models import Organisation, User
from aiplus.core.models import Area, DemanderType
for i, kind in enumerate([Role.DEMANDER, Role.SUPPLIER, Role.OFFICE]):
    org = Organisation.objects.create(
        name=f"备份测试单位{i}", kind=kind, status=OrgStatus.APPROVED,
        area=Area.objects.get(code="sip"),
        demander_type=DemanderType.objects.first() if kind == Role.DEMANDER else None,
    )
    User.objects.create_user(
        username=f"bk{i}", password="Aiplus-test-2026!", organisation=org,
        display_name=f"备份用户{i}",
    )
default_storage.save("catalogue/files/样例.bin", ContentFile(bytes(range(256)) * 40))
default_storage.save("top.txt", ContentFile("你好".encode()))
"""

SNAPSHOT = """
import json
from django.apps import apps
from aiplus.accounts.models import Organisation, User
from aiplus.core.models import Area
counts = {
    m._meta.label: m._base_manager.count() for m in apps.get_models(include_auto_created=True)
}
user = User.objects.filter(username="bk0").first()
values = {
    "users": sorted(User.objects.values_list("username", "display_name", "organisation__name")),
    "orgs": sorted(Organisation.objects.values_list("name", "kind", "status", "area__code")),
    "areas": sorted(Area.objects.values_list("code", "name", "kind")),
    "password_ok": bool(user and user.check_password("Aiplus-test-2026!")),
}
print("JSON:" + json.dumps({"counts": counts, "values": values}, ensure_ascii=False))
"""


def _env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        AIPLUS_VAR_DIR=str(var_dir),
        MATCHING_ENCODER="none",
        MATCHING_AUTO_INDEX="0",
        DJANGO_SETTINGS_MODULE="aiplus.settings",
        PYTHONIOENCODING="utf-8",
    )
    return env


def aiplus(env, *args, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "aiplus.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc


def snapshot(env) -> dict:
    out = aiplus(env, "shell", "-c", SNAPSHOT).stdout
    line = next(x for x in out.splitlines() if x.startswith("JSON:"))
    return json.loads(line[len("JSON:") :])


def media_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def sqlite_copy(src: Path, dst: Path) -> None:
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    a.backup(b)
    b.close()
    a.close()


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    root = tmp_path_factory.mktemp("backup-source")
    env = _env(f"sqlite:///{root / 'a.sqlite3'}", root / "var")
    aiplus(env, "migrate", "-v0")
    sqlite_copy(root / "a.sqlite3", root / "empty.sqlite3")  # an empty migrated database
    aiplus(env, "load-citypack", "suzhou")
    aiplus(env, "shell", "-c", CREATE)
    result = aiplus(env, "backup", str(root / "backup"))
    assert "已备份" in result.stdout
    return {
        "root": root,
        "env": env,
        "backup": root / "backup",
        "media": root / "var" / "media",
        "snapshot": snapshot(env),
    }


@pytest.fixture
def target(source, tmp_path):
    """An empty migrated SQLite database and an empty var folder."""
    shutil.copy(source["root"] / "empty.sqlite3", tmp_path / "b.sqlite3")
    var = tmp_path / "var"
    return {"env": _env(f"sqlite:///{tmp_path / 'b.sqlite3'}", var), "media": var / "media"}


def restore(target, folder, *extra):
    return aiplus(target["env"], "restore", str(folder), *extra, check=False)


def users_in(env) -> int:
    """Rows of accounts_user in the SQLite file of `env`, read without starting Django."""
    path = env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT COUNT(*) FROM accounts_user").fetchone()[0]


def test_manifest_describes_the_backup(source):
    folder = source["backup"]
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["format_version"] == 1
    assert manifest["vendor"] == "sqlite"
    assert manifest["migrations"]["accounts"].startswith("0")
    assert manifest["media_files"] == 2
    assert manifest["rows"]["accounts_user"] == 3
    for name, digest in manifest["checksums"].items():
        assert sha256(folder / name) == digest
    with tarfile.open(folder / MEDIA_ARCHIVE) as tar:
        assert sorted(tar.getnames()) == ["catalogue/files/样例.bin", "top.txt"]


def test_round_trip_into_an_empty_database(source, target):
    before = source["snapshot"]
    assert before["values"]["users"] and before["counts"]["core.Area"] > 0

    result = restore(target, source["backup"])
    assert result.returncode == 0, result.stderr
    assert "已从" in result.stdout

    after = snapshot(target["env"])
    assert after == before
    assert after["values"]["password_ok"] is True
    assert media_bytes(target["media"]) == media_bytes(source["media"])
    assert not list(target["media"].parent.glob(".restore-*"))  # no staging left behind

    # Now the target holds data: a second restore is refused without --force.
    result = restore(target, source["backup"])
    assert result.returncode != 0
    assert "已有数据" in result.stderr and "--force" in result.stderr
    (target["media"] / "stray.txt").write_text("removed by a forced restore")
    assert restore(target, source["backup"], "--force").returncode == 0
    assert users_in(target["env"]) == 3
    assert media_bytes(target["media"]) == media_bytes(source["media"])


def test_restore_refuses_a_checksum_mismatch(source, target, tmp_path):
    folder = _copy_backup(source, tmp_path)
    with open(folder / "database.sqlite3", "r+b") as fh:
        fh.seek(5000)
        fh.write(b"\x00garbage\x00")
    result = restore(target, folder)
    assert result.returncode != 0 and "校验和不符" in result.stderr
    assert users_in(target["env"]) == 0
    assert not target["media"].exists()


# Refusals that happen before the database is touched, checked in this process (the backup's
# vendor is SQLite whatever database the test run itself uses).


@pytest.fixture
def as_sqlite(monkeypatch):
    monkeypatch.setattr(backup_module, "_vendor", lambda: "sqlite")


def _copy_backup(source, tmp_path) -> Path:
    folder = tmp_path / "copy"
    shutil.copytree(source["backup"], folder)
    return folder


def _rewrite_manifest(folder: Path, **changes) -> None:
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    manifest.update(changes)
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def test_backup_refuses_a_non_empty_folder(tmp_path):
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "note.txt").write_text("x")
    with pytest.raises(BackupError, match="不为空.*--force"):
        backup_module.backup(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["note.txt"]


def test_restore_refuses_a_changed_media_archive(source, tmp_path, as_sqlite):
    folder = _copy_backup(source, tmp_path)
    with open(folder / MEDIA_ARCHIVE, "ab") as fh:
        fh.write(b"x")
    with pytest.raises(BackupError, match="media.tar.gz 的校验和不符"):
        backup_module.restore(folder)


def test_restore_refuses_missing_files_and_manifests(source, tmp_path, as_sqlite):
    folder = _copy_backup(source, tmp_path)
    (folder / MEDIA_ARCHIVE).unlink()
    with pytest.raises(BackupError, match="media.tar.gz 缺失"):
        backup_module.restore(folder)
    (folder / MANIFEST).unlink()
    with pytest.raises(BackupError, match="缺少 manifest.json"):
        backup_module.restore(folder)
    with pytest.raises(BackupError, match="不存在"):
        backup_module.restore(tmp_path / "nowhere")


def test_restore_refuses_another_vendor_or_format(source, tmp_path, monkeypatch):
    folder = _copy_backup(source, tmp_path)
    monkeypatch.setattr(backup_module, "_vendor", lambda: "postgresql")
    with pytest.raises(BackupError, match="备份来自 sqlite 数据库，当前配置的是 postgresql"):
        backup_module.restore(folder)
    _rewrite_manifest(folder, format_version=99)
    with pytest.raises(BackupError, match="格式版本 99"):
        backup_module.restore(folder)


def test_restore_refuses_migrations_from_a_newer_platform(source, tmp_path, as_sqlite):
    folder = _copy_backup(source, tmp_path)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    _rewrite_manifest(folder, migrations={**manifest["migrations"], "core": "9999_future"})
    with pytest.raises(BackupError, match="core.9999_future"):
        backup_module.restore(folder)


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil.txt", "a/../../evil.txt"])
def test_restore_refuses_unsafe_archive_members(source, tmp_path, settings, as_sqlite, name):
    folder = _copy_backup(source, tmp_path)
    data = b"pwned"
    with tarfile.open(folder / MEDIA_ARCHIVE, "w:gz") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    checksums = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["checksums"]
    checksums[MEDIA_ARCHIVE] = sha256(folder / MEDIA_ARCHIVE)
    _rewrite_manifest(folder, checksums=checksums)
    with pytest.raises(BackupError, match="不安全的路径"):
        backup_module.restore(folder)
    assert not (Path(settings.MEDIA_ROOT).parent / "evil.txt").exists()
    assert not list(Path(settings.MEDIA_ROOT).parent.glob(".restore-*"))


# --- PostgreSQL --------------------------------------------------------------------------------

PG_URL = os.environ.get("DATABASE_URL", "")
PG_TOOLS = all(shutil.which(p) for p in ["pg_dump", "pg_restore", "createdb", "dropdb"])


def _pg_url(name: str) -> str:
    parts = urlsplit(PG_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _pg_args() -> list[str]:
    import dj_database_url

    conf = dj_database_url.parse(PG_URL)
    args = []
    if conf.get("HOST") or conf["OPTIONS"].get("host"):
        args.append(f"--host={conf.get('HOST') or conf['OPTIONS']['host']}")
    if conf.get("PORT"):
        args.append(f"--port={conf['PORT']}")
    if conf.get("USER"):
        args.append(f"--username={conf['USER']}")
    return args


@pytest.mark.skipif(
    not PG_URL.startswith(("postgres://", "postgresql://")),
    reason="DATABASE_URL does not point at PostgreSQL",
)
@pytest.mark.skipif(not PG_TOOLS, reason="pg_dump / pg_restore / createdb not installed")
def test_postgresql_round_trip(tmp_path):
    import dj_database_url

    password = dj_database_url.parse(PG_URL).get("PASSWORD")
    pg_env = dict(os.environ, **({"PGPASSWORD": password} if password else {}))
    stem = f"aiplus_bk_{uuid.uuid4().hex[:10]}"
    names = [stem + "_src", stem + "_dst"]
    for name in names:
        subprocess.run(["createdb", *_pg_args(), name], env=pg_env, check=True)
    try:
        src = _env(_pg_url(names[0]), tmp_path / "var-src")
        dst = _env(_pg_url(names[1]), tmp_path / "var-dst")
        aiplus(src, "migrate", "-v0")
        aiplus(src, "load-citypack", "suzhou")
        aiplus(src, "shell", "-c", CREATE)
        aiplus(src, "backup", str(tmp_path / "backup"))
        manifest = json.loads((tmp_path / "backup" / MANIFEST).read_text(encoding="utf-8"))
        assert manifest["vendor"] == "postgresql"
        assert (tmp_path / "backup" / "database.dump").stat().st_size > 0

        # The target is a brand-new, unmigrated database: the dump brings the schema.
        result = aiplus(dst, "restore", str(tmp_path / "backup"))
        assert "已从" in result.stdout
        assert snapshot(dst) == snapshot(src)
        assert media_bytes(tmp_path / "var-dst" / "media") == media_bytes(
            tmp_path / "var-src" / "media"
        )
        # Now it holds data: refused without --force, accepted with it.
        assert "已有数据" in aiplus(dst, "restore", str(tmp_path / "backup"), check=False).stderr
        aiplus(dst, "restore", str(tmp_path / "backup"), "--force")
        assert snapshot(dst)["counts"] == snapshot(src)["counts"]
    finally:
        for name in names:
            subprocess.run(["dropdb", *_pg_args(), "--if-exists", name], env=pg_env)
