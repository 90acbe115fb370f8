"""scripts/audit.py: fails on a known vulnerability that has a fix, only prints
one without, and says loudly when a registry could not be asked."""

import importlib.util
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location("audit", Path(__file__).resolve().parent.parent / "scripts" / "audit.py")
audit = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(audit)

CLEAN_NPM = {"auditReportVersion": 2, "vulnerabilities": {}}


def fake(monkeypatch, pip_report, npm_report):
    def run(argv):
        return (pip_report if "pip-audit" in argv[0] else npm_report), ""

    monkeypatch.setattr(audit, "run", run)


def pip(*deps):
    return {"dependencies": list(deps), "fixes": []}


def test_clean_reports_pass(monkeypatch, capsys):
    fake(monkeypatch, pip({"name": "django", "version": "5.2.19", "vulns": []}), CLEAN_NPM)
    assert audit.main() == 0
    assert "no known vulnerabilities" in capsys.readouterr().out


@pytest.mark.parametrize("fix_versions", [["5.2.20"], []], ids=["fixable", "no-fix"])
def test_a_python_vulnerability_fails_only_when_it_has_a_fix(monkeypatch, capsys, fix_versions):
    vuln = {"id": "PYSEC-2026-1", "fix_versions": fix_versions, "aliases": ["CVE-2026-0001"], "description": ""}
    fake(monkeypatch, pip({"name": "django", "version": "5.2.19", "vulns": [vuln]}), CLEAN_NPM)
    assert audit.main() == (1 if fix_versions else 0)
    out = capsys.readouterr().out
    assert "django 5.2.19: PYSEC-2026-1 CVE-2026-0001" in out
    assert ("VULNERABLE, upgrade" in out) == bool(fix_versions)


def test_an_npm_vulnerability_fails_when_fixable_and_serious_enough(monkeypatch):
    fixable = {"htmx.org": {"severity": "high", "fixAvailable": True, "range": "<2.0.12"}}
    low = {"htmx.org": {"severity": "low", "fixAvailable": True, "range": "<2.0.12"}}
    unfixed = {"htmx.org": {"severity": "critical", "fixAvailable": False, "range": "*"}}
    clean_pip = pip({"name": "django", "version": "5.2.19", "vulns": []})
    for vulnerabilities, expected in ((fixable, 1), (low, 0), (unfixed, 0)):
        fake(monkeypatch, clean_pip, {"vulnerabilities": vulnerabilities})
        assert audit.main() == expected, vulnerabilities


def test_an_unreachable_registry_is_said_and_fails_when_strict(monkeypatch, capsys):
    skipped = pip({"name": "django", "version": "5.2.19", "skip_reason": "Dependency not found on PyPI"})
    fake(monkeypatch, skipped, {"error": {"summary": "audit endpoint returned an error"}})
    assert audit.main() == 0
    out = capsys.readouterr().out
    assert out.count("NOT AUDITED") == 2
    monkeypatch.setenv("BANSO_AUDIT_STRICT", "1")
    assert audit.main() == 1
