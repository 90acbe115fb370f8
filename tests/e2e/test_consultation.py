"""The consultation page in Chromium: accessible for each role and with an
error shown, an action through its button, and live updates that leave a
half-written reply alone."""

import pytest
from django.contrib.auth import get_user_model

from consult import services
from consult.lifecycle import Status
from consult.models import Consultation
from consult.services import Upload

from .conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def user(email):
    return get_user_model().objects.get(email=email)


@pytest.fixture
def consultation(site):
    staff = user("staff@matsumoto.example.lg.jp")
    liaison = user("liaison@kanto.maff.example.go.jp")
    c = services.file_consultation(
        actor=staff,
        title="スマート農業の導入について",
        body="ドローンによる農薬散布の補助制度について伺います。\n対象となる機種も教えてください。",
        policy_area="smart-agri",
        co_filers=["221007"],
        attachments=[Upload("導入計画.pdf", PDF)],
    ).consultation
    services.invite_collaborator(actor=liaison, consultation=c, office="meti-rbe-kanto")
    services.post_message(actor=liaison, consultation=c, body="補助要件を本省に確認中です。", internal=True)
    services.post_message(actor=staff, consultation=c, body="よろしくお願いします。")
    return c


def path(c) -> str:
    return f"/consultations/{c.pk}/"


def test_staff_page(open_as, consultation):
    page = open_as(user("staff@matsumoto.example.lg.jp"), path(consultation))
    assert page.get_by_role("heading", level=1).inner_text() == consultation.title
    assert "補助要件を本省に確認中です" not in page.content()
    assert page.get_by_role("button", name="返信を送信する").is_visible()
    check_page(page, "consultation-staff")


def test_liaison_page_marks_internal_notes(open_as, consultation):
    page = open_as(user("liaison@kanto.maff.example.go.jp"), path(consultation))
    note = page.locator("article.message--internal")
    assert "内部メモ（相談者には表示されません）" in note.inner_text()
    assert "補助要件を本省に確認中です" in note.inner_text()
    page.get_by_text("ほかの部局に移送する").click()  # open a form, as a liaison would
    check_page(page, "consultation-liaison")


def test_secretariat_page(open_as, consultation):
    page = open_as(user("secretariat@cao.example.go.jp"), path(consultation))
    page.get_by_text("履歴を表示").click()
    assert page.locator(".history table").is_visible()
    check_page(page, "consultation-secretariat")


def test_an_error_is_shown_at_the_top_and_at_the_field(open_as, consultation):
    page = open_as(user("liaison@kanto.maff.example.go.jp"), path(consultation))
    page.get_by_text("相談者に追加情報を依頼する").click()
    page.get_by_role("button", name="追加情報を依頼する").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    field = page.get_by_label("依頼する内容")
    assert field.get_attribute("aria-invalid") == "true"
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "id_request_info-comment"
    check_page(page, "consultation-error")


def test_liaison_accepts_with_the_button(open_as, consultation):
    page = open_as(user("liaison@kanto.maff.example.go.jp"), path(consultation))
    page.get_by_role("button", name="この相談を受け付ける").click()
    page.wait_for_load_state()
    assert "相談を受け付けました" in page.locator(".notification-banner").inner_text()
    assert "対応中" in page.locator("#heading-status").inner_text()
    assert page.get_by_role("button", name="この相談を受け付ける").count() == 0
    c = Consultation.objects.get(pk=consultation.pk)
    assert c.status == Status.IN_PROGRESS and c.assignee.email == "liaison@kanto.maff.example.go.jp"


def test_updates_appear_without_reload_and_keep_unsent_text(open_as, consultation):
    page = open_as(user("staff@matsumoto.example.lg.jp"), path(consultation))
    page.get_by_label("返信の内容").fill("書きかけの返信")
    services.transition(
        actor=user("liaison@kanto.maff.example.go.jp"),
        consultation=consultation,
        action="request_info",
        comment="圃場の面積を教えてください。",
    )
    page.locator(".conversation").get_by_text("圃場の面積を教えてください。").wait_for(timeout=15_000)
    assert "回答待ち（相談者）" in page.locator("#heading-status").inner_text()
    assert "に変わりました" in page.locator(".live-bar__status").inner_text()
    assert page.get_by_label("返信の内容").input_value() == "書きかけの返信"
