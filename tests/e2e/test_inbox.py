"""Browser: the inbox, notification preferences, and the sign-in, password reset and
two-factor pages, checked with axe at 1280 and 360 px."""

import re
import time

import pytest
from django.core import mail

from .conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)

MATSUMOTO = "staff@matsumoto.example.lg.jp"
MAFF = "liaison@kanto.maff.example.go.jp"
MAFF_LEAD = "lead@kanto.maff.example.go.jp"
PASSWORD = "banso-demo-2026"


def user(email):
    from accounts.models import User

    return User.objects.get(email=email)


def file_consultations(count: int):
    """Filed by 松本市, routed to 関東農政局: its liaisons get a notification each."""
    from consult import services

    return [
        services.file_consultation(
            actor=user(MATSUMOTO),
            title=f"スマート農業の導入について その{i + 1}",
            body="ドローンによる農薬散布の補助制度について伺います。",
            policy_area="smart-agri",
        ).consultation
        for i in range(count)
    ]


def badge(page) -> str:
    """The header's unread count ('' when nothing is unread)."""
    found = page.locator("header .count-badge")
    return found.inner_text() if found.count() else ""


def sign_in(page, email, password=PASSWORD):
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()


def test_inbox_with_unread_and_read_rows_and_marking_one_read(open_as, site):
    from notifications import services

    first, *_ = file_consultations(3)
    maff = user(MAFF)
    services.mark_read(
        user=maff, notification_ids=maff.notifications.filter(consultation=first).values_list("pk", flat=True)
    )
    page = open_as(maff, "/inbox/")
    assert page.locator(".inbox-item--unread").count() == 2
    assert page.get_by_text("未読", exact=True).count() == 2
    assert badge(page).startswith("2")
    check_page(page, "inbox")

    # htmx swaps the row and the header count; focus stays on the row.
    page.locator(".inbox-item--unread button").first.click()
    # A function, not a string: Playwright would eval() a string, which the page's policy refuses.
    page.wait_for_function("() => document.querySelectorAll('.inbox-item--unread').length === 1")
    assert badge(page).startswith("1")
    assert page.evaluate("document.activeElement.classList.contains('inbox-item')")
    page.get_by_role("button", name="すべて既読にする").click()
    page.wait_for_load_state()
    assert badge(page) == ""
    assert "1件の通知を既読にしました" in page.locator(".notification-banner").inner_text()

    page.get_by_role("link", name="未読のみ").click()
    page.wait_for_load_state()
    assert "未読の通知はありません" in page.locator("main").inner_text()
    check_page(page, "inbox-unread-empty")


def test_marking_read_without_javascript(browser, site):
    """The plain form posts and comes back (PRG) with the new count."""
    from django.conf import settings
    from django.test import Client

    file_consultations(2)
    client = Client()
    client.force_login(user(MAFF))
    context = browser.new_context(java_script_enabled=False, locale="ja-JP")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": site.url,
            }
        ]
    )
    try:
        page = context.new_page()
        page.goto(site.url + "/inbox/")
        assert page.locator(".inbox-item--unread").count() == 2
        assert badge(page).startswith("2")
        row_id = page.locator(".inbox-item--unread").first.get_attribute("id")
        page.locator(".inbox-item--unread button").first.click()
        page.wait_for_load_state()
        # The inbox itself shows the row read (the header's count is a separate check).
        assert page.locator(".inbox-item--unread").count() == 1
        row = page.locator(f"#{row_id}")
        assert "inbox-item--unread" not in row.get_attribute("class")
        assert row.locator(".inbox-tag").inner_text() == "既読"
        assert row.get_by_role("button", name=re.compile("既読にする")).count() == 0
        assert badge(page).startswith("1")
        assert "通知を既読にしました" in page.locator(".notification-banner").inner_text()
    finally:
        context.close()


def test_preferences_page_saves_and_reports_errors(open_as, site):
    page = open_as(user(MAFF_LEAD), "/inbox/preferences/")
    check_page(page, "notification-preferences")
    # Office leads cannot turn overdue notices off: force it past the page to see the error.
    page.evaluate(
        """() => { const r = document.querySelector('input[name="overdue"][value="digest"]');
                   r.value = 'off'; r.checked = true; }"""
    )
    page.get_by_role("button", name="設定を保存する").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible()
    assert page.locator("#id_overdue-error").is_visible()
    check_page(page, "notification-preferences-error")
    page.locator('label[for="id_overdue_0"]').click()
    page.locator('label[for="id_routed_1"]').click()
    page.get_by_role("button", name="設定を保存する").click()
    page.wait_for_load_state()
    assert "通知の設定を保存しました" in page.locator(".notification-banner").inner_text()
    assert page.locator("#id_routed_1").is_checked()


def test_sign_in_with_missing_fields(open_as):
    page = open_as(None, "/accounts/login/")
    assert page.get_by_role("link", name=re.compile("新規|アカウント登録|sign up", re.I)).count() == 0
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()
    assert page.locator("#id_login-error").is_visible()
    assert page.locator("#id_password-error").is_visible()
    # The summary takes focus and links to the field.
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    page.locator(".error-summary a").first.click()
    check_page(page, "sign-in-missing")


def test_password_reset_pages(open_as):
    page = open_as(None, "/accounts/login/")
    page.get_by_role("link", name="パスワードを忘れた場合（再設定）").click()
    page.wait_for_load_state()
    check_page(page, "password-reset")
    page.get_by_role("button", name="再設定のメールを送る").click()
    page.wait_for_load_state()
    assert page.locator("#id_email-error").is_visible()
    check_page(page, "password-reset-error")
    page.get_by_label("メールアドレス").fill(MATSUMOTO)
    page.get_by_role("button", name="再設定のメールを送る").click()
    page.wait_for_url("**/password/reset/done/")
    check_page(page, "password-reset-done")

    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.wait_for_load_state()
    check_page(page, "password-reset-from-key")
    page.get_by_label("新しいパスワード", exact=True).fill("kaizen-Sakura-2027")
    page.get_by_label("新しいパスワード (再入力)").fill("other-Sakura-2027")
    page.get_by_role("button", name="パスワードを変更する").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible()
    check_page(page, "password-reset-from-key-error")
    page.get_by_label("新しいパスワード", exact=True).fill("kaizen-Sakura-2027")
    page.get_by_label("新しいパスワード (再入力)").fill("kaizen-Sakura-2027")
    page.get_by_role("button", name="パスワードを変更する").click()
    page.wait_for_url("**/password/reset/key/done/")
    check_page(page, "password-reset-from-key-done")


def totp_code(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_two_factor_sign_in(open_as):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    staff = user(MATSUMOTO)
    TOTP.activate(staff, secret)
    RecoveryCodes.activate(staff)

    page = open_as(None, "/accounts/login/")
    sign_in(page, MATSUMOTO)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    check_page(page, "mfa-authenticate")
    page.get_by_label("コード").fill("000000" if totp_code(secret) != "000000" else "111111")
    page.get_by_role("button", name="確認してログイン").click()
    page.wait_for_load_state()
    assert page.locator("#id_code-error").is_visible()
    check_page(page, "mfa-authenticate-error")
    page.get_by_label("コード").fill(totp_code(secret))
    page.get_by_role("button", name="確認してログイン").click()
    page.wait_for_url(re.compile(r".*/$"))
    assert "松本" in page.locator("header").inner_text()

    page.goto(page.url.split("/accounts/")[0].rstrip("/") + "/accounts/2fa/")
    assert page.get_by_text("有効", exact=True).count() == 1
    check_page(page, "mfa-index-active")


def test_setting_up_the_authenticator_app(open_as):
    page = open_as(None, "/accounts/login/")
    sign_in(page, MAFF)
    page.get_by_role("link", name="通知の設定").first.click()
    page.get_by_role("link", name="2段階認証（認証アプリ）を設定する").click()
    page.wait_for_load_state()
    check_page(page, "mfa-index")
    page.get_by_role("link", name="認証アプリを設定する").click()
    page.wait_for_load_state()
    # allauth asks for the password once more first.
    check_page(page, "reauthenticate")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button").filter(has_text=re.compile("確認|Confirm")).click()
    page.wait_for_url("**/2fa/totp/activate/")
    check_page(page, "mfa-activate-totp")
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("認証アプリコード").fill(totp_code(secret))
    page.get_by_role("button", name="有効にする").click()
    page.wait_for_load_state()
    page.goto(page.url.split("/accounts/")[0] + "/accounts/2fa/recovery-codes/")
    check_page(page, "mfa-recovery-codes")
    assert page.locator(".account-codes code").count() >= 10


def test_sign_out_confirmation(open_as):
    page = open_as(user(MAFF), "/accounts/logout/")
    check_page(page, "sign-out")
    page.locator("main").get_by_role("button", name="ログアウトする").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="ログイン").count() >= 1
