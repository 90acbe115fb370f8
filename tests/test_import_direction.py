"""Imports between the apps run one way: consult → notifications. Notifications
never imports the consultation services (that was a cycle through the deadline
alarms); the test reads the source, so a lazy import inside a function counts."""

import ast
from pathlib import Path

NOTIFICATIONS = Path(__file__).resolve().parent.parent / "notifications"


def imported_modules(path: Path) -> set[str]:
    """Every module an import statement in ``path`` names, with ``from a import b`` as both a and a.b."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_check_sees_every_form_of_the_import(tmp_path):
    forms = [
        "from consult import services",
        "from consult import selectors, services as s",
        "import consult.services",
        "from consult.services import transition",
        "from consult.services.lifecycle import transition",
        "def f():\n    from consult import services",
    ]
    for number, form in enumerate(forms):
        source = tmp_path / f"m{number}.py"
        source.write_text(form + "\n")
        assert any(m == "consult.services" or m.startswith("consult.services.") for m in imported_modules(source)), form
    harmless = tmp_path / "ok.py"
    harmless.write_text("from consult import selectors\nfrom consult.models import Consultation\n")
    assert not any(m.startswith("consult.services") for m in imported_modules(harmless))


def test_notifications_does_not_import_the_consultation_services():
    files = sorted(NOTIFICATIONS.rglob("*.py"))
    assert len(files) > 10  # the app's modules were found
    offending = {
        str(path.relative_to(NOTIFICATIONS.parent)): sorted(
            m for m in imported_modules(path) if m == "consult.services" or m.startswith("consult.services.")
        )
        for path in files
    }
    assert {path: modules for path, modules in offending.items() if modules} == {}
