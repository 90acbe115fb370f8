"""The routing-rules pages in Chromium: accessible, and a draft edited, simulated and published by keyboard and mouse."""

import re

import pytest

from .conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)


def test_rules_pages_edit_simulate_publish(open_as, django_user_model):
    from routing.models import RuleSet, RuleSetStatus

    secretariat = django_user_model.objects.get(email="secretariat@cao.example.go.jp")
    page = open_as(secretariat, "/routing/rules/")
    check_page(page, "routing-rules")

    page.get_by_role("button", name="この版から下書きを作る").click()
    page.wait_for_url("**/routing/rules/drafts/*/")
    page.get_by_label("団体コード（6桁）").fill("202029")
    page.get_by_label("施策分野").select_option("smart-agri")
    page.get_by_role("button", name="試す").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="この下書き").is_visible()
    check_page(page, "routing-rules-draft")

    page.get_by_role("link", name="規則を追加").click()
    page.get_by_label("規則の名前").fill("壊れた規則")
    page.get_by_label("動作（JSON）").fill("{broken")
    page.get_by_role("button", name="保存する").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.locator("#id_actions-error").is_visible()
    check_page(page, "routing-rules-error")
    # The summary's link moves focus to the field.
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_actions"

    page.get_by_role("link", name="キャンセル").click()
    page.get_by_label("公開メモ（変更の理由）").fill("画面からの公開を確認")
    page.get_by_role("button", name="検証して公開する").click()
    page.wait_for_url(re.compile(r"/routing/rules/(#.*)?$"))
    assert "第2版として公開しました" in page.locator(".notification-banner").inner_text()
    assert RuleSet.objects.filter(status=RuleSetStatus.PUBLISHED, version=2).exists()
