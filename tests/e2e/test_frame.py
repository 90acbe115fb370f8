"""The page frame itself: sign in through the form, the header, the language switch."""

import pytest

from .conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_in_through_the_form_and_out(open_as):
    page = open_as(None, "/accounts/login/")
    check_page(page, "sign-in")
    page.get_by_label("メールアドレス").fill("staff@matsumoto.example.lg.jp")
    page.get_by_label("パスワード").fill("banso-demo-2026")
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/")
    assert "松本" in page.locator("header").inner_text()
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="ログイン").count() >= 1


def test_wrong_password_is_reported_at_the_form(open_as):
    page = open_as(None, "/accounts/login/")
    page.get_by_label("メールアドレス").fill("staff@matsumoto.example.lg.jp")
    page.get_by_label("パスワード").fill("wrong")
    page.get_by_role("button", name="ログイン").click()
    assert page.locator(".error-summary").is_visible()
    check_page(page, "sign-in-error")


def test_language_switch(open_as, django_user_model):
    staff = django_user_model.objects.get(email="staff@matsumoto.example.lg.jp")
    page = open_as(staff, "/")
    assert page.locator("html").get_attribute("lang") == "ja"
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
