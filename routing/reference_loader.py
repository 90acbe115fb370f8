"""Load the reference data (routing/reference_data/*.csv) into the database.

One transaction: a bad row anywhere rejects the whole load, and the error
names the file, the line and the reason. Loading is idempotent: rows are
matched on their natural keys, and a second load of the same files creates and
updates nothing.
"""

import csv
import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from . import selectors
from .codes import InvalidLocalGovernmentCode, normalise_kana, validate_code
from .models import (
    Jurisdiction,
    LocalGovernment,
    LocalGovernmentKind,
    Ministry,
    Office,
    OfficeKind,
    OfficeSystem,
    PolicyArea,
    Prefecture,
)

DEFAULT_DIRECTORY = Path(__file__).resolve().parent / "reference_data"
FILES = (
    "prefectures.csv",
    "local_governments.csv",
    "ministries.csv",
    "office_systems.csv",
    "offices.csv",
    "jurisdictions.csv",
    "policy_areas.csv",
    "sla_policies.csv",
    "default_rules.json",
)
# The default rule set applies to everything filed from this date on.
DEFAULT_RULES_EFFECTIVE_FROM = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


class ReferenceDataError(ValueError):
    """A reference row that cannot be loaded; nothing of the load is kept."""


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())

    def lines(self) -> list[str]:
        return [
            f"{name}: {self.created.get(name, 0)} created, {self.updated.get(name, 0)} updated"
            for name in dict.fromkeys([*self.created, *self.updated])
        ]


@dataclass
class Row:
    source: str
    line: int
    values: dict[str, str]

    def error(self, message: str) -> ReferenceDataError:
        return ReferenceDataError(f"{self.source}:{self.line}: {message}")

    def __getitem__(self, key: str) -> str:
        try:
            return (self.values[key] or "").strip()
        except KeyError:
            raise self.error(f"column {key!r} is missing") from None

    def required(self, key: str) -> str:
        value = self[key]
        if not value:
            raise self.error(f"{key} is empty")
        return value

    def date(self, key: str) -> datetime.date | None:
        value = self[key]
        if not value:
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise self.error(f"{key} {value!r} is not a date (YYYY-MM-DD)") from None


def read_rows(directory: Path, name: str) -> list[Row]:
    path = directory / name
    if not path.exists():
        raise ReferenceDataError(f"{name}: file not found in {directory}")
    with path.open(encoding="utf-8", newline="") as handle:
        # Line 1 is the header, so the first record is on line 2.
        return [Row(name, index, values) for index, values in enumerate(csv.DictReader(handle), start=2)]


def _by_attname(model, values: dict) -> dict:
    """Replace related objects by their keys (``prefecture`` → ``prefecture_id``)
    so that comparing rows never fetches related rows one by one."""
    result = {}
    for name, value in values.items():
        model_field = model._meta.get_field(name)
        if model_field.is_relation:
            result[model_field.attname] = value.pk if value is not None else None
        else:
            result[name] = value
    return result


def sync(model, key_fields: tuple[str, ...], wanted: list[dict], report: LoadReport) -> dict:
    """Create or update ``model`` rows so that they equal ``wanted``; return them by key."""
    label = model._meta.verbose_name_plural
    key_attnames = tuple(model._meta.get_field(f).attname for f in key_fields)
    existing = {tuple(getattr(obj, a) for a in key_attnames): obj for obj in model.objects.all()}
    to_create, to_update, update_fields, result = [], [], set(), {}
    for values in wanted:
        flat = _by_attname(model, values)
        key = tuple(flat[a] for a in key_attnames)
        obj = existing.get(key)
        if obj is None:
            obj = model(**flat)
            to_create.append(obj)
        else:
            changed = [name for name, value in flat.items() if getattr(obj, name) != value]
            if changed:
                for name in changed:
                    setattr(obj, name, flat[name])
                update_fields.update(changed)
                to_update.append(obj)
        result[key] = obj
    if to_create:
        model.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        model.objects.bulk_update(to_update, sorted(update_fields), batch_size=1000)
    report.created[label] = report.created.get(label, 0) + len(to_create)
    report.updated[label] = report.updated.get(label, 0) + len(to_update)
    return result


def _load_prefectures(directory: Path, report: LoadReport) -> dict[str, Prefecture]:
    wanted, seen = [], set()
    for row in read_rows(directory, "prefectures.csv"):
        code = row.required("code")
        if len(code) != 2 or not code.isdigit() or not 1 <= int(code) <= 47:
            raise row.error(f"prefecture code {code!r} is not a JIS X 0401 code (01–47)")
        if code in seen:
            raise row.error(f"prefecture {code} appears twice")
        seen.add(code)
        wanted.append({"code": code, "name": row.required("name"), "kana": row["kana"], "name_en": row["name_en"]})
    if len(wanted) != 47:
        raise ReferenceDataError(f"prefectures.csv: expected 47 prefectures, found {len(wanted)}")
    return {key[0]: obj for key, obj in sync(Prefecture, ("code",), wanted, report).items()}


def _load_local_governments(directory: Path, prefectures: dict, report: LoadReport) -> dict[str, LocalGovernment]:
    kinds = set(LocalGovernmentKind.values)
    wanted, cities_of_wards, seen = [], {}, set()
    for row in read_rows(directory, "local_governments.csv"):
        try:
            code = validate_code(row["code"])
        except InvalidLocalGovernmentCode as exc:
            raise row.error(str(exc)) from None
        if code in seen:
            raise row.error(f"local government {code} appears twice")
        seen.add(code)
        prefecture = prefectures.get(row["prefecture"])
        if prefecture is None or row["prefecture"] != code[:2]:
            raise row.error(f"unknown prefecture {row['prefecture']!r} for local government {code}")
        kind = row.required("kind")
        if kind not in kinds:
            raise row.error(f"kind {kind!r} is not one of {', '.join(sorted(kinds))}")
        kana = normalise_kana(row.required("kana"))
        wanted.append(
            {
                "code": code,
                "prefecture": prefecture,
                "name": row.required("name"),
                "kana": kana,
                "kana_search": kana,
                "kind": kind,
                "can_file": kind != LocalGovernmentKind.WARD,
            }
        )
        if kind == LocalGovernmentKind.WARD:
            cities_of_wards[code] = (row, row.values.get("city", ""))
    result = {key[0]: obj for key, obj in sync(LocalGovernment, ("code",), wanted, report).items()}
    for code, (row, city_code) in cities_of_wards.items():
        city = result.get((city_code or "").strip())
        if city is None:
            raise row.error(f"ward {code} names no known city ({city_code!r})")
        if result[code].city_id != city.code:
            LocalGovernment.objects.filter(code=code).update(city=city)
    return result


def _link_parents(model, rows: list[Row], by_slug: dict, label: str) -> None:
    """Point each row at its ``parent`` (by slug), once every row exists."""
    for row in rows:
        parent_slug = row["parent"]
        if parent_slug and parent_slug not in by_slug:
            raise row.error(f"unknown parent {label} {parent_slug!r}")
        obj = by_slug[row["slug"]]
        parent_id = by_slug[parent_slug].pk if parent_slug else None
        if obj.parent_id != parent_id:
            model.objects.filter(pk=obj.pk).update(parent_id=parent_id)


def _load_ministries(directory: Path, report: LoadReport) -> dict[str, Ministry]:
    rows = read_rows(directory, "ministries.csv")
    wanted = [
        {
            "slug": row.required("slug"),
            "name": row.required("name"),
            "name_en": row.required("name_en"),
            "sort_order": index,
        }
        for index, row in enumerate(rows)
    ]
    result = {key[0]: obj for key, obj in sync(Ministry, ("slug",), wanted, report).items()}
    _link_parents(Ministry, rows, result, "ministry")
    return result


def _load_systems(directory: Path, ministries: dict, report: LoadReport) -> dict[str, OfficeSystem]:
    wanted = []
    for row in read_rows(directory, "office_systems.csv"):
        ministry = ministries.get(row["ministry"])
        if ministry is None:
            raise row.error(f"unknown ministry {row['ministry']!r}")
        wanted.append(
            {
                "slug": row.required("slug"),
                "ministry": ministry,
                "name": row.required("name"),
                "short_name": row.required("short_name"),
                "name_en": row["name_en"],
            }
        )
    return {key[0]: obj for key, obj in sync(OfficeSystem, ("slug",), wanted, report).items()}


def _load_offices(directory: Path, ministries: dict, systems: dict, report: LoadReport) -> dict[str, Office]:
    rows = read_rows(directory, "offices.csv")
    wanted = []
    for row in rows:
        ministry = ministries.get(row["ministry"])
        if ministry is None:
            raise row.error(f"unknown ministry {row['ministry']!r} for office {row['slug']!r}")
        kind = row.required("kind")
        if kind not in OfficeKind.values:
            raise row.error(f"kind {kind!r} is not one of {', '.join(OfficeKind.values)}")
        system = systems.get(row["system"]) if row["system"] else None
        if row["system"] and system is None:
            raise row.error(f"unknown office system {row['system']!r} for office {row['slug']!r}")
        if (kind == OfficeKind.BRANCH) != (system is not None):
            raise row.error(f"office {row['slug']!r}: a branch office needs a system, a headquarters none")
        wanted.append(
            {
                "slug": row.required("slug"),
                "name": row.required("name"),
                "name_en": row["name_en"],
                "kind": kind,
                "ministry": ministry,
                "system": system,
                "organisation": row["organisation"],
                "valid_from": row.date("valid_from"),
            }
        )
    result = {key[0]: obj for key, obj in sync(Office, ("slug",), wanted, report).items()}
    _link_parents(Office, rows, result, "office")
    return result


def _load_jurisdictions(
    directory: Path, systems: dict, offices: dict, prefectures: dict, local_governments: dict, report: LoadReport
) -> None:
    wanted, covered = [], {}
    for row in read_rows(directory, "jurisdictions.csv"):
        system = systems.get(row["system"])
        if system is None:
            raise row.error(f"unknown office system {row['system']!r}")
        office = offices.get(row["office"])
        if office is None:
            raise row.error(f"unknown office {row['office']!r}")
        if office.system_id != system.pk:
            raise row.error(f"office {office.slug!r} does not belong to system {system.slug!r}")
        prefecture = prefectures.get(row["prefecture"])
        if prefecture is None:
            raise row.error(f"unknown prefecture {row['prefecture']!r}")
        local_government = None
        if row.values.get("local_government"):
            local_government = local_governments.get(row["local_government"])
            if local_government is None or local_government.prefecture_id != prefecture.code:
                raise row.error(f"unknown local government {row['local_government']!r} in prefecture {prefecture.code}")
        matter = row["matter"]
        wanted.append(
            {
                "system": system,
                "office": office,
                "prefecture": prefecture,
                "local_government": local_government,
                "matter": matter,
                "valid_from": row.date("valid_from"),
                "valid_to": row.date("valid_to") if "valid_to" in row.values else None,
            }
        )
        covered.setdefault(office.slug, 0)
        covered[office.slug] += 1
        if not matter and local_government is None:
            covered.setdefault((system.slug, "prefectures"), set()).add(prefecture.code)
    for slug, office in offices.items():
        if office.kind == OfficeKind.BRANCH and not covered.get(slug):
            raise ReferenceDataError(f"offices.csv: branch office {slug!r} ({office.name}) has no jurisdiction")
    for slug in systems:
        missing = set(prefectures) - covered.get((slug, "prefectures"), set())
        if missing:
            raise ReferenceDataError(
                f"jurisdictions.csv: system {slug!r} covers no office for prefectures {', '.join(sorted(missing))}"
            )
    sync(Jurisdiction, ("system", "prefecture", "local_government", "matter", "valid_from"), wanted, report)


def _load_policy_areas(directory: Path, ministries: dict, report: LoadReport) -> None:
    rows = read_rows(directory, "policy_areas.csv")
    wanted, leads = [], {}
    for index, row in enumerate(rows):
        slug = row.required("slug")
        lead_slugs = row["lead_ministries"].split()
        unknown = [s for s in lead_slugs if s not in ministries]
        if unknown:
            raise row.error(f"policy area {slug!r}: unknown lead ministry {', '.join(unknown)}")
        leads[slug] = {ministries[s].pk for s in lead_slugs}
        wanted.append(
            {
                "slug": slug,
                "group": row["group"],
                "name_ja": row.required("name_ja"),
                "name_en": row.required("name_en"),
                "lead_ministry": row.required("lead_ministry"),
                "default_route": row["default_route"],
                "sort_order": index,
            }
        )
    result = sync(PolicyArea, ("slug",), wanted, report)
    for (slug,), area in result.items():
        current = set(area.lead_ministries.values_list("pk", flat=True))
        if current != leads[slug]:
            area.lead_ministries.set(leads[slug])


def _load_sla_policies(directory: Path, report: LoadReport) -> None:
    from .models import SlaPolicy, SlaUnit

    wanted = []
    for row in read_rows(directory, "sla_policies.csv"):
        try:
            first, resolution = (
                Decimal(row.required("first_response_target")),
                Decimal(row.required("resolution_target")),
            )
        except InvalidOperation:
            raise row.error("targets must be numbers") from None
        if first <= 0 or resolution < first:
            raise row.error("targets must be positive and resolution no shorter than first response")
        if row["unit"] not in SlaUnit.values:
            raise row.error(f"unit {row['unit']!r} is not one of {', '.join(SlaUnit.values)}")
        wanted.append(
            {
                "slug": row.required("slug"),
                "name": row.required("name"),
                "first_response_target": first,
                "resolution_target": resolution,
                "unit": row["unit"],
                "pause_statuses": row["pause_statuses"].split(),
                "is_default": row["is_default"].lower() == "true",
            }
        )
    if sum(policy["is_default"] for policy in wanted) != 1:
        raise ReferenceDataError("sla_policies.csv: exactly one policy must be the default")
    # Clear the old default first so that the one-default constraint holds mid-update.
    SlaPolicy.objects.filter(is_default=True).exclude(slug__in=[p["slug"] for p in wanted if p["is_default"]]).update(
        is_default=False
    )
    sync(SlaPolicy, ("slug",), wanted, report)


def _load_default_rule_set(directory: Path, report: LoadReport) -> None:
    """Publish the default rule set as version 1 when no version exists yet."""
    from . import engine, services
    from .models import RuleSet, RuleSetStatus

    path = directory / "default_rules.json"
    try:
        rules = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReferenceDataError(f"default_rules.json: {exc}") from None
    if RuleSet.objects.filter(status=RuleSetStatus.PUBLISHED).exists():
        return
    draft = services.create_draft(name="既定の振り分け規則", based_on=None)
    allowed = {"name", "priority", "conditions", "actions", "enabled", "description"}
    for index, rule in enumerate(rules):
        unknown = set(rule) - allowed
        if unknown:
            raise ReferenceDataError(f"default_rules.json: rule {index + 1}: unknown keys {', '.join(sorted(unknown))}")
    services.add_rules(draft=draft, rules=rules)
    try:
        services.publish_rule_set(
            draft=draft, note="policy_areas.md の既定の振り分け", effective_from=DEFAULT_RULES_EFFECTIVE_FROM
        )
    except engine.RuleSetInvalid as exc:
        raise ReferenceDataError(f"default_rules.json: {exc}") from None
    report.created["振り分け規則セット"] = 1


@transaction.atomic
def load_reference_data(directory: Path = DEFAULT_DIRECTORY) -> LoadReport:
    directory = Path(directory)
    report = LoadReport()
    prefectures = _load_prefectures(directory, report)
    local_governments = _load_local_governments(directory, prefectures, report)
    ministries = _load_ministries(directory, report)
    systems = _load_systems(directory, ministries, report)
    offices = _load_offices(directory, ministries, systems, report)
    _load_jurisdictions(directory, systems, offices, prefectures, local_governments, report)
    _load_policy_areas(directory, ministries, report)
    _load_sla_policies(directory, report)
    selectors.bump_reference_revision()
    _load_default_rule_set(directory, report)
    if report.changed:
        transaction.on_commit(selectors.bump_reference_revision)
    return report
