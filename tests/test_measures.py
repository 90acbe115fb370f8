"""The related-measure catalogue: loading, the open-window rule, the API
contract, introducing measures on a consultation, and its visibility."""

import csv
import datetime
import shutil

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from measures import selectors, services
from measures import windows as window_rules
from measures.loader import DEFAULT_DIRECTORY, ReferenceDataError, load_measures
from measures.models import Introduction, Kpi, Measure, Revision, Window

UTC = datetime.UTC
pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    call_command("load_measures", verbosity=0)
    return {m.slug: m for m in Measure.objects.all()}


def _copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DIRECTORY, target)
    return target


def _append(path, row: dict):
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow([row.get(name, "") for name in header])


# --- loading ---------------------------------------------------------------------------------


def test_the_starter_set_is_real_and_complete(catalogue):
    assert len(catalogue) >= 40
    for slug in (
        "dden-grant-digital-implementation",
        "dden-grant-promotion",
        "dden-grant-facilities",
        "dden-grant-telework",
        "smart-agri-demonstration",
        "online-medical-guideline",
        "giga-school",
        "transport-redesign-demonstration",
        "digital-promotion-staff",
    ):
        assert slug in catalogue
    for measure in catalogue.values():
        assert measure.source.strip(), measure.slug
        assert measure.policy_areas.exists(), measure.slug
    # Only what the sources give: no invented windows, and every KPI names its source.
    assert not Window.objects.exists()
    assert not Kpi.objects.filter(source="").exists()
    kpi = Kpi.objects.get(measure__slug="dden-grant-digital-implementation", target_year=2027)
    assert (kpi.target, kpi.unit) == ("1,500", "団体")


def test_loading_twice_changes_nothing(catalogue):
    revisions = Revision.objects.count()
    report = load_measures()
    assert report.changed == 0
    assert Revision.objects.count() == revisions
    assert Measure.objects.count() == len(catalogue)


def test_a_reload_updates_in_place_and_keeps_the_latest_kpi_values(catalogue, tmp_path):
    kpi = Kpi.objects.get(measure__slug="dden-grant-digital-implementation", position=1)
    kpi.latest_value = "1,100"
    kpi.save()
    directory = _copy(tmp_path)
    path = directory / "measures.csv"
    text = path.read_text(encoding="utf-8").replace("（地方創生推進タイプ）", "（地方創生推進タイプ・改）", 1)
    path.write_text(text, encoding="utf-8")
    report = load_measures(directory)
    assert report.updated["measures"] == 1
    measure = Measure.objects.get(slug="dden-grant-promotion")
    assert measure.name.endswith("（地方創生推進タイプ・改）")
    assert measure.revisions.filter(origin="csv", changes__has_key="name").exists()
    kpi.refresh_from_db()
    assert kpi.latest_value == "1,100"


@pytest.mark.parametrize(
    ("file", "row", "message"),
    [
        (
            "measures.csv",
            {
                "slug": "x-new",
                "name": "新施策",
                "ministry": "nope",
                "policy_areas": "grant",
                "kind": "grant",
                "summary": "s",
                "source": "s",
            },
            "ministry 'nope'",
        ),
        (
            "measures.csv",
            {
                "slug": "x-new",
                "name": "新施策",
                "ministry": "cao",
                "policy_areas": "no-such-area",
                "kind": "grant",
                "summary": "s",
                "source": "s",
            },
            "policy area 'no-such-area'",
        ),
        (
            "measures.csv",
            {
                "slug": "x-new",
                "name": "新施策",
                "ministry": "cao",
                "policy_areas": "grant",
                "kind": "grant",
                "summary": "s",
                "source": "",
            },
            "source is empty",
        ),
        (
            "measure_windows.csv",
            {"measure": "giga-school", "fiscal_year": "2026", "opens_on": "2026-03-31"},
            "not in fiscal year 2026",
        ),
        (
            "measure_windows.csv",
            {"measure": "giga-school", "fiscal_year": "2026", "opens_on": "2026-05-01", "closes_on": "2026-04-30"},
            "before opens_on",
        ),
        (
            "measure_kpis.csv",
            {"measure": "no-such-measure", "position": "1", "name": "n", "source": "s"},
            "measure 'no-such-measure'",
        ),
    ],
)
def test_a_bad_row_refuses_the_whole_load_naming_file_and_line(tmp_path, file, row, message):
    directory = _copy(tmp_path)
    path = directory / file
    lines = len(path.read_text(encoding="utf-8").splitlines())
    _append(path, row)
    with pytest.raises(ReferenceDataError) as raised:
        load_measures(directory)
    assert str(raised.value).startswith(f"{file}:{lines + 1}: ")
    assert message in str(raised.value)
    assert not Measure.objects.exists()  # the good rows before it were not kept either


def test_the_command_reports_a_refusal(tmp_path):
    directory = _copy(tmp_path)
    _append(directory / "measures.csv", {"slug": "dden-grant-promotion", "name": "重複"})
    with pytest.raises(CommandError, match=r"nothing loaded: measures\.csv:"):
        call_command("load_measures", directory=directory, verbosity=0)


# --- the open-window rule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "fiscal_year"),
    [
        (datetime.date(2026, 3, 31), 2025),
        (datetime.date(2026, 4, 1), 2026),
        (datetime.date(2027, 1, 15), 2026),
        (datetime.date(2027, 3, 31), 2026),
    ],
)
def test_fiscal_years_run_april_to_march(day, fiscal_year):
    assert window_rules.fiscal_year_of(day) == fiscal_year


def test_the_day_is_japans():
    assert window_rules.today(datetime.datetime(2026, 3, 31, 14, 59, tzinfo=UTC)) == datetime.date(2026, 3, 31)
    assert window_rules.today(datetime.datetime(2026, 3, 31, 15, 0, tzinfo=UTC)) == datetime.date(2026, 4, 1)


def _window(measure, opens_on, closes_on=None):
    return Window.objects.create(
        measure=measure, fiscal_year=window_rules.fiscal_year_of(opens_on), opens_on=opens_on, closes_on=closes_on
    )


def test_a_window_across_new_year_is_open_on_both_ends_and_not_after(catalogue):
    measure = catalogue["dden-grant-promotion"]
    # FY2026's window from February to the last day of the fiscal year.
    _window(measure, datetime.date(2027, 2, 1), datetime.date(2027, 3, 31))
    open_ids = lambda day: set(selectors.catalogue(open_only=True, day=day).values_list("pk", flat=True))  # noqa: E731
    assert measure.pk not in open_ids(datetime.date(2027, 1, 31))
    assert measure.pk in open_ids(datetime.date(2027, 2, 1))
    assert measure.pk in open_ids(datetime.date(2027, 3, 31))
    assert measure.pk not in open_ids(datetime.date(2027, 4, 1))
    # The JST day decides, not the UTC one: 15:00 UTC on 31 March is already 1 April in Japan.
    assert measure.pk not in open_ids(window_rules.today(datetime.datetime(2027, 3, 31, 15, 0, tzinfo=UTC)))
    assert measure.pk in open_ids(window_rules.today(datetime.datetime(2027, 3, 31, 14, 59, tzinfo=UTC)))


def test_a_window_without_a_closing_day_stays_open_and_open_ones_come_first(catalogue):
    measure = catalogue["relocation-support"]
    _window(measure, datetime.date(2026, 4, 1))
    rows = list(selectors.catalogue(day=datetime.date(2026, 12, 1)))
    assert rows[0] == measure and rows[0].is_open
    assert not rows[1].is_open


# --- the API ---------------------------------------------------------------------------------


def test_the_list_and_the_detail_keep_the_contract(api, people, catalogue):
    measure = catalogue["dden-grant-digital-implementation"]
    _window(measure, datetime.date(2026, 4, 1), datetime.date(2026, 5, 31))
    client = api(people["matsumoto"])
    response = client.get("/api/v1/measures/", {"policy_area": "grant"})
    assert response.status_code == 200
    body = response.json()
    assert {"count", "next", "previous", "results"} <= set(body)
    row = next(r for r in body["results"] if r["id"] == measure.pk)
    assert {"id", "name", "ministry", "policy_areas", "kind", "summary", "windows", "kpis", "source", "url"} <= set(row)
    assert row["ministry"] == "cao" and "grant" in row["policy_areas"] and row["kind"] == "grant"
    assert row["windows"] == [{"opens_on": "2026-04-01", "closes_on": "2026-05-31", "fiscal_year": 2026, "note": ""}]
    assert {"name", "target", "unit", "target_year"} <= set(row["kpis"][0])
    detail = client.get(f"/api/v1/measures/{measure.pk}/").json()
    assert detail["id"] == measure.pk and detail["following"] is False
    assert client.get("/api/v1/measures/999999/").status_code == 404
    assert api(None).get("/api/v1/measures/").status_code in (401, 403)


def test_filters_search_and_open(api, people, catalogue):
    client = api(people["maff"])
    names = lambda **params: {r["id"] for r in client.get("/api/v1/measures/", params).json()["results"]}  # noqa: E731
    assert catalogue["giga-school"].pk in names(q="GIGA")
    assert names(ministry="meti") >= {catalogue["it-introduction-subsidy"].pk, catalogue["j-startup"].pk}
    assert names(policy_area="smart-agri", ministry="maff") == set(
        Measure.objects.filter(policy_areas__slug="smart-agri", ministry__slug="maff").values_list("pk", flat=True)
    )
    assert names(open="true") == set()
    _window(catalogue["giga-school"], datetime.date(2020, 4, 1))
    assert names(open="true") == {catalogue["giga-school"].pk}
    assert client.get("/api/v1/measures/", {"kind": "bribe"}).status_code == 400


def test_search_folds_width_and_case_and_pages_keep_the_order(api, people, catalogue):
    client = api(people["maff"])
    names = lambda **params: [r["id"] for r in client.get("/api/v1/measures/", params).json()["results"]]  # noqa: E731
    giga = catalogue["giga-school"].pk
    # Full-width and lower-case letters find the same measure as "GIGA".
    assert giga in names(q="ｇｉｇａ") and names(q="ｇｉｇａ") == names(q="GIGA")
    # An edit refreshes the folded column.
    services.update_measure(actor=people["secretariat"], measure=catalogue["giga-school"], summary="ＢＡＮＳＯ検証用")
    assert names(q="banso検証") == [giga]
    # Page by page, the list is the catalogue's order (open windows first, then by name).
    _window(catalogue["midori-grant"], datetime.date(2020, 4, 1))
    expected = list(selectors.catalogue().values_list("pk", flat=True))
    paged = names(page_size=10) + names(page_size=10, page=2)
    assert paged == expected[:20] and paged[0] == catalogue["midori-grant"].pk


def test_the_catalogue_uses_the_japanese_search(api, people, catalogue):
    client = api(people["matsumoto"])
    names = lambda q: [r["id"] for r in client.get("/api/v1/measures/", {"q": q}).json()["results"]]  # noqa: E731
    telework = catalogue["dden-grant-telework"].pk
    # A synonym (リモートワーク → テレワーク) and katakana typed as hiragana both find it.
    assert telework in names("リモートワーク") and telework in names("てれわーく")
    # The name weighs more than the summary: a measure named with the word comes first.
    named = set(Measure.objects.filter(name__contains="テレワーク").values_list("pk", flat=True))
    found = names("テレワーク")
    assert set(found[: len(named)]) == named and len(found) > len(named)
    # Nothing but punctuation finds nothing; an unknown word neither.
    assert names("、。") == [] and names("存在しない語彙ぽぽぽ") == []


def test_the_list_does_not_grow_queries_with_its_length(api, people, catalogue):
    client = api(people["matsumoto"])
    client.get("/api/v1/measures/", {"page_size": 5})
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/measures/", {"page_size": 5})
    with CaptureQueriesContext(connection) as large:
        assert len(client.get("/api/v1/measures/", {"page_size": 100}).json()["results"]) >= 40
    assert len(large) == len(small)


def test_follow_and_unfollow(api, people, catalogue):
    measure = catalogue["giga-school"]
    client = api(people["niigata"])
    assert client.post(f"/api/v1/measures/{measure.pk}/follow/").json() == {"following": True}
    assert client.post(f"/api/v1/measures/{measure.pk}/follow/").json() == {"following": True}
    assert measure.follows.count() == 1
    assert client.get(f"/api/v1/measures/{measure.pk}/").json()["following"] is True
    assert client.delete(f"/api/v1/measures/{measure.pk}/follow/").json() == {"following": False}
    assert not measure.follows.exists()
    assert client.post("/api/v1/measures/999999/follow/").status_code == 404


# --- introduced in an answer ---------------------------------------------------------------------


def test_the_office_introduces_measures_and_the_filer_sees_them(api, people, catalogue, file):
    consultation = file(people["matsumoto"])  # smart-agri: 関東農政局
    ids = [catalogue["smart-agri-demonstration"].pk, catalogue["midori-grant"].pk]
    office = api(people["maff"])
    response = office.post(f"/api/v1/consultations/{consultation.pk}/measures/", {"measures": ids}, format="json")
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["measures"]] == ids
    event = consultation.events.get(kind="measures_introduced")
    assert event.data == {"added": ids, "removed": []} and event.actor == people["maff"]
    seen = api(people["matsumoto"]).get(f"/api/v1/consultations/{consultation.pk}/measures/").json()
    assert [row["id"] for row in seen["measures"]] == ids
    # Setting the list again replaces it.
    office.post(f"/api/v1/consultations/{consultation.pk}/measures/", {"measures": ids[:1]}, format="json")
    assert list(Introduction.objects.filter(consultation=consultation).values_list("measure_id", flat=True)) == ids[:1]


def test_only_the_offices_of_a_consultation_introduce_and_outsiders_get_404(api, people, catalogue, file):
    consultation = file(people["matsumoto"])
    body = {"measures": [catalogue["giga-school"].pk]}
    url = f"/api/v1/consultations/{consultation.pk}/measures/"
    # The filer sees it but does not answer it.
    assert api(people["matsumoto"]).post(url, body, format="json").status_code == 403
    # Outside its visibility: 404, reading or writing.
    for outsider in ("niigata", "meti"):
        assert api(people[outsider]).post(url, body, format="json").status_code == 404
        assert api(people[outsider]).get(url).status_code == 404
    assert not Introduction.objects.exists()
    bad = api(people["maff"]).post(url, {"measures": [999999]}, format="json")
    assert bad.status_code == 400 and "measures" in bad.content.decode()


def test_staff_see_introduced_measures_only_through_their_consultations(api, people, catalogue, file):
    from django.http import Http404

    from consult import selectors as consult_selectors

    consultation = file(people["matsumoto"])
    measure = catalogue["giga-school"]
    services.set_introduced_measures(actor=people["maff"], consultation=consultation, measure_ids=[measure.pk])
    # The catalogue itself never says which consultation a measure answered.
    detail = api(people["niigata"]).get(f"/api/v1/measures/{measure.pk}/").json()
    assert str(consultation.pk) not in {str(v) for v in detail.values()} and "consultations" not in detail

    with pytest.raises(Http404):
        consult_selectors.access_consultation(people["niigata"], consultation.pk)
    seen = consult_selectors.access_consultation(people["matsumoto"], consultation.pk)
    assert [row.measure.slug for row in selectors.introduced(seen)] == ["giga-school"]
