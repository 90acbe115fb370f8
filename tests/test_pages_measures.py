"""The measure pages: the catalogue with its filters, a measure and its
printable view, the filing form's panel (with and without JavaScript), the
consultation page's introduced measures, and the secretariat's figures and CSV."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from measures import services
from measures import windows as window_rules
from measures.models import Introduction, Kpi, Measure, Window

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _drafts_dir(settings, tmp_path):
    settings.BANSO_DRAFTS_DIR = tmp_path / "drafts"


@pytest.fixture
def catalogue(db):
    call_command("load_measures", verbosity=0)
    return {m.slug: m for m in Measure.objects.all()}


@pytest.fixture
def client_of():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def _open_window(measure, closes_in_days=30):
    today = window_rules.today()
    return Window.objects.create(
        measure=measure,
        fiscal_year=window_rules.fiscal_year_of(today - datetime.timedelta(days=1)),
        opens_on=today - datetime.timedelta(days=1),
        closes_on=today + datetime.timedelta(days=closes_in_days),
    )


def test_the_catalogue_filters_and_puts_open_windows_first(people, client_of, catalogue):
    _open_window(catalogue["midori-grant"])
    client = client_of(people["matsumoto"])
    page = client.get("/measures/", {"policy_area": "smart-agri"}).content.decode()
    assert page.index("みどりの食料システム戦略推進交付金") < page.index("スマート農業実証プロジェクト")
    assert "公募中" in page
    assert "GIGAスクール構想</a>" not in page
    only_open = client.get("/measures/", {"open": "1"}).content.decode()
    assert "みどりの食料システム戦略推進交付金</a>" in only_open and "スマート農業実証プロジェクト</a>" not in only_open
    by_ministry = client.get("/measures/", {"ministry": "mext"}).content.decode()
    assert "GIGAスクール構想</a>" in by_ministry and "デジタル推進委員</a>" not in by_ministry
    by_kind = client.get("/measures/", {"kind": "guideline", "q": "オンライン診療"}).content.decode()
    assert "オンライン診療の適切な実施に関する指針" in by_kind
    assert client_of(people["maff"]).get("/measures/").status_code == 200
    assert Client().get("/measures/").status_code == 302  # sign-in first


def test_the_catalogue_page_does_not_grow_queries_with_its_length(people, client_of, catalogue):
    client = client_of(people["matsumoto"])
    client.get("/measures/", {"policy_area": "transport-dx"})
    with CaptureQueriesContext(connection) as small:
        client.get("/measures/", {"policy_area": "transport-dx"})
    with CaptureQueriesContext(connection) as large:
        client.get("/measures/")
    assert len(large) == len(small)


def test_a_measure_page_follows_and_prints(people, client_of, catalogue):
    measure = catalogue["dden-grant-digital-implementation"]
    client = client_of(people["niigata"])
    page = client.get(f"/measures/{measure.pk}/").content.decode()
    assert "1,500" in page and "デジタル実装に取り組む地方公共団体" in page
    assert "出典に記載なし" in page  # the window the source does not give
    response = client.post(f"/measures/{measure.pk}/follow/", {"follow": "1"})
    assert response.status_code == 302 and measure.follows.filter(user=people["niigata"]).exists()
    assert "フォローを解除する" in client.get(f"/measures/{measure.pk}/").content.decode()
    client.post(f"/measures/{measure.pk}/follow/", {"follow": "0"})
    assert not measure.follows.exists()
    printed = client.get(f"/measures/{measure.pk}/print/").content.decode()
    assert measure.name in printed and 'class="main-nav"' not in printed
    assert client.get("/measures/999999/").status_code == 404


def test_the_ministry_in_charge_records_the_latest_kpi_value(people, client_of, catalogue):
    measure = catalogue["smart-agri-demonstration"]
    kpi = Kpi.objects.create(measure=measure, position=1, name="試験の指標", target="10", unit="件", source="test")
    url = f"/measures/{measure.pk}/kpis/{kpi.pk}/"
    client_of(people["maff"]).post(url, {"value": "4", "as_of": "2026-10-01"})
    kpi.refresh_from_db()
    assert (kpi.latest_value, kpi.latest_as_of) == ("4", datetime.date(2026, 10, 1))
    client_of(people["meti"]).post(url, {"value": "9", "as_of": "2026-11-01"})
    kpi.refresh_from_db()
    assert kpi.latest_value == "4"  # another ministry may not
    assert measure.revisions.filter(actor=people["maff"], changes__has_key="kpi:1").exists()


def test_the_filing_form_shows_the_areas_measures_without_javascript(people, client_of, catalogue):
    _open_window(catalogue["midori-grant"])
    client = client_of(people["matsumoto"])
    blank = client.get("/consultations/new/").content.decode()
    assert "この分野の関連施策" in blank and "施策分野を選ぶと" in blank
    response = client.post("/consultations/new/", {"policy_area": "smart-agri", "show_measures": "1"})
    assert response.status_code == 302 and response["Location"].endswith("#area-measures")
    page = client.get(response["Location"]).content.decode()
    panel = page[page.index('id="area-measures"') :]
    assert panel.index("みどりの食料システム戦略推進交付金") < panel.index("スマート農業実証プロジェクト")
    assert "公募中" in panel


def test_the_filing_forms_panel_for_htmx(people, client_of, catalogue):
    client = client_of(people["matsumoto"])
    fragment = client.get("/measures/area-panel/", {"policy_area": "health-dx"}, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in body
    assert "オンライン診療の適切な実施に関する指針" in body
    assert client_of(people["maff"]).get("/measures/area-panel/").status_code == 404  # liaisons do not file


def test_the_office_introduces_measures_on_the_consultation_page(people, client_of, catalogue, file):
    consultation = file(people["matsumoto"])
    url = f"/consultations/{consultation.pk}/"
    office_page = client_of(people["maff"]).get(url).content.decode()
    assert "回答で紹介する施策を選ぶ" in office_page and "スマート農業実証プロジェクト" in office_page
    chosen = catalogue["smart-agri-demonstration"]
    response = client_of(people["maff"]).post(f"{url}measures/", {"measures": [chosen.pk]})
    assert response.status_code == 302 and response["Location"].endswith("#introduced-measures")
    assert Introduction.objects.filter(consultation=consultation, measure=chosen).exists()
    filer_page = client_of(people["matsumoto"]).get(url).content.decode()
    section = filer_page[filer_page.index('id="introduced-measures"') :]
    assert chosen.name in section and "回答で紹介する施策を選ぶ" not in section
    # The filer cannot set them, and an outsider does not find the consultation.
    client_of(people["matsumoto"]).post(f"{url}measures/", {"measures": []})
    assert Introduction.objects.filter(consultation=consultation).exists()
    assert client_of(people["meti"]).post(f"{url}measures/", {"measures": []}).status_code == 404


def test_the_secretariat_sees_usage_kpis_and_roadmap_and_takes_csv(people, client_of, catalogue, file):
    consultation = file(people["matsumoto"])
    measure = catalogue["smart-agri-demonstration"]
    services.set_introduced_measures(actor=people["maff"], consultation=consultation, measure_ids=[measure.pk])
    client = client_of(people["secretariat"])
    page = client.get(f"/measures/{measure.pk}/").content.decode()
    assert "この施策で回答した相談（年度別）" in page and "松本市" in page
    figures = client.get("/measures/figures/").content.decode()
    assert "デジタル実装に取り組む地方公共団体" in figures and "少なくとも100か所" in figures
    usage = client.get("/measures/figures/usage.csv")
    assert usage["Content-Type"].startswith("text/csv")
    text = usage.content.decode("utf-8-sig")
    year = window_rules.fiscal_year_of(window_rules.today())
    assert f"スマート農業実証プロジェクト,{year},1,松本市" in text
    assert "1,500" in client.get("/measures/figures/kpis.csv").content.decode("utf-8-sig")
    assert client.get("/measures/figures/other.csv").status_code == 404
    assert client_of(people["maff"]).get("/measures/figures/").status_code == 404
    # The dashboard shows the same KPI table (with the latest value the ministry entered) and roadmap.
    kpi = Kpi.objects.filter(measure__is_active=True).select_related("measure__ministry").first()
    services.record_kpi_value(actor=people["secretariat"], kpi=kpi, value="42", as_of=datetime.date(2026, 11, 1))
    dashboard = client.get("/dashboard/").content.decode()
    assert "関連施策のKPI表" in dashboard and "関連施策の工程表" in dashboard
    assert kpi.name in dashboard and "42" in dashboard and "少なくとも100か所" in dashboard


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_every_measure_csv_neutralises_a_cell_that_starts_like_a_formula(people, client_of, catalogue, start):
    measure = catalogue["smart-agri-demonstration"]
    Measure.objects.filter(pk=measure.pk).update(name=f"{start}HYPERLINK(1)")
    measure.milestones.create(fiscal_year=2027, description=f"{start}cmd")
    measure.kpis.create(name=f"{start}SUM(A1)", target="1", unit="件")
    client = client_of(people["secretariat"])
    for name in ("kpis", "roadmap", "usage"):
        rows = list(csv.reader(io.StringIO(client.get(f"/measures/figures/{name}.csv").content.decode("utf-8-sig"))))
        cells = [cell for row in rows[1:] for cell in row]
        assert not [cell for cell in cells if cell.startswith(start)], name
    kpis = client.get("/measures/figures/kpis.csv").content.decode("utf-8-sig")
    assert f"'{start}HYPERLINK(1)" in kpis and f"'{start}SUM(A1)" in kpis


def test_the_secretariat_records_a_window_and_it_shows_as_open(people, client_of, catalogue):
    measure = catalogue["regional-university-grant"]
    today = window_rules.today()
    url = f"/measures/{measure.pk}/windows/"
    body = {
        "window-new-opens_on": today.isoformat(),
        "window-new-closes_on": (today + datetime.timedelta(days=10)).isoformat(),
    }
    assert client_of(people["matsumoto"]).post(url, body).status_code == 404
    response = client_of(people["secretariat"]).post(url, body)
    assert response.status_code == 302
    window = measure.windows.get()
    assert window.fiscal_year == window_rules.fiscal_year_of(today)
    assert measure.revisions.filter(changes__has_key="window_added", actor=people["secretariat"]).exists()
    assert "公募中" in client_of(people["matsumoto"]).get(f"/measures/{measure.pk}/").content.decode()
    # Closing before opening is refused.
    client_of(people["secretariat"]).post(
        url, {"window-new-opens_on": "2030-05-02", "window-new-closes_on": "2030-05-01"}
    )
    assert measure.windows.count() == 1


# --- the secretariat's edit page -----------------------------------------------------------------


def _measure_body(measure, **values) -> dict:
    body = {
        "name": measure.name, "summary": measure.summary, "kind": measure.kind, "ministry": measure.ministry_id,
        "office": measure.office_id or "", "policy_areas": [a.pk for a in measure.policy_areas.all()],
        "eligibility": measure.eligibility, "budget_line": measure.budget_line, "contact": measure.contact,
        "url": measure.url, "source": measure.source, "is_active": "on" if measure.is_active else "",
    }  # fmt: skip
    return body | values


def test_the_secretariat_edits_a_measure_and_the_page_shows_who_changed_what(people, client_of, catalogue):
    measure = catalogue["giga-school"]
    url = f"/measures/{measure.pk}/edit/"
    secretariat = client_of(people["secretariat"])
    page = secretariat.get(url)
    assert page.status_code == 200 and measure.name in page.content.decode()
    response = secretariat.post(url, _measure_body(measure, contact="文部科学省 修学支援・教材課"))
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.contact == "文部科学省 修学支援・教材課"
    revision = measure.revisions.get(origin="page")
    assert revision.actor == people["secretariat"] and list(revision.changes) == ["contact"]
    # Saving unchanged values records nothing.
    secretariat.post(url, _measure_body(measure))
    assert measure.revisions.filter(origin="page").count() == 1
    # A bad value is shown at its field and nothing changes.
    bad = secretariat.post(url, _measure_body(measure, name="", url="not a url"))
    assert bad.status_code == 200 and "入力内容に問題があります" in bad.content.decode()
    measure.refresh_from_db()
    assert measure.name and measure.revisions.filter(origin="page").count() == 1
    history = secretariat.get(url).content.decode()
    assert "文部科学省 修学支援・教材課" in history and people["secretariat"].display_name in history
    assert "問い合わせ先" in history
    assert "文部科学省 修学支援・教材課" in secretariat.get(f"/measures/{measure.pk}/").content.decode()


@pytest.mark.parametrize("outsider", ["matsumoto", "maff", "meti"])
def test_only_the_secretariat_reaches_the_edit_page_and_its_forms(people, client_of, catalogue, outsider):
    measure = catalogue["smart-agri-demonstration"]
    kpi = Kpi.objects.create(measure=measure, position=9, name="試験の指標", source="test")
    client = client_of(people[outsider])
    assert client.get(f"/measures/{measure.pk}/edit/").status_code == 404
    for url, body in [
        (f"/measures/{measure.pk}/edit/", _measure_body(measure, name="乗っ取り")),
        (f"/measures/{measure.pk}/kpis/new/", {"kpi-new-name": "乗っ取り"}),
        (f"/measures/{measure.pk}/kpis/{kpi.pk}/edit/", {"delete": "1"}),
        (
            f"/measures/{measure.pk}/milestones/",
            {"milestone-new-fiscal_year": "2027", "milestone-new-description": "x"},
        ),
    ]:
        assert client.post(url, body).status_code == 404
    measure.refresh_from_db()
    assert measure.name != "乗っ取り" and Kpi.objects.filter(pk=kpi.pk).exists()
    assert not measure.revisions.filter(origin="page").exists()


def test_windows_kpis_and_milestones_are_edited_with_history(people, client_of, catalogue):
    measure = catalogue["regional-university-grant"]
    other = catalogue["giga-school"]
    client = client_of(people["secretariat"])
    base = f"/measures/{measure.pk}"
    client.post(f"{base}/windows/", {"window-new-opens_on": "2027-04-01", "window-new-closes_on": "2027-05-31"})
    window = measure.windows.get()
    client.post(f"{base}/windows/{window.pk}/", {f"window-{window.pk}-opens_on": "2027-03-25",
                                                 f"window-{window.pk}-closes_on": "2027-05-31"})  # fmt: skip
    window.refresh_from_db()
    assert window.opens_on == datetime.date(2027, 3, 25) and window.fiscal_year == 2026  # March is the year before
    # Another measure's window is not reached through this one.
    foreign = Window.objects.create(measure=other, fiscal_year=2027, opens_on=datetime.date(2027, 6, 1))
    assert client.post(f"{base}/windows/{foreign.pk}/", {"delete": "1"}).status_code == 404
    client.post(f"{base}/kpis/new/", {"kpi-new-name": "参加大学数", "kpi-new-target": "30", "kpi-new-unit": "校",
                                      "kpi-new-target_year": "2027", "kpi-new-source": "資料 p.3"})  # fmt: skip
    kpi = measure.kpis.get(name="参加大学数")
    client.post(f"{base}/kpis/{kpi.pk}/edit/", {f"kpi-{kpi.pk}-name": "参加大学数", f"kpi-{kpi.pk}-target": "40",
                                                f"kpi-{kpi.pk}-unit": "校", f"kpi-{kpi.pk}-target_year": "2028"})  # fmt: skip
    kpi.refresh_from_db()
    assert (kpi.target, kpi.target_year, kpi.source) == ("40", 2028, "")
    client.post(f"{base}/milestones/", {"milestone-new-fiscal_year": "2027", "milestone-new-description": "制度設計"})
    step = measure.milestones.get(description="制度設計")
    client.post(f"{base}/milestones/{step.pk}/", {f"milestone-{step.pk}-fiscal_year": "2028",
                                                  f"milestone-{step.pk}-description": "本格実施"})  # fmt: skip
    step.refresh_from_db()
    assert (step.fiscal_year, step.description) == (2028, "本格実施")
    # A bad row changes nothing and says why.
    response = client.post(f"{base}/milestones/", {"milestone-new-fiscal_year": "1800"}, follow=True)
    assert "年度" in response.content.decode() and measure.milestones.count() == 1
    for url in (f"{base}/windows/{window.pk}/", f"{base}/kpis/{kpi.pk}/edit/", f"{base}/milestones/{step.pk}/"):
        assert client.post(url, {"delete": "1"}).status_code == 302
    assert not measure.windows.exists() and not measure.kpis.exists() and not measure.milestones.exists()
    assert Window.objects.filter(pk=foreign.pk).exists()
    keys = [key.split(":")[0] for r in measure.revisions.filter(origin="page") for key in r.changes]
    assert sorted(keys) == sorted([
        "window_added", "window_changed", "window_removed", "kpi_added", "kpi_changed", "kpi_removed",
        "milestone_added", "milestone_changed", "milestone_removed",
    ])  # fmt: skip
    assert all(r.actor == people["secretariat"] for r in measure.revisions.filter(origin="page"))
    page = " ".join(client.get(f"{base}/edit/").content.decode().split())
    assert "2027-03-25〜2027-05-31" in page and "参加大学数: 30 校（2027年度） → 参加大学数: 40 校（2028年度）" in page


def test_the_ministry_in_charge_sees_the_history_of_its_kpi_values(people, client_of, catalogue):
    measure = catalogue["smart-agri-demonstration"]
    kpi = Kpi.objects.create(measure=measure, position=1, name="試験の指標", target="10", unit="件", source="test")
    maff = client_of(people["maff"])
    maff.post(f"/measures/{measure.pk}/kpis/{kpi.pk}/", {"value": "4", "as_of": "2026-10-01"})
    page = maff.get(f"/measures/{measure.pk}/").content.decode()
    assert "KPIの最新値" in page and "4 (2026-10-01)" in page and people["maff"].display_name in page
    # Staff and other ministries neither record nor see the history.
    for outsider in ("matsumoto", "meti"):
        other = client_of(people[outsider]).get(f"/measures/{measure.pk}/").content.decode()
        assert "変更履歴" not in other and f"/kpis/{kpi.pk}/" not in other


def test_the_edit_page_does_not_grow_queries_with_its_rows(people, client_of, catalogue):
    from measures.models import Milestone

    measure = catalogue["regional-university-grant"]
    client = client_of(people["secretariat"])
    url = f"/measures/{measure.pk}/edit/"

    def add(n):
        for i in range(n):
            start = datetime.date(2030 + len(measure.windows.all()) + i, 4, 1)
            services.add_window(actor=people["secretariat"], measure=measure, opens_on=start, closes_on=None)
            services.add_kpi(actor=people["secretariat"], measure=measure, name=f"指標{i}")
            Milestone.objects.create(measure=measure, fiscal_year=2030, position=100 + Milestone.objects.count(),
                                     description=f"工程{i}")  # fmt: skip

    add(1)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(5)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert page.count('name="delete"') >= 18
    assert len(many) == len(few)
