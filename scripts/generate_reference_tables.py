#!/usr/bin/env python
"""Generate the office, jurisdiction and policy-area fixtures from the team's
verified reference tables (shared/reference/jurisdictions.md and
policy_areas.md).

The generated CSV files under routing/reference_data/ are the source of truth
that ``load_reference_data`` reads; a correction is a data change there (or in
the markdown, then a rerun of this script).

    python scripts/generate_reference_tables.py [--reference ../shared/reference]
"""

import argparse
import csv
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "routing" / "reference_data"

REGION_EN = {
    "北海道": "hokkaido", "東北": "tohoku", "関東": "kanto", "北陸": "hokuriku", "中部": "chubu",
    "近畿": "kinki", "中国": "chugoku", "四国": "shikoku", "九州": "kyushu",
    "北陸信越": "hokuriku-shinetsu", "信越": "shinetsu", "東海": "tokai", "中国四国": "chugoku-shikoku",
    "関東信越": "kanto-shinetsu", "東海北陸": "tokai-hokuriku",
}  # fmt: skip
OKINAWA_OGB = "内閣府 沖縄総合事務局"

# Column of jurisdictions.md → (system slug, ministry, how a regional cell becomes an office name)
SYSTEMS = {
    "経産局": ("meti-rbe", "meti", "経済産業局", "{r}経済産業局", "{R} Bureau of Economy, Trade and Industry"),
    "整備局": ("mlit-rdb", "mlit", "地方整備局", "{r}地方整備局", "{R} Regional Development Bureau"),
    "運輸局": ("mlit-rtb", "mlit", "地方運輸局", "{r}運輸局", "{R} District Transport Bureau"),
    "農政局": ("maff-rab", "maff", "地方農政局", "{r}農政局", "{R} Regional Agricultural Administration Office"),
    "総通局": ("mic-bct", "mic", "総合通信局", "{r}総合通信局", "{R} Bureau of Telecommunications"),
    "厚生局": ("mhlw-rbh", "mhlw", "地方厚生局", "{r}厚生局", "{R} Regional Bureau of Health and Welfare"),
    "環境事": ("env-reo", "env", "地方環境事務所", "{r}地方環境事務所", "{R} Regional Environment Office"),
    "財務局": ("mof-lfb", "mof", "財務局", "{r}財務局", "{R} Local Finance Bureau"),
}
SYSTEM_NAMES_EN = {
    "meti-rbe": "Regional Bureaus of Economy, Trade and Industry",
    "mlit-rdb": "Regional Development Bureaus",
    "mlit-rtb": "District Transport Bureaus",
    "maff-rab": "Regional Agricultural Administration Offices",
    "mic-bct": "Regional Bureaus of Telecommunications",
    "mhlw-rbh": "Regional Bureaus of Health and Welfare",
    "env-reo": "Regional Environment Offices",
    "mof-lfb": "Local Finance Bureaus",
    "mhlw-labour": "Prefectural Labour Bureaus",
}

# Cells that are not "<region>" but a named office: (system, cell) → (slug, name, name_en, organisation)
SPECIAL_OFFICES = {
    ("meti-rbe", "沖縄総合事務局"): ("meti-rbe-okinawa", "沖縄総合事務局 経済産業部", "Okinawa General Bureau, Economy, Trade and Industry Department", OKINAWA_OGB),
    ("mlit-rdb", "北海道開発局"): ("mlit-rdb-hokkaido", "北海道開発局", "Hokkaido Regional Development Bureau", ""),
    ("mlit-rdb", "沖縄総合事務局"): ("mlit-rdb-okinawa", "沖縄総合事務局 開発建設部", "Okinawa General Bureau, Development and Construction Department", OKINAWA_OGB),
    ("mlit-rtb", "沖縄総合事務局"): ("mlit-rtb-okinawa", "沖縄総合事務局 運輸部", "Okinawa General Bureau, Transport Department", OKINAWA_OGB),
    ("maff-rab", "北海道農政事務所"): ("maff-rab-hokkaido", "北海道農政事務所", "Hokkaido Regional Agricultural Administration Office", ""),
    ("maff-rab", "沖縄総合事務局"): ("maff-rab-okinawa", "沖縄総合事務局 農林水産部", "Okinawa General Bureau, Agriculture, Forestry and Fisheries Department", OKINAWA_OGB),
    ("mic-bct", "沖縄総合通信事務所"): ("mic-bct-okinawa", "沖縄総合通信事務所", "Okinawa Office of Telecommunications", ""),
    ("mof-lfb", "沖縄総合事務局"): ("mof-lfb-okinawa", "沖縄総合事務局 財務部", "Okinawa General Bureau, Finance Department", OKINAWA_OGB),
    ("mof-lfb", "福岡財務支局"): ("mof-lfb-fukuoka", "福岡財務支局", "Fukuoka Local Finance Branch Bureau", ""),
    ("mhlw-rbh", "中国四国 (四国厚生支局)"): ("mhlw-rbh-shikoku", "四国厚生支局", "Shikoku Branch Bureau of Health and Welfare", ""),
    ("env-reo", "中国四国 (四国事務所)"): ("env-reo-shikoku", "中国四国地方環境事務所 四国事務所", "Chugoku-Shikoku Regional Environment Office, Shikoku Office", ""),
}  # fmt: skip
# Offices that are branches (支局・支所) of another office.
PARENTS = {"mhlw-rbh-shikoku": "mhlw-rbh-chugoku-shikoku", "env-reo-shikoku": "env-reo-chugoku-shikoku"}
# Work split off from a prefecture's general office: (system, prefecture, matter, slug, name, name_en, valid_from)
MATTERS = [
    ("mlit-rtb", "28", "maritime", "mlit-rtb-kobe", "神戸運輸監理部", "Kobe Transport Supervision Department", ""),
    ("env-reo", "07", "decontamination", "env-reo-fukushima", "福島地方環境事務所", "Fukushima Regional Environment Office", "2017-07-01"),
]  # fmt: skip

MINISTRIES = [
    # slug, name, name_en, parent
    ("cao", "内閣府", "Cabinet Office", ""),
    ("cas", "内閣官房", "Cabinet Secretariat", ""),
    ("digital", "デジタル庁", "Digital Agency", ""),
    ("cfa", "こども家庭庁", "Children and Families Agency", "cao"),
    ("mic", "総務省", "Ministry of Internal Affairs and Communications", ""),
    ("mof", "財務省", "Ministry of Finance", ""),
    ("mext", "文部科学省", "Ministry of Education, Culture, Sports, Science and Technology", ""),
    ("bunka", "文化庁", "Agency for Cultural Affairs", "mext"),
    ("sports", "スポーツ庁", "Japan Sports Agency", "mext"),
    ("mhlw", "厚生労働省", "Ministry of Health, Labour and Welfare", ""),
    ("maff", "農林水産省", "Ministry of Agriculture, Forestry and Fisheries", ""),
    ("meti", "経済産業省", "Ministry of Economy, Trade and Industry", ""),
    ("chusho", "中小企業庁", "Small and Medium Enterprise Agency", "meti"),
    ("mlit", "国土交通省", "Ministry of Land, Infrastructure, Transport and Tourism", ""),
    ("kanko", "観光庁", "Japan Tourism Agency", "mlit"),
    ("env", "環境省", "Ministry of the Environment", ""),
]
HEADQUARTERS = [
    # slug, ministry, name, name_en
    ("cao-regional-revitalization", "cao", "内閣府 地方創生推進事務局", "Cabinet Office, Regional Revitalization Promotion Office"),
    ("cao-disaster", "cao", "内閣府 政策統括官（防災担当）", "Cabinet Office, Director General for Disaster Management"),
    ("cas-hq", "cas", "内閣官房", "Cabinet Secretariat"),
    ("digital-hq", "digital", "デジタル庁", "Digital Agency"),
    ("cfa-hq", "cfa", "こども家庭庁", "Children and Families Agency"),
    ("mic-hq", "mic", "総務省（本省）", "Ministry of Internal Affairs and Communications (headquarters)"),
    ("mof-hq", "mof", "財務省（本省）", "Ministry of Finance (headquarters)"),
    ("mext-hq", "mext", "文部科学省（本省）", "Ministry of Education, Culture, Sports, Science and Technology (headquarters)"),
    ("bunka-hq", "bunka", "文化庁", "Agency for Cultural Affairs"),
    ("sports-hq", "sports", "スポーツ庁", "Japan Sports Agency"),
    ("mhlw-hq", "mhlw", "厚生労働省（本省）", "Ministry of Health, Labour and Welfare (headquarters)"),
    ("maff-hq", "maff", "農林水産省（本省）", "Ministry of Agriculture, Forestry and Fisheries (headquarters)"),
    ("meti-hq", "meti", "経済産業省（本省）", "Ministry of Economy, Trade and Industry (headquarters)"),
    ("chusho-hq", "chusho", "中小企業庁", "Small and Medium Enterprise Agency"),
    ("mlit-hq", "mlit", "国土交通省（本省）", "Ministry of Land, Infrastructure, Transport and Tourism (headquarters)"),
    ("kanko-hq", "kanko", "観光庁", "Japan Tourism Agency"),
    ("env-hq", "env", "環境省（本省）", "Ministry of the Environment (headquarters)"),
]  # fmt: skip
LEAD_MINISTRY_SLUGS = {
    "経済産業省": "meti", "内閣府": "cao", "中小企業庁": "chusho", "農林水産省": "maff", "観光庁": "kanko",
    "文部科学省": "mext", "総務省": "mic", "国土交通省": "mlit", "こども家庭庁": "cfa", "厚生労働省": "mhlw",
    "文化庁": "bunka", "スポーツ庁": "sports", "内閣官房": "cas", "デジタル庁": "digital", "環境省": "env",
}  # fmt: skip


SYSTEM_BY_SHORT_NAME = {column: spec[0] for column, spec in SYSTEMS.items()} | {"労働局": "mhlw-labour"}
HQ_BY_NAME = {
    "文部科学省": "mext-hq", "内閣府 地方創生推進事務局": "cao-regional-revitalization", "総務省": "mic-hq",
    "国土交通省": "mlit-hq", "こども家庭庁": "cfa-hq", "文化庁": "bunka-hq", "内閣府 防災担当": "cao-disaster",
    "デジタル庁": "digital-hq",
}  # fmt: skip


def route_target(text: str) -> tuple[dict, str]:
    """A "default route" cell part (``branch: 農政局``, ``HQ: 文化庁``, ``デジタル庁``) as a rule target."""
    text = re.sub(r"\s*\(.*\)$", "", text.strip())
    if text.startswith("branch"):
        short = text.split(maxsplit=1)[1].lstrip(": ").strip()
        return {"branch_of": SYSTEM_BY_SHORT_NAME[short]}, f"{short}（管轄）"
    name = text.removeprefix("HQ:").strip()
    return {"office": HQ_BY_NAME[name]}, name


def default_rules(policy_areas: list[dict]) -> list[dict]:
    """The default rule set: the "default route" column of policy_areas.md, one rule per area."""
    rules = [
        {
            "name": "緊急の相談は短い期限で",
            "priority": 10,
            "conditions": {"urgency": ["urgent"]},
            "actions": {"sla_policy": "urgent", "priority": "high"},
            "description": "緊急の相談は初回回答1開庁日・解決5開庁日の方針を使い、優先度を上げる。",
        }
    ]
    for area in policy_areas:
        route = area["default_route"]
        actions: dict = {}
        if route.startswith("triage"):
            actions["route_to"] = {"triage": True}
            label = "事務局（トリアージ）"
        else:
            main, _, collaborator = route.partition("(collaborator:")
            actions["route_to"], label = route_target(main)
            if collaborator:
                target, _ = route_target(collaborator.rstrip(")"))
                actions["collaborators"] = [target]
        rules.append(
            {
                "name": f"{area['name_ja']} → {label}",
                "priority": 100,
                "conditions": {"policy_areas": [area["slug"]]},
                "actions": actions,
                "description": f"既定の振り分け: {route}",
            }
        )
    return rules


def table_rows(text: str, first_header: str) -> list[list[str]]:
    """The body rows of the markdown table whose first header cell is ``first_header``."""
    rows, inside = [], False
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if cells[0] == first_header:
                inside = True
                continue
            if inside and not set(cells[0]) <= {"-"}:
                rows.append(cells)
        elif inside and rows:
            break
    return rows


def region_office(system: str, cell: str, fmt: str, fmt_en: str) -> tuple[str, str, str, str]:
    if (system, cell) in SPECIAL_OFFICES:
        return SPECIAL_OFFICES[(system, cell)]
    region = re.sub(r"\s*\(.*\)$", "", cell)
    slug_region = REGION_EN[region]
    name_en = fmt_en.format(R=slug_region.replace("-", " ").title().replace(" ", "-"))
    return f"{system}-{slug_region}", fmt.format(r=region), name_en, ""


def write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def generate(reference: Path) -> None:
    jurisdictions_md = (reference / "jurisdictions.md").read_text(encoding="utf-8")
    prefecture_rows = table_rows(jurisdictions_md, "JIS")
    with (OUT_DIR / "prefectures.csv").open(encoding="utf-8") as handle:
        prefecture_en = {row["code"]: row["name_en"] for row in csv.DictReader(handle)}
    columns = list(SYSTEMS)
    offices: dict[str, dict] = {}
    jurisdictions: list[dict] = []

    def add_office(slug, name, name_en, ministry, system, organisation="", valid_from="", kind="branch"):
        offices.setdefault(
            slug,
            {
                "slug": slug, "name": name, "name_en": name_en, "kind": kind, "ministry": ministry,
                "system": system, "organisation": organisation, "parent": PARENTS.get(slug, ""),
                "valid_from": valid_from,
            },
        )  # fmt: skip

    for slug, ministry, name, name_en in HEADQUARTERS:
        add_office(slug, name, name_en, ministry, "", kind="headquarters")
    # The parents of 支局 are regular regional offices; make sure they exist first.
    for cells in prefecture_rows:
        code, prefecture = cells[0], cells[1]
        for column, cell in zip(columns, cells[2:], strict=True):
            system, ministry, _name, fmt, fmt_en = SYSTEMS[column]
            cell = cell.replace(" (福島: decontamination)", "").replace(" (maritime: 神戸運輸監理部)", "")
            slug, name, name_en, organisation = region_office(system, cell, fmt, fmt_en)
            add_office(slug, name, name_en, ministry, system, organisation)
            jurisdictions.append({"system": system, "prefecture": code, "office": slug, "matter": "", "valid_from": ""})
        labour_name = prefecture if prefecture == "北海道" else prefecture[:-1]
        labour_slug = f"mhlw-labour-{prefecture_en[code].lower()}"
        add_office(labour_slug, f"{labour_name}労働局", f"{prefecture_en[code]} Labour Bureau", "mhlw", "mhlw-labour")
        jurisdictions.append(
            {"system": "mhlw-labour", "prefecture": code, "office": labour_slug, "matter": "", "valid_from": ""}
        )
    for system, prefecture, matter, slug, name, name_en, valid_from in MATTERS:
        ministry = next(spec[1] for spec in SYSTEMS.values() if spec[0] == system)
        add_office(slug, name, name_en, ministry, system, valid_from=valid_from)
        jurisdictions.append(
            {"system": system, "prefecture": prefecture, "office": slug, "matter": matter, "valid_from": valid_from}
        )
    for parent in PARENTS.values():
        if parent not in offices:
            raise SystemExit(f"parent office {parent} is not in the table")

    systems = [
        {
            "slug": spec[0],
            "ministry": spec[1],
            "name": spec[2],
            "short_name": column,
            "name_en": SYSTEM_NAMES_EN[spec[0]],
        }
        for column, spec in SYSTEMS.items()
    ]
    systems.append(
        {
            "slug": "mhlw-labour",
            "ministry": "mhlw",
            "name": "都道府県労働局",
            "short_name": "労働局",
            "name_en": SYSTEM_NAMES_EN["mhlw-labour"],
        }
    )

    policy_md = (reference / "policy_areas.md").read_text(encoding="utf-8")
    policy_areas, group = [], ""
    for cells in table_rows(policy_md, "slug"):
        if cells[0].startswith("**"):
            group = cells[0].strip("*").strip()
            continue
        slug, name_ja, name_en, lead, route = cells
        lead_slugs = [LEAD_MINISTRY_SLUGS[part] for part in re.findall("|".join(LEAD_MINISTRY_SLUGS), lead)]
        policy_areas.append(
            {
                "slug": slug, "group": group, "name_ja": name_ja, "name_en": name_en, "lead_ministry": lead,
                "lead_ministries": " ".join(dict.fromkeys(lead_slugs)), "default_route": route,
            }
        )  # fmt: skip

    write(
        OUT_DIR / "ministries.csv",
        [dict(zip(("slug", "name", "name_en", "parent"), row, strict=True)) for row in MINISTRIES],
    )
    write(OUT_DIR / "office_systems.csv", systems)
    write(OUT_DIR / "offices.csv", list(offices.values()))
    write(OUT_DIR / "jurisdictions.csv", jurisdictions)
    write(OUT_DIR / "policy_areas.csv", policy_areas)
    rules = default_rules(policy_areas)
    (OUT_DIR / "default_rules.json").write_text(
        json.dumps(rules, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(offices)} offices, {len(jurisdictions)} jurisdictions, {len(policy_areas)} policy areas")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", type=Path, default=ROOT.parent / "shared" / "reference")
    generate(parser.parse_args().reference)


if __name__ == "__main__":
    main()
