"""Known-vulnerability check of the installed dependencies (.ci/run, `make audit`).

Runs pip-audit over this virtualenv (the project itself skipped) against OSV, then against PyPI's
advisory data, and reads its JSON report:

- a dependency with a known vulnerability: lists them and exits 1;
- every dependency audited and clean: exits 0;
- no vulnerability service reachable (a machine without internet sees every package as "not
  found"): says loudly that the audit was NOT performed and exits 0, or 3 when
  AUDIT_REQUIRED=1 — set it wherever the internet is reachable, so an outage cannot pass.

Usage: python tools/audit_deps.py [--report FILE]   (FILE: a pip-audit JSON report to judge)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SERVICES = ("osv", "pypi")


def judge(report: dict) -> tuple[int, list[str], int]:
    """(exit status, lines to print, dependencies audited) for one pip-audit JSON report."""
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    found = [(d, v) for d in audited for v in d.get("vulns", [])]
    if found:
        lines = [
            f"VULNERABLE {d['name']} {d['version']}: {v['id']}"
            + (
                f" (fixed in {', '.join(v.get('fix_versions', []))})"
                if v.get("fix_versions")
                else ""
            )
            for d, v in found
        ]
        return 1, lines, len(audited)
    if not audited:
        return 2, ["no dependency could be audited (vulnerability service unreachable?)"], 0
    return 0, [f"{len(audited)} dependencies audited, no known vulnerability"], len(audited)


def run(service: str) -> dict | None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        cmd = [
            sys.executable, "-m", "pip_audit", "--local", "--skip-editable",
            "--vulnerability-service", service, "--format", "json", "--output", str(out),
            "--progress-spinner", "off", "--timeout", "20",
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True)
        if not out.exists() or not out.read_text().strip():
            tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
            print(f"audit: {service}: no report ({tail[:200]})")
            return None
        return json.loads(out.read_text())


def main(argv: list[str]) -> int:
    required = os.environ.get("AUDIT_REQUIRED") == "1"
    if len(argv) == 2 and argv[0] == "--report":
        reports = [json.loads(Path(argv[1]).read_text())]
    else:
        reports = [r for r in (run(s) for s in SERVICES) if r is not None]
    for report in reports:
        status, lines, audited = judge(report)
        for line in lines:
            print(f"audit: {line}")
        if status in (0, 1):
            return status
    print("audit: NOT PERFORMED — no vulnerability database was reachable from this machine.")
    return 3 if required else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
