"""Browser: a liaison sets an absence and a deputy (and sees an error first), and
an office's lead reassigns the open work of a person who moved, checked with axe
at 1280 and 360 px."""

import datetime

import pytest

from .conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)

MATSUMOTO = "staff@matsumoto.example.lg.jp"
MAFF = "liaison@kanto.maff.example.go.jp"
MAFF_LEAD = "lead@kanto.maff.example.go.jp"


def user(email):
    from accounts.models import User

    return User.objects.get(email=email)


def test_setting_a_deputy(open_as, site):
    from accounts.models import Absence, today

    page = open_as(user(MAFF), "/inbox/preferences/")
    page.get_by_role("link", name="不在と代理の設定").click()
    page.wait_for_load_state()
    check_page(page, "absence")
    start = today() + datetime.timedelta(days=7)
    # The end before the start: the error summary names the field, and the page stays accessible.
    page.get_by_label("不在の開始日").fill(start.isoformat())
    page.get_by_label("不在の終了日").fill((start - datetime.timedelta(days=1)).isoformat())
    page.get_by_label("代理の人").select_option(label=user(MAFF_LEAD).display_name)
    page.get_by_role("button", name="不在と代理を保存する").click()
    page.wait_for_load_state()
    assert page.title().startswith("エラー:")
    assert "終了日は開始日以降にしてください" in page.locator(".error-summary").inner_text()
    check_page(page, "absence-error")

    page.get_by_label("不在の終了日").fill((start + datetime.timedelta(days=4)).isoformat())
    page.get_by_role("button", name="不在と代理を保存する").click()
    page.wait_for_load_state()
    assert "不在と代理を設定しました" in page.locator(".notification-banner").inner_text()
    assert user(MAFF_LEAD).display_name in page.locator("main").inner_text()
    check_page(page, "absence-set")
    absence = Absence.objects.get(user=user(MAFF))
    assert (absence.deputy, absence.starts_on) == (user(MAFF_LEAD), start)


def test_the_lead_reassigns_the_work_of_a_person_who_moved(open_as, site):
    from accounts.models import OfficeMembership, Role, today
    from accounts.services import upsert_user
    from consult import services
    from routing.models import Office

    office = Office.objects.get(slug="maff-rab-kanto")
    colleague, _ = upsert_user(email="liaison2@kanto.maff.example.go.jp", display_name="関東 次郎",
                               role=Role.LIAISON, offices=[office])  # fmt: skip
    for i in range(2):
        consultation = services.file_consultation(actor=user(MATSUMOTO), title=f"スマート農業 その{i + 1}",
                                                  body="補助制度について伺います。", policy_area="smart-agri")  # fmt: skip
        services.transition(actor=user(MAFF), consultation=consultation.consultation, action="accept")
    OfficeMembership.objects.filter(user=user(MAFF), office=office).update(ended_on=today())
    page = open_as(user(MAFF_LEAD), "/offices/handover/")
    assert "未完了の相談 2件" in page.locator("main").inner_text()
    check_page(page, "handover")
    page.get_by_label("新しい担当者").select_option(label=colleague.display_name)
    page.get_by_role("button", name=f"{user(MAFF).display_name}さんの相談をまとめて担当替えする").click()
    page.wait_for_load_state()
    assert "2件の相談を関東 次郎さんの担当にしました" in page.locator(".notification-banner").inner_text()
    assert "担当替えが必要な相談はありません" in page.locator("main").inner_text()
    check_page(page, "handover-done")
