"""The secretariat's dashboard in a real browser: accessible at 1280 and 360 px with
data, the chart drawn beside its data table, drill-down, escalation by keyboard."""

import datetime

import pytest
from django.utils import timezone

from .conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def filled(site):
    """A fortnight of consultations filed ten days ago and since: some answered in
    time, some overdue, one from another prefecture; then the rollup refreshed."""
    from accounts.models import User
    from consult import services
    from metrics import services as metrics_services

    staff = User.objects.get(email="staff@matsumoto.example.lg.jp")
    niigata = User.objects.get(email="staff@niigata.example.lg.jp")
    liaison = User.objects.get(email="liaison@kanto.maff.example.go.jp")
    now = timezone.now()
    filed = []
    for day in range(10, 0, -1):
        at = now - datetime.timedelta(days=day)
        c = services.file_consultation(
            actor=staff if day % 3 else niigata, title=f"スマート農業の導入 {day}", body="補助制度について",
            policy_area="smart-agri", now=at,
        ).consultation  # fmt: skip
        if day % 2 and day % 3:  # 関東農政局 answers its own (新潟市 goes to 北陸農政局)
            services.post_message(
                actor=liaison, consultation=c, body="回答します", now=at + datetime.timedelta(hours=1)
            )
        filed.append(c)
    metrics_services.refresh_changed()
    return filed


def secretariat():
    from accounts.models import User

    return User.objects.get(email="secretariat@cao.example.go.jp")


def test_dashboard_with_data(open_as, filled):
    page = open_as(secretariat(), "/dashboard/")
    assert page.get_by_role("heading", name="モニタリング", level=1).is_visible()
    canvas = page.locator("canvas#trend-chart")
    page.wait_for_selector("canvas#trend-chart[data-drawn='true']")
    assert canvas.get_attribute("role") == "img" and "推移" in canvas.get_attribute("aria-label")
    assert page.evaluate("document.getElementById('trend-chart').width") > 0
    # The same numbers as a table, one click away (open when the chart cannot be drawn).
    assert page.locator("details[data-chart-table] table tbody tr").count() >= 1
    assert page.locator(".tile").count() == 47
    assert page.get_by_text("集計時点").count() >= 1
    check_page(page, "dashboard")


def test_dashboard_without_javascript_shows_the_table(browser, site, filled):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(secretariat())
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": site.url}])  # fmt: skip
    page = context.new_page()
    page.goto(site.url + "/dashboard/")
    assert page.locator("details[data-chart-table] table").is_visible()
    context.close()


def test_drill_down_from_a_cell(open_as, filled):
    page = open_as(secretariat(), "/dashboard/?group_by=office")
    page.locator("table.dashboard-table tbody tr").first.locator("td a").first.click()
    page.wait_for_url("**/dashboard/consultations/**")
    assert page.get_by_role("heading", level=1).inner_text().startswith("関東農政局")
    assert page.locator("table tbody tr").count() >= 1
    check_page(page, "dashboard-consultations")


def test_escalate_by_keyboard(open_as, filled):
    from consult.models import Event

    page = open_as(secretariat(), "/dashboard/")
    button = page.locator("#overdue-title ~ .table-wrap button").first
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "エスカレーションしました" in page.locator(".notification-banner").inner_text()
    assert Event.objects.filter(kind="escalated", actor__email="secretariat@cao.example.go.jp").count() == 1
