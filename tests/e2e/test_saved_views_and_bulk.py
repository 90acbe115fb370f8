"""The queue's saved views and bulk actions in Chromium: a view saved from the
current filters and opened from the navigation; a bulk assign done by keyboard."""

import pytest

from .conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)

STAFF = "staff@matsumoto.example.lg.jp"
LIAISON = "liaison@kanto.maff.example.go.jp"
LEAD = "lead@kanto.maff.example.go.jp"


def user(email):
    from accounts.models import User

    return User.objects.get(email=email)


def file(title, **fields):
    from consult import services

    fields.setdefault("policy_area", "smart-agri")
    return services.file_consultation(
        actor=user(STAFF), title=title, body="ドローンによる農薬散布の補助制度について伺います。", **fields
    ).consultation


def test_saving_a_view_and_opening_it_from_the_navigation(open_as, site):
    from consult import services

    file("まだ受け付けていない相談")
    accepted = file("受け付けた相談")
    services.transition(actor=user(LEAD), consultation=accepted, action="accept")
    page = open_as(user(LIAISON), "/queue/?status=in_progress")
    assert "1件の相談" in page.locator(".list-count").inner_text()
    page.get_by_text("今の条件と並び順をビューとして保存").click()
    page.get_by_label("ビューの名前").fill("対応中のもの")
    page.get_by_label("見られる人").select_option(label="関東農政局の全員")
    page.get_by_role("button", name="保存する").click()
    page.wait_for_url("**/queue/?status=in_progress")
    assert "ビュー「対応中のもの」を保存しました。" in page.locator(".notification-banner--success").inner_text()
    check_page(page, "queue-saved-view")
    # From the unfiltered queue, the navigation opens the view, with its count.
    page.goto(site.url + "/queue/?status=all")
    nav = page.get_by_role("navigation", name="保存したビュー")
    link = nav.get_by_role("link", name="対応中のもの")
    assert "1" in link.inner_text()
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/queue/?status=in_progress")
    assert page.locator("tbody tr").count() == 1 and accepted.reference in page.locator("tbody").inner_text()
    assert nav.get_by_role("link", name="対応中のもの").get_attribute("aria-current") == "page"
    # The office's lead sees the shared view in their own navigation.
    lead_page = open_as(user(LEAD), "/queue/")
    assert (
        lead_page.get_by_role("navigation", name="保存したビュー").get_by_role("link", name="対応中のもの").is_visible()
    )


def test_bulk_assign_by_keyboard(open_as, site):
    from consult.models import Consultation

    one, two, three = file("一件目の相談"), file("二件目の相談"), file("三件目の相談")
    page = open_as(user(LEAD), "/queue/")
    for consultation in (one, two):
        page.get_by_label(f"{consultation.reference} を選択").focus()
        page.keyboard.press("Space")
    assert not page.get_by_label(f"{three.reference} を選択").is_checked()
    page.get_by_label("操作").focus()
    page.get_by_label("操作").select_option("assign")  # a select takes its choice from the keyboard too
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "bulk-assignee"
    page.get_by_label("担当者（割り当てるとき）").select_option(label="関東 農子")
    page.get_by_label("移送の理由（移送のとき。全件に同じ理由）").focus()
    page.keyboard.press("Enter")  # submits with the form's first button: the chosen action
    page.wait_for_url("**/queue/**")
    banner = page.locator(".notification-banner--success")
    assert "2件の相談の担当者を 関東 農子 さんにしました" in banner.inner_text()
    assignees = dict(Consultation.objects.filter(pk__in=[one.pk, two.pk, three.pk]).values_list("pk", "assignee_id"))
    liaison = user(LIAISON).pk
    assert assignees == {one.pk: liaison, two.pk: liaison, three.pk: None}
    check_page(page, "queue-bulk-assigned")
