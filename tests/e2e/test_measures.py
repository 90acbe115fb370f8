"""The measure pages in the browser through axe-core (WCAG 2.1 A and AA, at 1280
and 360 px), and the filing form's panel following the chosen area with htmx."""

import datetime

import pytest

from .conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)

STAFF = "staff@matsumoto.example.lg.jp"
LIAISON = "liaison@kanto.maff.example.go.jp"
SECRETARIAT = "secretariat@cao.example.go.jp"


@pytest.fixture
def data(site, django_user_model):
    from django.core.management import call_command

    from consult import services as consult_services
    from measures import services
    from measures import windows as window_rules
    from measures.models import Kpi, Measure, Milestone, Window

    call_command("load_measures", verbosity=0)
    users = {user.email: user for user in django_user_model.objects.all()}
    measure = Measure.objects.get(slug="midori-grant")
    today = window_rules.today()
    Window.objects.create(
        measure=measure, fiscal_year=window_rules.fiscal_year_of(today), opens_on=today,
        closes_on=today + datetime.timedelta(days=20),
    )  # fmt: skip
    consultation = consult_services.file_consultation(
        actor=users[STAFF], title="スマート農業の導入について", body="ドローンの補助制度について伺います。",
        policy_area="smart-agri",
    ).consultation  # fmt: skip
    services.set_introduced_measures(actor=users[LIAISON], consultation=consultation, measure_ids=[measure.pk])
    Kpi.objects.create(measure=measure, position=1, name="試験の指標", target="10", unit="件", source="test")
    Milestone.objects.create(measure=measure, fiscal_year=2027, position=1, description="試験の工程")
    return users, consultation, measure


def test_the_measure_pages_are_accessible(open_as, data):
    users, consultation, measure = data
    pages = {
        STAFF: ["/measures/", "/measures/?policy_area=smart-agri&open=1", f"/measures/{measure.pk}/",
                f"/measures/{measure.pk}/print/", f"/consultations/{consultation.pk}/"],
        LIAISON: [f"/consultations/{consultation.pk}/", f"/measures/{measure.pk}/"],
        SECRETARIAT: ["/measures/figures/", f"/measures/{measure.pk}/", f"/measures/{measure.pk}/edit/"],
    }  # fmt: skip
    for email, paths in pages.items():
        for path in paths:
            page = open_as(users[email], path)
            assert page.locator("main h1").count() == 1, path
            name = "-".join(["measures", email.split("@")[0], *path.split("?")[0].strip("/").split("/")])
            check_page(page, name.replace(str(measure.pk), "id").replace(str(consultation.pk), "id"))
            page.context.close()


def test_the_filing_panel_follows_the_chosen_area(open_as, data):
    users, _, _ = data
    page = open_as(users[STAFF], "/consultations/new/")
    panel = page.locator("#area-measures")
    assert "施策分野を選ぶと" in panel.inner_text()
    page.locator("input[name='policy_area'][value='smart-agri']").check()
    page.wait_for_function(
        "() => document.querySelector('#area-measures').innerText.includes('みどりの食料システム戦略推進交付金')"
    )
    text = page.locator("#area-measures").inner_text()
    assert text.index("みどりの食料システム戦略推進交付金") < text.index("スマート農業実証プロジェクト")  # open first
    assert "公募中" in text
    page.locator("input[name='policy_area'][value='health-dx']").check()
    page.wait_for_function(
        "() => document.querySelector('#area-measures').innerText.includes('オンライン診療の適切な実施に関する指針')"
    )
    check_page(page, "measures-filing-panel")


def test_the_secretariat_edits_a_measure_and_the_ministry_records_a_kpi(open_as, data):
    users, _, measure = data
    page = open_as(users[SECRETARIAT], f"/measures/{measure.pk}/edit/")
    page.get_by_label("問い合わせ先").fill("農林水産省 農産局 試験係")
    page.get_by_role("button", name="施策の内容を保存する").click()
    page.wait_for_url(f"**/measures/{measure.pk}/edit/")
    history = page.locator("#history ~ ol").inner_text()
    assert "問い合わせ先" in history and "農林水産省 農産局 試験係" in history
    page.locator("#id_milestone-new-fiscal_year").fill("2027")
    page.locator("#id_milestone-new-description").fill("本格実施")
    page.locator("form[action$='/milestones/'] button").click()
    page.wait_for_url("**#milestones")
    assert "工程表に追加しました。" in page.locator("body").inner_text()
    check_page(page, "measures-edit-after-save")
    page.context.close()
    liaison = open_as(users[LIAISON], f"/measures/{measure.pk}/")
    liaison.get_by_label("最新値").fill("7")
    liaison.get_by_label("時点（YYYY-MM-DD）").fill("2026-11-30")
    liaison.get_by_role("button", name="記録する").click()
    liaison.wait_for_url(f"**/measures/{measure.pk}/#kpis")
    assert "7 (2026-11-30)" in liaison.locator("#history ~ ol").inner_text()
    liaison.context.close()
