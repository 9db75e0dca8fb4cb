"""tools/audit_deps.py: how a pip-audit report is judged (.ci/run runs it on the real venv)."""

import importlib.util
import json
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location(
    "audit_deps", Path(__file__).resolve().parents[1] / "tools" / "audit_deps.py"
)
audit_deps = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_deps)

CLEAN = {"name": "django", "version": "5.2.19", "vulns": []}
VULNERABLE = {
    "name": "django",
    "version": "4.2.0",
    "vulns": [{"id": "PYSEC-2023-61", "fix_versions": ["4.2.1"], "aliases": ["CVE-2023-31047"]}],
}
SKIPPED = {"name": "zhconv", "skip_reason": "Dependency not found on PyPI and could not be audited"}


def test_a_known_vulnerability_fails_and_names_the_fix():
    status, lines, _ = audit_deps.judge({"dependencies": [CLEAN, VULNERABLE, SKIPPED]})
    assert status == 1
    assert lines == ["VULNERABLE django 4.2.0: PYSEC-2023-61 (fixed in 4.2.1)"]


def test_clean_dependencies_pass():
    assert audit_deps.judge({"dependencies": [CLEAN, SKIPPED]})[0] == 0


def test_nothing_audited_is_not_a_pass():
    status, lines, audited = audit_deps.judge({"dependencies": [SKIPPED, SKIPPED]})
    assert (status, audited) == (2, 0)


@pytest.mark.parametrize(
    "deps, required, expected",
    [([VULNERABLE], False, 1), ([CLEAN], True, 0), ([SKIPPED], False, 0), ([SKIPPED], True, 3)],
)
def test_exit_status(tmp_path, monkeypatch, capsys, deps, required, expected):
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"dependencies": deps}))
    monkeypatch.setenv("AUDIT_REQUIRED", "1" if required else "0")
    assert audit_deps.main(["--report", str(report)]) == expected
    if expected in (0, 3) and deps == [SKIPPED]:
        assert "NOT PERFORMED" in capsys.readouterr().out
