"""Restart PostgreSQL under traffic and report what the users saw (issue #8).

    .venv/bin/python bench/faults/pg_restart.py [--after 20] [--threads 4] [--baseline]

1. a scratch database (`--db`, default aiplus_pgrestart): dropped, created, migrated, the
   Suzhou pack loaded;
2. gunicorn (`--workers`, 2) serving it in production mode on a free loopback port (plain HTTP,
   no TLS proxy), with the settings of bench/faults/settings.py (the project's, plus the 503
   middleware if settings.py does not list it yet; `--baseline`: without it and without
   CONN_HEALTH_CHECKS, i.e. as before issue #8);
3. `--threads` clients request pages and API endpoints in a loop; after `--warm` seconds
   `pg_ctlcluster 15 main restart` (fast mode: every session is ended); the clients go on for
   `--after` seconds;
4. prints per phase (before, during = from the restart until the last failed request, after)
   the responses by status, the distinct error answers, whether any was a 500 or showed a
   traceback, and how long after the restart the service answered normally again; the same as
   JSON with `--json FILE`.

It restarts the whole cluster: it refuses to (exit 3) while any other database has client
connections (other test runs, the load test), unless `--force`.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
URLS = ["/", "/demands/", "/catalogue/", "/api/sectors", "/api/areas", "/readyz"]
PGHOST = os.environ.get("PGHOST", "/var/run/postgresql")


def psql(sql: str, db: str = "postgres") -> str:
    done = subprocess.run(
        ["psql", "-h", PGHOST, "-d", db, "-XAtqc", sql], capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"psql failed: {done.stderr.strip()}")
    return done.stdout.strip()


def other_clients(db: str) -> list[str]:
    rows = psql(
        "SELECT datname || ' (' || count(*) || ')' FROM pg_stat_activity "
        "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() "
        f"AND datname IS NOT NULL AND datname NOT IN ('{db}') GROUP BY datname"
    )
    return [r for r in rows.splitlines() if r]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(db: str, var: Path, baseline: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://{os.environ.get('USER', 'root')}@/{db}?host={PGHOST}",
        DJANGO_SETTINGS_MODULE="bench.faults.settings",
        PYTHONPATH=str(ROOT),
        AIPLUS_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        AIPLUS_VAR_DIR=str(var),
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        MATCHING_ENCODER="none",
        MATCHING_AUTO_INDEX="0",
        LOG_LEVEL="WARNING",
        API_RATE_ANON="",  # the clients are one address: no rate limit in the way
        API_RATE_USER="",
        AIPLUS_FAULTS_BASELINE="1" if baseline else "0",
    )
    return env


def prepare(db: str, env: dict) -> None:
    psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{db}"')
    for args in (
        ["migrate", "--no-input", "-v", "0"],
        ["load-citypack", "suzhou"],
        ["collectstatic", "--no-input", "-v", "0"],
    ):
        subprocess.run([str(BIN / "aiplus"), *args], env=env, cwd=ROOT, check=True, stdout=1)


def wait_ready(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


class Traffic:
    """Clients requesting URLS in turn; every answer is kept as (t, url, status, kind, text)."""

    def __init__(self, base: str, threads: int):
        self.base, self.threads = base, threads
        self.results: list[tuple] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def _one(self, url: str) -> tuple:
        t = time.monotonic()
        try:
            with urllib.request.urlopen(self.base + url, timeout=15) as response:
                return (t, url, response.status, "", "")
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", "replace")
            return (t, url, exc.code, exc.headers.get("Content-Type", ""), body)
        except OSError as exc:  # no HTTP answer at all
            return (t, url, 0, "", f"{type(exc).__name__}: {exc}")

    def _loop(self, offset: int) -> None:
        i = offset
        while not self.stop.is_set():
            result = self._one(URLS[i % len(URLS)])
            with self.lock:
                self.results.append(result)
            i += 1
            time.sleep(0.02)

    def start(self) -> None:
        self.workers = [
            threading.Thread(target=self._loop, args=(n,), daemon=True) for n in range(self.threads)
        ]
        for worker in self.workers:
            worker.start()

    def finish(self) -> None:
        self.stop.set()
        for worker in self.workers:
            worker.join()


def describe(status: int, ctype: str, body: str) -> str:
    if status == 0:
        return body[:120]
    if "json" in ctype:
        try:
            return f"{status} JSON {json.loads(body).get('message', body[:80])}"
        except ValueError:
            pass
    text = " ".join(body.split())
    for marker in ("数据库暂时无法连接", "Server Error", "Traceback"):
        if marker in text:
            return f"{status} page: …{marker}…"
    return f"{status} {ctype} {text[:80]}"


def summarise(results: list[tuple], t0: float, restart: tuple[float, float]) -> dict:
    start, end = restart
    failures = [r for r in results if r[0] >= start and not 200 <= r[2] < 500]
    last_failure = max((r[0] for r in failures), default=end)
    phases = {
        "before": [r for r in results if r[0] < start],
        "during": [r for r in results if start <= r[0] <= last_failure],
        "after": [r for r in results if r[0] > last_failure],
    }
    out = {
        "restart_seconds": round(end - start, 2),
        "recovered_seconds_after_restart_began": round(last_failure - start, 2),
        "recovered_seconds_after_restart_returned": round(max(0.0, last_failure - end), 2),
    }
    for name, rows in phases.items():
        errors = collections.Counter(
            describe(r[2], r[3], r[4]) for r in rows if not 200 <= r[2] < 500
        )
        out[name] = {
            "requests": len(rows),
            "by_status": dict(sorted(collections.Counter(r[2] for r in rows).items())),
            "errors": dict(errors.most_common()),
            "500s": sum(r[2] == 500 for r in rows),
            "no_answer": sum(r[2] == 0 for r in rows),
            "tracebacks": sum("Traceback" in r[4] for r in rows),
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="aiplus_pgrestart")
    parser.add_argument("--cluster", default="15 main")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--warm", type=float, default=5)
    parser.add_argument("--after", type=float, default=20)
    parser.add_argument("--baseline", action="store_true")
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--json", help="also write the summary to this file")
    args = parser.parse_args()

    busy = other_clients(args.db)
    if busy and not args.force:
        print("Not restarting: other databases have client connections:", ", ".join(busy))
        return 3
    var = Path(tempfile.mkdtemp(prefix="pgrestart-"))
    env = environment(args.db, var, args.baseline)
    prepare(args.db, env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "aiplus.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", str(args.workers), "--error-logfile", str(var / "gunicorn.log")],
        env=env,
        cwd=ROOT,
        stderr=open(var / "app.log", "wb"),  # noqa: SIM115 - open for the server's lifetime
        start_new_session=True,
    )
    try:
        wait_ready(base)
        traffic = Traffic(base, args.threads)
        t0 = time.monotonic()
        traffic.start()
        time.sleep(args.warm)
        busy = other_clients(args.db)
        if busy and not args.force:
            traffic.finish()
            print("Not restarting: other databases now have client connections:", ", ".join(busy))
            return 3
        start = time.monotonic()
        subprocess.run(["pg_ctlcluster", *args.cluster.split(), "restart"], check=True)
        end = time.monotonic()
        time.sleep(args.after)
        traffic.finish()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if not args.keep:
            psql(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    summary = {
        "mode": "baseline (no 503 middleware, no health checks)" if args.baseline else "issue #8",
        "workers": args.workers,
        "client_threads": args.threads,
        **summarise(traffic.results, t0, (start, end)),
        "logs": str(var),
    }
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
