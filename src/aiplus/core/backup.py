"""Backup and restore of the whole platform: the database plus the uploaded files.

A backup is a folder holding

- `database.sqlite3` (SQLite, written by the online backup API, so it is consistent while the
  platform runs) or `database.dump` (PostgreSQL, `pg_dump --format=custom --no-owner`);
- `media.tar.gz`, the uploads under MEDIA_ROOT;
- `manifest.json`: format version, time, database vendor, the latest applied migration per app,
  row counts per table, the number of media files and the sha256 of each artefact.

`restore` checks the manifest and the checksums before it touches anything, refuses a database
(or media folder) that already holds data unless forced, restores the database, and then swaps
the media folder for the unpacked archive (unpacked beside it first, so a failure leaves the
old folder in place).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from aiplus.core.errors import ServiceError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar.gz"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
# Tables that `migrate` fills by itself: rows there do not make a database "hold data".
MIGRATE_TABLES = {"django_migrations", "django_content_type", "auth_permission"}


class BackupError(ServiceError):
    """A refused backup or restore; the message is Chinese and meant for the operator."""


@dataclass
class Manifest:
    created_at: str
    vendor: str
    database_file: str
    migrations: dict[str, str]  # app label → latest applied migration name
    rows: dict[str, int]  # table → row count
    media_files: int
    media_bytes: int
    checksums: dict[str, str]  # artefact file name → sha256
    format_version: int = FORMAT_VERSION
    django_version: str = ""
    extra: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        if not path.is_file():
            raise BackupError(f"备份目录 {folder} 中缺少 {MANIFEST}，不是有效的备份。")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BackupError(f"{MANIFEST} 无法读取：{exc}") from exc
        version = data.get("format_version") if isinstance(data, dict) else None
        if version != FORMAT_VERSION:
            raise BackupError(
                f"{MANIFEST} 的格式版本 {version} 不受支持（本程序支持 {FORMAT_VERSION}）。"
            )
        known = {f for f in cls.__dataclass_fields__}
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except TypeError as exc:
            raise BackupError(f"{MANIFEST} 缺少必要字段：{exc}") from exc


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- database helpers ------------------------------------------------------------------------


def _connection():
    from django.db import connections

    return connections["default"]


def _vendor() -> str:
    vendor = _connection().vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"不支持备份 {vendor} 数据库（支持 SQLite 与 PostgreSQL）。")
    return vendor


def _sqlite_path() -> Path:
    name = str(_connection().settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("内存中的 SQLite 数据库无法备份或恢复。")
    return Path(name)


def _pg_command(program: str) -> tuple[list[str], dict[str, str]]:
    """`program` with host/port/user from DATABASES and the password in PGPASSWORD."""
    if not shutil.which(program):
        raise BackupError(f"找不到 {program}，请先安装 PostgreSQL 客户端工具。")
    conf = _connection().settings_dict
    options = conf.get("OPTIONS") or {}
    args = [program]
    host = conf.get("HOST") or options.get("host")
    port = conf.get("PORT") or options.get("port")
    user = conf.get("USER") or options.get("user")
    if host:
        args.append(f"--host={host}")
    if port:
        args.append(f"--port={port}")
    if user:
        args.append(f"--username={user}")
    args.append("--no-password")
    env = dict(os.environ)
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return args, env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    proc = subprocess.run(args, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip()[-2000:]
        raise BackupError(f"{what}失败（{args[0]} 退出码 {proc.returncode}）：{detail}")


def migration_state() -> dict[str, str]:
    """App label → name of its latest applied migration (by name; they are numbered)."""
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(_connection())
    if not recorder.has_table():
        return {}
    latest: dict[str, str] = {}
    for app, name in recorder.applied_migrations():
        if app not in latest or name > latest[app]:
            latest[app] = name
    return dict(sorted(latest.items()))


def row_counts() -> dict[str, int]:
    """Table → number of rows, for every table in the database."""
    conn = _connection()
    counts: dict[str, int] = {}
    with conn.cursor() as cursor:
        for table in sorted(conn.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {conn.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _database_has_data() -> list[str]:
    """Tables (other than those `migrate` fills) that hold rows."""
    return [t for t, n in row_counts().items() if n and t not in MIGRATE_TABLES]


# --- media helpers ---------------------------------------------------------------------------


def _media_root() -> Path:
    from django.conf import settings

    return Path(settings.MEDIA_ROOT)


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _pack_media(root: Path, archive: Path) -> tuple[int, int]:
    files = _media_files(root)
    with tarfile.open(archive, "w:gz") as tar:
        for path in files:
            tar.add(path, arcname=path.relative_to(root).as_posix(), recursive=False)
    return len(files), sum(p.stat().st_size for p in files)


def _check_archive(archive: Path) -> None:
    """Refuse absolute names, `..`, links and special files before anything is unpacked."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{archive.name} 无法读取：{exc}") from exc
    for member in members:
        name = PurePosixPath(member.name)
        if name.is_absolute() or member.name.startswith(("/", "\\")) or ".." in name.parts:
            raise BackupError(f"{archive.name} 含有不安全的路径 {member.name!r}，拒绝恢复。")
        if not (member.isfile() or member.isdir()):
            raise BackupError(f"{archive.name} 含有非普通文件 {member.name!r}，拒绝恢复。")


# --- backup ----------------------------------------------------------------------------------


def backup(folder: str | Path, *, force: bool = False) -> Manifest:
    """Write the database, the media archive and manifest.json into `folder`."""
    import django

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise BackupError(f"{folder} 不是目录。")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise BackupError(f"备份目录 {folder} 不为空；如需覆盖请加 --force。")
    folder.mkdir(parents=True, exist_ok=True)
    vendor = _vendor()
    db_file = folder / DATABASE_FILES[vendor]
    for stale in [folder / MANIFEST, db_file, folder / MEDIA_ARCHIVE]:
        stale.unlink(missing_ok=True)

    # Counts and migration state first: the snapshot taken next is at least as new.
    migrations = migration_state()
    rows = row_counts()
    if vendor == "sqlite":
        source = _sqlite_path()
        if not source.is_file():
            raise BackupError(f"数据库文件 {source} 不存在。")
        src = sqlite3.connect(source, timeout=30)
        dst = sqlite3.connect(db_file)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
            src.close()
    else:
        args, env = _pg_command("pg_dump")
        args += ["--format=custom", "--no-owner", f"--file={db_file}"]
        args.append(_connection().settings_dict["NAME"])
        _run(args, env, "导出 PostgreSQL 数据库")

    media_files, media_bytes = _pack_media(_media_root(), folder / MEDIA_ARCHIVE)
    manifest = Manifest(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        vendor=vendor,
        database_file=db_file.name,
        migrations=migrations,
        rows=rows,
        media_files=media_files,
        media_bytes=media_bytes,
        checksums={name: sha256(folder / name) for name in [db_file.name, MEDIA_ARCHIVE]},
        django_version=django.get_version(),
    )
    (folder / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    return manifest


# --- restore ---------------------------------------------------------------------------------


def verify(folder: str | Path) -> Manifest:
    """Read the manifest and check vendor, files, checksums and the media archive's members."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BackupError(f"备份目录 {folder} 不存在。")
    manifest = Manifest.read(folder)
    vendor = _vendor()
    if manifest.vendor != vendor:
        raise BackupError(
            f"备份来自 {manifest.vendor} 数据库，当前配置的是 {vendor}，不能直接恢复。"
        )
    expected = {DATABASE_FILES[vendor], MEDIA_ARCHIVE}
    if manifest.database_file != DATABASE_FILES[vendor] or set(manifest.checksums) != expected:
        raise BackupError(f"{MANIFEST} 列出的文件与预期不符：{sorted(manifest.checksums)}。")
    for name, digest in sorted(manifest.checksums.items()):
        path = folder / name
        if not path.is_file():
            raise BackupError(f"备份文件 {name} 缺失。")
        if sha256(path) != digest:
            raise BackupError(f"备份文件 {name} 的校验和不符，文件可能已损坏或被改动。")
    _check_archive(folder / MEDIA_ARCHIVE)
    _check_migrations(manifest)
    return manifest


def _check_migrations(manifest: Manifest) -> None:
    """Refuse a backup made by a newer version of the platform (migrations unknown here)."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [f"{a}.{n}" for a, n in manifest.migrations.items() if (a, n) not in known]
    if unknown:
        raise BackupError("备份来自更新版本的平台，本程序不认识这些迁移：" + "，".join(unknown[:5]))


def restore(folder: str | Path, *, force: bool = False) -> Manifest:
    """Restore the database and the media folder from a backup made by `backup`."""
    from django.db import connections

    folder = Path(folder)
    manifest = verify(folder)
    media_root = _media_root()
    if not force:
        busy = _database_has_data()
        if busy:
            raise BackupError(
                f"目标数据库已有数据（{'、'.join(busy[:5])} 等 {len(busy)} 张表）；"
                "如确需覆盖请加 --force。"
            )
        if _media_files(media_root):
            raise BackupError(f"上传文件目录 {media_root} 不为空；如确需覆盖请加 --force。")

    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root.parent))
    try:
        with tarfile.open(folder / MEDIA_ARCHIVE, "r:gz") as tar:
            tar.extractall(staging, filter="data")
        _restore_database(folder / manifest.database_file, manifest.vendor)
        connections.close_all()
        old = None
        if media_root.exists():
            old = media_root.with_name(f".{media_root.name}.old-{os.getpid()}")
            media_root.rename(old)
        staging.rename(media_root)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _restore_database(dump: Path, vendor: str) -> None:
    from django.db import connections

    if vendor == "sqlite":
        target = _sqlite_path()
        connections.close_all()
        target.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(dump)
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)
        except sqlite3.Error as exc:
            raise BackupError(f"恢复 SQLite 数据库失败：{exc}") from exc
        finally:
            dst.close()
            src.close()
    else:
        connections.close_all()
        args, env = _pg_command("pg_restore")
        name = _connection().settings_dict["NAME"]
        args += ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
        args += [f"--dbname={name}", str(dump)]
        _run(args, env, "恢复 PostgreSQL 数据库")
