"""The real reference data: complete, valid, idempotent, and rejected whole when wrong."""

import csv
import re
import shutil
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from routing import decisions, selectors
from routing.codes import is_valid_code
from routing.models import Jurisdiction, LocalGovernment, Office, OfficeSystem, PolicyArea, Prefecture
from routing.reference_loader import DEFAULT_DIRECTORY, ReferenceDataError, load_reference_data

pytestmark = pytest.mark.django_db

# Expected offices from shared/reference/jurisdictions.md, system by system.
SYSTEMS = ["meti-rbe", "mlit-rdb", "mlit-rtb", "maff-rab", "mic-bct", "mhlw-rbh", "env-reo", "mof-lfb", "mhlw-labour"]
EXPECTED = {
    "202029": [  # 松本市 (長野県)
        "関東経済産業局", "関東地方整備局", "北陸信越運輸局", "関東農政局", "信越総合通信局",
        "関東信越厚生局", "中部地方環境事務所", "関東財務局", "長野労働局",
    ],
    "151009": [  # 新潟市
        "関東経済産業局", "北陸地方整備局", "北陸信越運輸局", "北陸農政局", "信越総合通信局",
        "関東信越厚生局", "関東地方環境事務所", "関東財務局", "新潟労働局",
    ],
    "221007": [  # 静岡市
        "関東経済産業局", "中部地方整備局", "中部運輸局", "関東農政局", "東海総合通信局",
        "東海北陸厚生局", "関東地方環境事務所", "東海財務局", "静岡労働局",
    ],
    "182010": [  # 福井市
        "近畿経済産業局", "近畿地方整備局", "中部運輸局", "北陸農政局", "北陸総合通信局",
        "近畿厚生局", "中部地方環境事務所", "北陸財務局", "福井労働局",
    ],
    "472018": [  # 那覇市
        "沖縄総合事務局 経済産業部", "沖縄総合事務局 開発建設部", "沖縄総合事務局 運輸部",
        "沖縄総合事務局 農林水産部", "沖縄総合通信事務所", "九州厚生局", "九州地方環境事務所",
        "沖縄総合事務局 財務部", "沖縄労働局",
    ],
}  # fmt: skip


def test_all_prefectures_and_local_governments_are_loaded():
    assert Prefecture.objects.count() == 47
    assert LocalGovernment.objects.filter(can_file=True).count() == 1788
    kinds = Counter(LocalGovernment.objects.values_list("kind", flat=True))
    assert kinds == {"prefecture": 47, "city": 792, "town": 743, "village": 183, "special_ward": 23}


def test_every_check_digit_is_valid():
    codes = list(LocalGovernment.objects.values_list("code", flat=True))
    assert len(codes) == 1788
    assert [code for code in codes if not is_valid_code(code)] == []


def test_names_and_kana_of_known_local_governments():
    matsumoto = LocalGovernment.objects.select_related("prefecture").get(code="202029")
    assert (matsumoto.name, matsumoto.kana, matsumoto.kind, matsumoto.prefecture.name) == (
        "松本市",
        "マツモトシ",
        "city",
        "長野県",
    )
    assert LocalGovernment.objects.get(code="131016").kind == "special_ward"
    assert LocalGovernment.objects.get(code="130001").name == "東京都"


def office_for(system: str, code: str):
    """The office routing picks for a filer: the reference snapshot's lookup, as a filing makes it."""
    filer = decisions.filer_facts(LocalGovernment.objects.select_related("prefecture").get(code=code))
    return selectors.reference_snapshot().office_for(system, filer)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_each_branch_system_resolves_the_test_cities(code):
    found = [office_for(system, code).name for system in SYSTEMS]
    assert found == EXPECTED[code]


def test_every_system_covers_all_47_prefectures_once():
    for system in OfficeSystem.objects.all():
        prefectures = Counter(
            Jurisdiction.objects.filter(system=system, matter="", local_government__isnull=True).values_list(
                "prefecture_id", flat=True
            )
        )
        assert len(prefectures) == 47, system.slug
        assert set(prefectures.values()) == {1}, system.slug


def test_every_branch_office_has_a_jurisdiction_and_special_matters_are_separate():
    assert not Office.objects.filter(kind="branch", jurisdictions__isnull=True).exists()
    kobe = Jurisdiction.objects.get(matter="maritime")
    assert (kobe.office.name, kobe.prefecture_id) == ("神戸運輸監理部", "28")
    fukushima = Jurisdiction.objects.get(matter="decontamination")
    assert fukushima.office.name == "福島地方環境事務所"
    assert str(fukushima.valid_from) == "2017-07-01"
    # General environmental matters of 福島県 stay with 東北.
    assert office_for("env-reo", "072010").name == "東北地方環境事務所"  # 福島市


def test_policy_areas_follow_the_strategy_taxonomy():
    assert PolicyArea.objects.count() == 30
    agri = PolicyArea.objects.get(slug="smart-agri")
    assert agri.name_ja == "スマート農林水産業・食品産業"
    assert agri.lead_ministry == "農林水産省"
    assert list(agri.lead_ministries.values_list("slug", flat=True)) == ["maff"]
    assert PolicyArea.objects.get(slug="other").default_route.startswith("triage")


def _snapshot():
    models = [Prefecture, LocalGovernment, Office, Jurisdiction, PolicyArea]
    return {model.__name__: sorted(model.objects.values_list(), key=repr) for model in models}


def test_loading_twice_changes_nothing():
    before = _snapshot()
    report = load_reference_data()
    assert report.changed == 0
    assert _snapshot() == before


def test_the_command_reports_and_is_idempotent(capsys):
    call_command("load_reference_data")
    out = capsys.readouterr().out
    assert "0 rows created or updated" in out


def _copy_reference(tmp_path):
    target = tmp_path / "reference"
    shutil.copytree(DEFAULT_DIRECTORY, target)
    return target


def _rewrite(path, change):
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fieldnames = list(rows[0])
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _rename_hokkaido(rows):
    rows[0]["name"] = "北海道（改）"


@pytest.mark.parametrize(
    ("filename", "change", "message"),
    [
        (
            "local_governments.csv",
            lambda rows: rows[1].update(code="011003"),  # 札幌市 with a wrong check digit, line 3
            "local_governments.csv:3: 団体コード 011003 の検査数字が誤っています",
        ),
        (
            "local_governments.csv",
            lambda rows: rows[5].update(prefecture="48"),
            "local_governments.csv:7: unknown prefecture '48'",
        ),
        (
            "jurisdictions.csv",
            lambda rows: rows.__setitem__(slice(None), [r for r in rows if r["office"] != "maff-rab-kanto"]),
            "branch office 'maff-rab-kanto' (関東農政局) has no jurisdiction",
        ),
        (
            "jurisdictions.csv",
            lambda rows: rows[0].update(prefecture="99"),
            "jurisdictions.csv:2: unknown prefecture '99'",
        ),
        (
            "offices.csv",
            lambda rows: rows[3].update(ministry="nowhere"),
            "offices.csv:5: unknown ministry 'nowhere'",
        ),
        (
            "policy_areas.csv",
            lambda rows: rows[0].update(lead_ministries="meti unknown"),
            "policy_areas.csv:2: policy area 'startup': unknown lead ministry unknown",
        ),
    ],
)
def test_bad_rows_are_rejected_whole_with_the_row_named(tmp_path, filename, change, message):
    directory = _copy_reference(tmp_path)
    # An earlier, valid change in the same load must not survive the failure.
    _rewrite(directory / "prefectures.csv", _rename_hokkaido)
    _rewrite(directory / filename, change)
    before = _snapshot()
    with pytest.raises(ReferenceDataError) as excinfo:
        load_reference_data(directory)
    assert message in str(excinfo.value)
    assert _snapshot() == before
    assert Prefecture.objects.get(code="01").name == "北海道"


def test_the_command_fails_with_a_clear_error(tmp_path):
    directory = _copy_reference(tmp_path)
    _rewrite(directory / "local_governments.csv", lambda rows: rows[1].update(code="011003"))
    with pytest.raises(CommandError, match=re.escape("nothing loaded: local_governments.csv:3")):
        call_command("load_reference_data", directory=directory)
