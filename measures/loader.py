"""Load the measure catalogue from measures/data/*.csv, like the reference data.

One transaction: a bad row anywhere rejects the whole load, and the error names
the file, the line and the reason. Idempotent: rows are matched on their
natural keys (measure slug; window opening day; KPI position; milestone year
and position), and a second load of the same files changes nothing. What the
CSV does not hold (the latest KPI values, windows added on the pages) is kept.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils import timezone

from routing.models import Ministry, Office, PolicyArea
from routing.reference_loader import LoadReport, ReferenceDataError, Row, read_rows

from . import windows as window_rules
from .models import Kind, Kpi, Measure, Milestone, Revision, Window

DEFAULT_DIRECTORY = Path(__file__).resolve().parent / "data"
MEASURE_FIELDS = (
    "name", "summary", "kind", "ministry_id", "office_id", "eligibility", "budget_line", "contact", "url", "source",
)  # fmt: skip

__all__ = ["DEFAULT_DIRECTORY", "LoadReport", "ReferenceDataError", "load_measures"]


def _year(row: Row, key: str, *, required: bool = False) -> int | None:
    value = row.required(key) if required else row[key]
    if not value:
        return None
    if not value.isdigit() or not 2000 <= int(value) <= 2100:
        raise row.error(f"{key} {value!r} is not a year (e.g. 2025)")
    return int(value)


def _text(row: Row, key: str, model, *, required: bool = False) -> str:
    value = row.required(key) if required else row[key]
    limit = next((f.max_length for f in model._meta.fields if f.name == key and f.max_length), None)
    if limit and len(value) > limit:
        raise row.error(f"{key} is longer than {limit} characters")
    return value


def _measure_values(row: Row, ministries, offices, areas) -> tuple[dict, list[int]]:
    ministry = ministries.get(row.required("ministry"))
    if ministry is None:
        raise row.error(f"ministry {row['ministry']!r} is not in ministries.csv")
    office = None
    if row["office"]:
        office = offices.get(row["office"])
        if office is None:
            raise row.error(f"office {row['office']!r} is not in offices.csv")
    kind = row.required("kind")
    if kind not in Kind.values:
        raise row.error(f"kind {kind!r} is not one of {', '.join(Kind.values)}")
    slugs = row.required("policy_areas").split()
    unknown = [slug for slug in slugs if slug not in areas]
    if unknown:
        raise row.error(f"policy area {unknown[0]!r} is not in policy_areas.csv")
    url = _text(row, "url", Measure)
    if url and not url.startswith("https://"):
        raise row.error(f"url {url!r} must start with https://")
    values = {
        "name": _text(row, "name", Measure, required=True),
        "summary": row.required("summary"),
        "kind": kind,
        "ministry_id": ministry,
        "office_id": office,
        "eligibility": row["eligibility"],
        "budget_line": _text(row, "budget_line", Measure),
        "contact": _text(row, "contact", Measure),
        "url": url,
        "source": row.required("source"),
    }
    return values, sorted({areas[slug] for slug in slugs})


def _load_measures(directory: Path, report: LoadReport, now) -> dict[str, Measure]:
    ministries = dict(Ministry.objects.values_list("slug", "pk"))
    offices = dict(Office.objects.values_list("slug", "pk"))
    areas = dict(PolicyArea.objects.values_list("slug", "pk"))
    existing = {m.slug: m for m in Measure.objects.prefetch_related("policy_areas")}
    seen: dict[str, Row] = {}
    created = updated = 0
    revisions = []
    result = {}
    for row in read_rows(directory, "measures.csv"):
        slug = row.required("slug")
        if slug in seen:
            raise row.error(f"slug {slug!r} repeats line {seen[slug].line}")
        seen[slug] = row
        values, area_ids = _measure_values(row, ministries, offices, areas)
        measure = existing.get(slug)
        changes = {}
        if measure is None:
            measure = Measure.objects.create(slug=slug, **values)
            created += 1
            changes = {"created": True}
        else:
            changed = [name for name in MEASURE_FIELDS if getattr(measure, name) != values[name]]
            for name in changed:
                changes[name] = [str(getattr(measure, name) or ""), str(values[name] or "")]
                setattr(measure, name, values[name])
            if changed:
                measure.save(update_fields=[*changed, "updated_at"])
        current = sorted(area.pk for area in measure.policy_areas.all()) if "created" not in changes else []
        if current != area_ids:
            measure.policy_areas.set(area_ids)
            if "created" not in changes:
                changes["policy_areas"] = [current, area_ids]
        if changes:
            updated += "created" not in changes
            revisions.append(Revision(measure=measure, origin="csv", changes=changes, created_at=now))
        result[slug] = measure
    Revision.objects.bulk_create(revisions)
    report.created["measures"] = created
    report.updated["measures"] = updated
    return result


def _sync_children(model, label: str, key_fields: tuple, wanted: dict[tuple, dict], report: LoadReport) -> None:
    existing = {tuple(getattr(obj, f) for f in key_fields): obj for obj in model.objects.all()}
    to_create, to_update, fields = [], [], set()
    for key, values in wanted.items():
        obj = existing.get(key)
        if obj is None:
            to_create.append(model(**dict(zip(key_fields, key, strict=True)), **values))
            continue
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            fields.update(changed)
            to_update.append(obj)
    model.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        model.objects.bulk_update(to_update, sorted(fields), batch_size=1000)
    report.created[label] = len(to_create)
    report.updated[label] = len(to_update)


def _measure_of(row: Row, measures: dict[str, Measure]) -> int:
    slug = row.required("measure")
    if slug not in measures:
        raise row.error(f"measure {slug!r} is not in measures.csv")
    return measures[slug].pk


def _load_windows(directory: Path, measures, report: LoadReport) -> None:
    wanted = {}
    for row in read_rows(directory, "measure_windows.csv"):
        measure = _measure_of(row, measures)
        fiscal_year = _year(row, "fiscal_year", required=True)
        opens_on = row.date("opens_on")
        if opens_on is None:
            raise row.error("opens_on is empty")
        closes_on = row.date("closes_on")
        if closes_on is not None and closes_on < opens_on:
            raise row.error(f"closes_on {closes_on} is before opens_on {opens_on}")
        if window_rules.fiscal_year_of(opens_on) != fiscal_year:
            raise row.error(f"opens_on {opens_on} is not in fiscal year {fiscal_year} (April to March)")
        key = (measure, opens_on)
        if key in wanted:
            raise row.error(f"a window opening on {opens_on} repeats for {row['measure']!r}")
        wanted[key] = {"fiscal_year": fiscal_year, "closes_on": closes_on, "note": _text(row, "note", Window)}
    _sync_children(Window, "application windows", ("measure_id", "opens_on"), wanted, report)


def _load_kpis(directory: Path, measures, report: LoadReport) -> None:
    wanted = {}
    for row in read_rows(directory, "measure_kpis.csv"):
        measure = _measure_of(row, measures)
        position = row.required("position")
        if not position.isdigit():
            raise row.error(f"position {position!r} is not a number")
        key = (measure, int(position))
        if key in wanted:
            raise row.error(f"position {position} repeats for {row['measure']!r}")
        wanted[key] = {
            "name": _text(row, "name", Kpi, required=True),
            "target": _text(row, "target", Kpi),
            "unit": _text(row, "unit", Kpi),
            "target_year": _year(row, "target_year"),
            "source": _text(row, "source", Kpi, required=True),
        }
    _sync_children(Kpi, "KPIs", ("measure_id", "position"), wanted, report)


def _load_milestones(directory: Path, measures, report: LoadReport) -> None:
    wanted = {}
    for row in read_rows(directory, "measure_milestones.csv"):
        measure = _measure_of(row, measures)
        fiscal_year = _year(row, "fiscal_year", required=True)
        position = row["position"] or "0"
        if not position.isdigit():
            raise row.error(f"position {position!r} is not a number")
        key = (measure, fiscal_year, int(position))
        if key in wanted:
            raise row.error(f"fiscal year {fiscal_year} position {position} repeats for {row['measure']!r}")
        wanted[key] = {"description": _text(row, "description", Milestone, required=True)}
    _sync_children(Milestone, "roadmap milestones", ("measure_id", "fiscal_year", "position"), wanted, report)


@transaction.atomic
def load_measures(directory: Path = DEFAULT_DIRECTORY) -> LoadReport:
    report = LoadReport()
    measures = _load_measures(directory, report, timezone.now())
    _load_windows(directory, measures, report)
    _load_kpis(directory, measures, report)
    _load_milestones(directory, measures, report)
    return report
