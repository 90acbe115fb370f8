"""`make audit`: known vulnerabilities in the locked packages.

Python: pip-audit against requirements/dev.txt (the hashed lock file, resolved
without pip) asking PyPI's vulnerability data. JavaScript: npm audit of the
packages the site serves (--omit=dev). Fails on a known vulnerability that has
a fix (an upgrade to make in the lock file); one without a fix is printed only.

A registry that cannot answer (no per-version JSON, no audit endpoint) audits
nothing: that is said loudly, and is a failure with BANSO_AUDIT_STRICT=1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIP_AUDIT = [
    str(ROOT / ".venv" / "bin" / "pip-audit"),
    *("-r", "requirements/dev.txt", "--require-hashes", "--disable-pip"),
    *("--progress-spinner", "off", "--format", "json"),
]
NPM_AUDIT = ["npm", "audit", "--omit=dev", "--json"]
# npm severities from which a fixable vulnerability fails the audit.
NPM_LEVELS = ["info", "low", "moderate", "high", "critical"]
NPM_LEVEL = os.environ.get("BANSO_NPM_AUDIT_LEVEL", "moderate")


def run(argv: list[str]) -> tuple[dict | None, str]:
    result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    try:
        return json.loads(result.stdout), result.stderr
    except json.JSONDecodeError:
        return None, result.stderr + result.stdout


def python_audit() -> tuple[list[str], list[str], str | None]:
    """(fixable, unfixable, reason nothing could be audited)."""
    report, errors = run(PIP_AUDIT)
    if report is None:
        return [], [], f"pip-audit gave no report: {errors.strip()[-300:]}"
    fixable, unfixable = [], []
    dependencies = report.get("dependencies", [])
    skipped = [item for item in dependencies if "skip_reason" in item]
    for item in dependencies:
        for vuln in item.get("vulns", []):
            line = f"{item['name']} {item['version']}: {vuln['id']} {' '.join(vuln.get('aliases', []))}".strip()
            if vuln.get("fix_versions"):
                fixable.append(f"{line} (fixed in {', '.join(vuln['fix_versions'])})")
            else:
                unfixable.append(f"{line} (no fix yet)")
    reason = None
    if dependencies and len(skipped) == len(dependencies):
        reason = f"none of {len(dependencies)} packages could be looked up ({skipped[0]['skip_reason']})"
    elif skipped:
        print(f"pip-audit: {len(skipped)} of {len(dependencies)} packages not audited:", file=sys.stderr)
        for item in skipped:
            print(f"  {item['name']}: {item['skip_reason']}", file=sys.stderr)
    return fixable, unfixable, reason


def npm_audit() -> tuple[list[str], list[str], str | None]:
    report, errors = run(NPM_AUDIT)
    if report is None or "error" in report:
        detail = (report or {}).get("error", {}).get("summary") or errors.strip()[-300:]
        return [], [], f"npm audit could not ask the registry: {detail}"
    fixable, unfixable = [], []
    floor = NPM_LEVELS.index(NPM_LEVEL)
    for name, vuln in report.get("vulnerabilities", {}).items():
        line = f"{name} ({vuln['severity']}): {vuln.get('range', '')}"
        if vuln.get("fixAvailable") and NPM_LEVELS.index(vuln["severity"]) >= floor:
            fixable.append(line)
        else:
            unfixable.append(line + ("" if vuln.get("fixAvailable") else " (no fix yet)"))
    return fixable, unfixable, None


def main() -> int:
    strict = os.environ.get("BANSO_AUDIT_STRICT") == "1"
    failed = False
    for name, audit in (("Python (requirements/dev.txt)", python_audit), ("npm (package-lock.json)", npm_audit)):
        fixable, unfixable, unreachable = audit()
        if unreachable:
            print(f"WARNING: {name}: NOT AUDITED: {unreachable}")
            failed |= strict
            continue
        for line in unfixable:
            print(f"{name}: known, without a fix: {line}")
        for line in fixable:
            print(f"{name}: VULNERABLE, upgrade: {line}")
        failed |= bool(fixable)
        if not fixable and not unfixable:
            print(f"{name}: no known vulnerabilities")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
