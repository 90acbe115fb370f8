"""Merging in Chromium: the liaison merges a duplicate through its form, the
merged consultation shows the banner linking to the kept one, and the other
town's staff follow the link; each page accessible (axe) at both widths."""

import pytest
from django.contrib.auth import get_user_model

from consult import services
from consult.models import Consultation

from .conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)


def user(email):
    return get_user_model().objects.get(email=email)


@pytest.fixture
def joint_filing(site):
    """The same question filed separately by 松本市 and 静岡市, both held by 関東農政局."""
    from accounts.models import Role
    from accounts.services import upsert_user
    from routing.models import LocalGovernment

    shizuoka, _ = upsert_user(
        email="staff@shizuoka.example.lg.jp",
        display_name="静岡 市子",
        role=Role.STAFF,
        local_government=LocalGovernment.objects.get(code="221007"),
    )
    fields = {"body": "ドローンによる農薬散布の補助制度について伺います。", "policy_area": "smart-agri"}
    kept = services.file_consultation(actor=user("staff@matsumoto.example.lg.jp"), title="スマート農業の補助（松本市）",
                                      **fields).consultation  # fmt: skip
    duplicate = services.file_consultation(actor=shizuoka, title="スマート農業の補助（静岡市）", **fields).consultation
    return kept, duplicate, shizuoka


def test_merge_form_and_banner(open_as, joint_filing):
    kept, duplicate, shizuoka = joint_filing
    page = open_as(user("liaison@kanto.maff.example.go.jp"), f"/consultations/{duplicate.pk}/")
    page.get_by_text("重複としてほかの相談に統合する").click()
    page.get_by_role("button", name="統合する").click()  # empty: both fields are named
    assert page.locator(".error-summary").is_visible()
    assert page.get_by_label("統合先の相談の受付番号").get_attribute("aria-invalid") == "true"
    check_page(page, "merge-form-error")

    page.get_by_label("統合先の相談の受付番号").fill(kept.reference)
    page.get_by_label("統合の理由").fill("同じ質問の共同提出のため")
    page.get_by_role("button", name="統合する").click()
    page.wait_for_load_state()
    banner = page.locator(".merged-banner")
    assert f"この相談は {kept.reference} に統合されました" in banner.inner_text()
    assert page.locator("summary", has_text="統合を解除する").is_visible()  # the one action left
    assert Consultation.objects.get(pk=duplicate.pk).merged_into_id == kept.pk
    check_page(page, "merged-liaison")

    # 静岡市's staff see the banner on their consultation and follow it to the kept one.
    town = open_as(shizuoka, f"/consultations/{duplicate.pk}/")
    check_page(town, "merged-staff")
    town.locator(".merged-banner").get_by_role("link", name=kept.reference).click()
    town.wait_for_load_state()
    assert town.get_by_role("heading", level=1).inner_text() == kept.title
    check_page(town, "merged-kept-staff")
