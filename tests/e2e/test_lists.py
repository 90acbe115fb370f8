"""The list pages in Chromium: staff home, liaison queue, secretariat triage,
and a bulk accept done with the keyboard and clicks."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from .conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)

JST = ZoneInfo("Asia/Tokyo")
STAFF = "staff@matsumoto.example.lg.jp"
LIAISON = "liaison@kanto.maff.example.go.jp"
LEAD = "lead@kanto.maff.example.go.jp"
SECRETARIAT = "secretariat@cao.example.go.jp"


def user(email):
    from accounts.models import User

    return User.objects.get(email=email)


def file(title, *, email=STAFF, **fields):
    from consult import services

    fields.setdefault("policy_area", "smart-agri")
    return services.file_consultation(
        actor=user(email), title=title, body="ドローンによる農薬散布の補助制度について伺います。", **fields
    ).consultation


def test_staff_home_with_consultations(open_as, site):
    from consult import services

    file("ドローンによる農薬散布の補助について")
    waiting = file("スマート農業機械の共同利用について")
    services.transition(
        actor=user(LIAISON), consultation=waiting, action="request_info", comment="対象の面積を教えてください"
    )
    page = open_as(user(STAFF), "/")
    assert page.get_by_role("heading", name="回答をお待たせしている相談").is_visible()
    assert page.get_by_role("link", name="新しい相談").first.is_visible()
    assert page.locator(".notification-banner--important").is_visible()
    check_page(page, "home-staff")


def test_liaison_queue_with_unassigned_and_overdue_rows(open_as, site):
    from consult import services

    overdue = file("期限を過ぎたスマート農業の相談", now=datetime.datetime(2025, 4, 1, 10, 0, tzinfo=JST))
    accepted = file("受付済みの相談")
    services.transition(actor=user(LEAD), consultation=accepted, action="accept")
    page = open_as(user(LIAISON), "/queue/")
    first_row = page.locator("tbody tr").first
    assert overdue.reference in first_row.inner_text()
    assert "期限超過" in first_row.inner_text() and "未割当" in first_row.inner_text()
    check_page(page, "queue")


def test_bulk_accept_by_keyboard_and_clicks(open_as, site):
    from consult.models import Consultation

    one = file("一件目の相談")
    two = file("二件目の相談")
    three = file("三件目の相談")
    page = open_as(user(LIAISON), "/queue/")
    # Keyboard: tick one row's box with the space bar.
    page.get_by_label(f"{one.reference} を選択").focus()
    page.keyboard.press("Space")
    assert page.get_by_label(f"{one.reference} を選択").is_checked()
    # Clicks: the select-all box (shown by the script) ticks every row.
    select_all = page.get_by_label("このページの対応中の相談をすべて選択")
    select_all.click()
    for consultation in (one, two, three):
        assert page.get_by_label(f"{consultation.reference} を選択").is_checked()
    page.get_by_label(f"{three.reference} を選択").click()  # leave this one
    button = page.get_by_role("button", name="選択した相談を受け付ける")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/queue/**")
    banner = page.locator(".notification-banner--success")
    assert "2件の相談を受け付けました" in banner.inner_text()
    statuses = dict(Consultation.objects.filter(pk__in=[one.pk, two.pk, three.pk]).values_list("pk", "status"))
    assert statuses == {one.pk: "in_progress", two.pk: "in_progress", three.pk: "open"}
    check_page(page, "queue-accepted")


def test_triage_page_with_a_row_and_routing_it(open_as, site):
    from consult.models import Consultation

    consultation = file("どこに相談すべきか分かりません", email="staff@niigata.example.lg.jp", policy_area="other")
    assert consultation.status == "triage"
    page = open_as(user(SECRETARIAT), "/triage/")
    assert page.get_by_role("heading", name=consultation.title).is_visible()
    check_page(page, "triage")
    # An empty reason: the error summary takes focus and links to the field.
    page.get_by_label("振り分け先の部局").select_option("digital-hq")
    page.get_by_label("振り分けの理由").fill("")
    page.get_by_role("button", name="振り分ける").click()
    summary = page.locator(".error-summary")
    assert consultation.reference in summary.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    check_page(page, "triage-error")
    page.get_by_label("振り分けの理由").fill("データ連携の相談のため")
    page.get_by_role("button", name="振り分ける").click()
    assert "デジタル庁" in page.locator(".notification-banner--success").inner_text()
    consultation.refresh_from_db()
    assert consultation.status == "open"
    assert Consultation.objects.get(pk=consultation.pk).primary_office.slug == "digital-hq"
