"""Imports between the apps run one way. Notifications never imports consult
(it asks the audience consult registers for who may be told); no two apps
import each other, directly or round a longer loop. The test reads the source,
so a lazy import inside a function counts."""

import ast
import itertools
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "routing",
    "consult",
    "notifications",
    "metrics",
    "measures",
    "accounts",
    "frontend",
    "search",
    "library",
    "inbound",
    "demo",
)


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


def app_imports() -> dict[str, dict[str, list[str]]]:
    """app → the other apps it imports → the files that do."""
    graph: dict[str, dict[str, list[str]]] = {app: {} for app in APPS}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            for module in imported_modules(path):
                other = module.split(".")[0]
                if other in APPS and other != app:
                    files = graph[app].setdefault(other, [])
                    if str(path.relative_to(ROOT)) not in files:
                        files.append(str(path.relative_to(ROOT)))
    return graph


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Every loop of imports, each as the apps along it (found by depth-first search)."""
    found: list[list[str]] = []

    def walk(app: str, path: list[str]) -> None:
        for other in sorted(graph.get(app, {})):
            if other == path[0]:
                found.append([*path, other])
            elif other not in path and other > path[0]:  # each loop once, from its smallest app
                walk(other, [*path, other])

    for app in sorted(graph):
        walk(app, [app])
    return found


def test_the_check_sees_every_form_of_the_import(tmp_path):
    forms = [
        "from consult import services",
        "from consult import selectors, services as s",
        "import consult.services",
        "from consult.services import transition",
        "from consult.services.lifecycle import transition",
        "def f():\n    from consult import services",
        "import consult",
        "from consult.models import Consultation",
    ]
    for number, form in enumerate(forms):
        source = tmp_path / f"m{number}.py"
        source.write_text(form + "\n")
        assert any(m.split(".")[0] == "consult" for m in imported_modules(source)), form
    harmless = tmp_path / "ok.py"
    harmless.write_text("from . import audience\nfrom .models import Alarm\nimport consultancy\n")
    assert not any(m.split(".")[0] == "consult" for m in imported_modules(harmless))


def test_the_loop_finder_finds_direct_and_longer_loops():
    assert cycles({"a": {"b": []}, "b": {"a": []}}) == [["a", "b", "a"]]
    assert cycles({"a": {"b": []}, "b": {"c": []}, "c": {"a": []}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b": []}, "b": {"c": []}, "c": {}}) == []


def test_notifications_does_not_import_consult():
    files = sorted((ROOT / "notifications").rglob("*.py"))
    assert len(files) > 10  # the app's modules were found
    offending = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] == "consult")
        for path in files
    }
    assert {path: modules for path, modules in offending.items() if modules} == {}


def test_no_two_apps_import_each_other():
    graph = app_imports()
    assert graph["consult"].keys() >= {"notifications", "routing", "accounts"}  # the graph was read
    loops = cycles(graph)
    assert loops == [], {" → ".join(loop): [graph[a][b] for a, b in itertools.pairwise(loop)] for loop in loops}
