"""The reference snapshot built straight from routing/reference_data/*.csv,
so that the decision core is tested without a database."""

import csv
import json
from functools import cache

from routing.engine import FilerFacts, OfficeInfo, ReferenceSnapshot, RuleSpec
from routing.engine.types import SystemInfo
from routing.reference_loader import DEFAULT_DIRECTORY


def _rows(name: str) -> list[dict]:
    with (DEFAULT_DIRECTORY / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def snapshot() -> ReferenceSnapshot:
    ministries = {row["slug"]: row["name"] for row in _rows("ministries.csv")}
    offices = {
        row["slug"]: OfficeInfo(
            slug=row["slug"],
            name=row["name"],
            name_en=row["name_en"],
            ministry=row["ministry"],
            ministry_name=ministries[row["ministry"]],
            system=row["system"],
        )
        for row in _rows("offices.csv")
    }
    jurisdictions: dict[str, dict[str, str]] = {}
    for row in _rows("jurisdictions.csv"):
        if not row["matter"]:
            jurisdictions.setdefault(row["system"], {})[row["prefecture"]] = row["office"]
    return ReferenceSnapshot(
        offices=offices,
        systems={
            row["slug"]: SystemInfo(row["slug"], row["name"], row["short_name"], row["name_en"])
            for row in _rows("office_systems.csv")
        },
        jurisdictions=jurisdictions,
        policy_areas={row["slug"]: (row["name_ja"], row["name_en"]) for row in _rows("policy_areas.csv")},
        local_governments={row["code"]: (row["prefecture"], row["kind"]) for row in _rows("local_governments.csv")},
        prefectures={row["code"]: row["name"] for row in _rows("prefectures.csv")},
        sla_policies=frozenset(row["slug"] for row in _rows("sla_policies.csv")),
        default_sla_policy="standard",
    )


@cache
def _local_governments() -> dict[str, dict]:
    return {row["code"]: row for row in _rows("local_governments.csv")}


@cache
def _prefectures() -> dict[str, dict]:
    return {row["code"]: row for row in _rows("prefectures.csv")}


def filer(code: str) -> FilerFacts:
    row = _local_governments()[code]
    prefecture = _prefectures()[row["prefecture"]]
    return FilerFacts(
        code=code,
        name=row["name"],
        prefecture=row["prefecture"],
        prefecture_name=prefecture["name"],
        prefecture_name_en=prefecture["name_en"],
        kind=row["kind"],
    )


def default_rules() -> list[RuleSpec]:
    rules = json.loads((DEFAULT_DIRECTORY / "default_rules.json").read_text(encoding="utf-8"))
    return [
        RuleSpec(
            id=index + 1,
            name=rule["name"],
            priority=rule["priority"],
            conditions=rule["conditions"],
            actions=rule["actions"],
            enabled=rule.get("enabled", True),
        )
        for index, rule in enumerate(rules)
    ]
