"""Pages: the inbox, notification preferences, and signing in (allauth in Banso's
frame: password, two-factor code, password reset by e-mail)."""

import re
import time
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import selectors, services
from notifications.kinds import Delivery, Kind
from notifications.models import Notification, Preference, Profile

pytestmark = pytest.mark.django_db

PASSWORD = "banso-demo-2026"  # the demo accounts' password (seed_demo)


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def routed_to_maff(file, people, count=1):
    """File consultations from 松本市 (routed to 関東農政局): its liaisons are notified."""
    return [file(people["matsumoto"], title=f"スマート農業の導入について その{i + 1}") for i in range(count)]


class InboxRows(HTMLParser):
    """The inbox's own rows (``li.inbox-item``), read apart from the header's badge:
    for each, its id, whether it is marked unread, its tag, kind, reference, title and link."""

    FIELDS = {"inbox-tag": "tag", "inbox-item__kind": "kind", "inbox-item__reference": "reference"}

    def __init__(self, html: str):
        super().__init__()
        self.rows: list[dict] = []
        self._field: str | None = None
        self._in_link = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "li" and "inbox-item" in classes:
            self.rows.append({"id": attrs.get("id"), "unread": "inbox-item--unread" in classes, "title": ""})
        elif self.rows and tag == "a" and self.rows[-1].get("link") is None:
            self.rows[-1]["link"], self._in_link = attrs.get("href"), True
        else:
            self._field = next((name for cls, name in self.FIELDS.items() if cls in classes), self._field)

    def handle_endtag(self, tag):
        if tag == "a":
            self._in_link = False
        if tag in ("strong", "span"):
            self._field = None

    def handle_data(self, data):
        if not self.rows:
            return
        row = self.rows[-1]
        if self._field:
            row[self._field] = row.get(self._field, "") + data.strip()
        elif self._in_link:
            row["title"] += data.strip()


def inbox_rows(html: str) -> list[dict]:
    return InboxRows(html).rows


# --- the inbox --------------------------------------------------------------------------------------


def test_inbox_lists_only_the_callers_notifications(signed_in, file, people):
    (consultation,) = routed_to_maff(file, people)
    notification = Notification.objects.get(recipient=people["maff"])
    page = signed_in(people["maff"]).get(reverse("inbox")).content.decode()
    assert inbox_rows(page) == [
        {
            "id": f"notification-{notification.pk}",
            "unread": True,
            "tag": "未読",
            "kind": "新しい相談（振り分け）",
            "link": reverse("consultation", args=[consultation.pk]),
            "reference": consultation.reference,
            "title": "スマート農業の導入について その1",
        }
    ]
    assert "通知が1件あります（新しい順）。" in page  # the inbox's own count, not the header's badge
    # The filer is not told of their own filing; another office is not told at all.
    for other in ("matsumoto", "meti"):
        page = signed_in(people[other]).get(reverse("inbox")).content.decode()
        assert inbox_rows(page) == []
        assert consultation.reference not in page
        assert "通知はまだありません" in page


def test_the_header_shows_the_unread_count(signed_in, file, people):
    routed_to_maff(file, people, count=2)
    page = signed_in(people["maff"]).get(reverse("notification-preferences")).content.decode()
    assert re.search(r'class="count-badge">2<span class="visually-hidden">件の未読', page)


def test_marking_one_read(signed_in, file, people):
    first, second = routed_to_maff(file, people, count=2)
    client = signed_in(people["maff"])
    notification = Notification.objects.get(recipient=people["maff"], consultation=first)
    response = client.post(reverse("notification-read", args=[notification.pk]), {"next": "/inbox/?unread=1"})
    assert response.status_code == 302
    assert response["Location"] == "/inbox/?unread=1"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert selectors.unread_count(people["maff"]) == 1
    page = client.get(response["Location"]).content.decode()
    assert "通知を既読にしました" in page
    # The unread filter now shows the other one only.
    assert second.reference in page
    assert first.reference not in page
    assert 'class="count-badge">1<' in page


def test_marking_read_with_htmx_swaps_the_row_and_the_header_count(signed_in, file, people):
    routed_to_maff(file, people)
    client = signed_in(people["maff"])
    notification = Notification.objects.get(recipient=people["maff"])
    response = client.post(reverse("notification-read", args=[notification.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="notification-{notification.pk}"' in html
    assert "既読にする" not in html  # the row is read now
    assert 'hx-swap-oob="outerHTML:.inbox-link"' in html
    assert "count-badge" not in html  # nothing unread is left


def test_another_persons_notification_does_not_exist(signed_in, file, people):
    routed_to_maff(file, people)
    notification = Notification.objects.get(recipient=people["maff"])
    response = signed_in(people["meti"]).post(reverse("notification-read", args=[notification.pk]))
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_marking_read_needs_post_and_a_signed_in_person(client, signed_in, file, people):
    routed_to_maff(file, people)
    notification = Notification.objects.get(recipient=people["maff"])
    url = reverse("notification-read", args=[notification.pk])
    assert client.post(url)["Location"].startswith("/accounts/login/")
    assert signed_in(people["maff"]).get(url).status_code == 405


def test_an_outside_next_address_is_not_followed(signed_in, file, people):
    routed_to_maff(file, people)
    notification = Notification.objects.get(recipient=people["maff"])
    response = signed_in(people["maff"]).post(
        reverse("notification-read", args=[notification.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("inbox")


def test_mark_all_read(signed_in, file, people):
    routed_to_maff(file, people, count=3)
    client = signed_in(people["maff_lead"])
    response = client.post(reverse("notifications-read-all"), follow=True)
    assert "3件の通知を既読にしました" in response.content.decode()
    assert selectors.unread_count(people["maff_lead"]) == 0
    # The colleague's notifications stay unread.
    assert selectors.unread_count(people["maff"]) == 3
    page = client.get(reverse("inbox") + "?unread=1").content.decode()
    assert "未読の通知はありません" in page


def test_unread_filter(signed_in, file, people):
    first, second = routed_to_maff(file, people, count=2)
    services.mark_read(
        user=people["maff"],
        notification_ids=Notification.objects.filter(consultation=first).values_list("pk", flat=True),
    )
    client = signed_in(people["maff"])
    everything = client.get(reverse("inbox")).content.decode()
    assert first.reference in everything and second.reference in everything
    assert "既読</span>" in everything
    unread = client.get(reverse("inbox"), {"unread": "1"}).content.decode()
    assert second.reference in unread
    assert first.reference not in unread


def test_newest_first_and_paginated(signed_in, file, people, settings):
    import frontend.views.inbox as inbox_views

    consultations = routed_to_maff(file, people, count=3)
    original = inbox_views.PER_PAGE
    inbox_views.PER_PAGE = 2
    try:
        client = signed_in(people["maff"])
        page = client.get(reverse("inbox")).content.decode()
        assert page.index(consultations[2].reference) < page.index(consultations[1].reference)
        assert consultations[0].reference not in page
        assert "1 / 2 ページ" in page
        second = client.get(reverse("inbox"), {"page": 2}).content.decode()
        assert consultations[0].reference in second
    finally:
        inbox_views.PER_PAGE = original


def test_the_inbox_takes_the_same_queries_for_1_and_20_notifications(signed_in, file, people):
    routed_to_maff(file, people)
    client = signed_in(people["maff"])
    client.get(reverse("inbox"))  # warm the session and the caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("inbox")).status_code == 200
    routed_to_maff(file, people, count=19)
    assert Notification.objects.filter(recipient=people["maff"]).count() == 20
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(reverse("inbox"))
    assert response.content.decode().count("inbox-item--unread") == 20
    assert len(twenty) == len(one), [q["sql"] for q in twenty]


def test_the_inbox_needs_sign_in(client):
    response = client.get(reverse("inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- preferences ------------------------------------------------------------------------------------


def test_preferences_show_the_kinds_of_the_role(signed_in, people):
    liaison = signed_in(people["maff"]).get(reverse("notification-preferences")).content.decode()
    assert "内部メモ" in liaison
    assert "期限超過" in liaison
    assert liaison.count('type="radio"') >= 3 * 15
    staff = signed_in(people["matsumoto"]).get(reverse("notification-preferences")).content.decode()
    assert "内部メモ" not in staff  # internal notes never reach municipal staff
    assert "追加情報の依頼" in staff
    assert "メールの言語" in staff


def test_preferences_are_saved(signed_in, people):
    client = signed_in(people["matsumoto"])
    form = dict.fromkeys(("accepted", "replied", "filer_answered", "info_requested"), Delivery.IMMEDIATE)
    form.update(
        {
            "awaiting_filer": Delivery.DIGEST,
            "transferred": Delivery.OFF,
            "resolved": Delivery.IMMEDIATE,
            "closed": Delivery.DIGEST,
            "withdrawn": Delivery.IMMEDIATE,
            "mentioned": Delivery.IMMEDIATE,
            "merged": Delivery.IMMEDIATE,
            "unmerged": Delivery.DIGEST,
            "language": "en",
        }
    )
    response = client.post(reverse("notification-preferences"), form)
    assert response.status_code == 302
    assert Preference.objects.get(user=people["matsumoto"], kind=Kind.TRANSFERRED).delivery == Delivery.OFF
    assert Preference.objects.get(user=people["matsumoto"], kind=Kind.CLOSED).delivery == Delivery.DIGEST
    assert Profile.objects.get(user=people["matsumoto"]).language == "en"
    page = client.get(response["Location"]).content.decode()
    assert "通知の設定を保存しました" in page
    # The saved choices are shown checked.
    assert re.search(r'name="transferred" value="off"[^>]*checked', page)


def test_invalid_preferences_show_the_error_summary_and_the_field_error(signed_in, people):
    client = signed_in(people["matsumoto"])
    response = client.post(reverse("notification-preferences"), {"accepted": "sometimes", "language": "fr"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="error-summary"' in page
    assert 'href="#id_accepted_0"' in page
    assert 'id="id_accepted-error"' in page
    assert 'id="id_language-error"' in page
    assert not Preference.objects.filter(user=people["matsumoto"]).exists()


def test_office_leads_cannot_turn_escalations_off(signed_in, people):
    client = signed_in(people["maff_lead"])
    page = client.get(reverse("notification-preferences")).content.decode()
    assert 'name="overdue" value="off"' not in page
    assert "所属長・責任者と事務局はこの通知を止められません" in page
    form = {p["kind"]: p["delivery"] for p in selectors.preferences_of(people["maff_lead"])["preferences"]}
    form.update({"overdue": Delivery.OFF, "language": "ja"})
    response = client.post(reverse("notification-preferences"), form)
    assert response.status_code == 200
    assert 'id="id_overdue-error"' in response.content.decode()
    assert not Preference.objects.filter(user=people["maff_lead"], kind=Kind.OVERDUE).exists()


def test_a_service_refusal_lands_on_its_field(signed_in, people, monkeypatch):
    """The service has the last word (e.g. someone became an office lead meanwhile)."""
    from django.core.exceptions import ValidationError

    def refuse(**kwargs):
        raise ValidationError({"overdue": ["所属長・責任者と事務局はこの通知を止められません"]})

    monkeypatch.setattr(services, "set_preferences", refuse)
    client = signed_in(people["maff"])
    form = {p["kind"]: p["delivery"] for p in selectors.preferences_of(people["maff"])["preferences"]}
    form.update({"overdue": Delivery.OFF, "language": "ja"})
    page = client.post(reverse("notification-preferences"), form).content.decode()
    assert 'href="#id_overdue_0"' in page
    assert 'id="id_overdue-error"' in page


# --- signing in -------------------------------------------------------------------------------------


def test_the_login_page_has_no_sign_up_link(client):
    page = client.get(reverse("account_login")).content.decode()
    assert 'name="login"' in page and 'name="password"' in page
    assert reverse("account_signup") not in page
    assert reverse("account_reset_password") in page
    assert '<html lang="ja">' in page
    closed = client.get(reverse("account_signup")).content.decode()
    assert 'name="password1"' not in closed


def test_sign_in_through_the_form(client, people):
    response = client.post(reverse("account_login"), {"login": "staff@matsumoto.example.lg.jp", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get("/").content.decode()
    assert people["matsumoto"].display_name in page


def test_a_wrong_password_shows_the_error_summary_and_the_field_error(client, people):
    response = client.post(reverse("account_login"), {"login": "staff@matsumoto.example.lg.jp", "password": "wrong"})
    assert response.status_code == 200
    page = response.content.decode()
    message = "入力されたメールアドレスもしくはパスワードが正しくありません。"
    assert 'class="error-summary"' in page
    assert f'<a href="#id_password">{message}</a>' in page
    assert re.search(r'id="id_password-error">\s*<span class="visually-hidden">エラー:</span>\s*' + message, page)
    assert re.search(r'<input[^>]*aria-describedby="id_password-error"[^>]*aria-invalid="true"', page) or re.search(
        r'<input[^>]*aria-invalid="true"[^>]*aria-describedby="id_password-error"', page
    )
    assert "エラー:" in page.split("</title>")[0]  # the title says so too (GOV.UK)


def test_a_missing_email_is_reported_at_its_field(client, people):
    page = client.post(reverse("account_login"), {"login": "", "password": "x"}).content.decode()
    assert 'href="#id_login"' in page
    assert 'id="id_login-error"' in page


def test_too_many_failed_sign_ins_are_refused(client, people):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "staff@matsumoto.example.lg.jp", "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": "staff@matsumoto.example.lg.jp", "password": PASSWORD})
    page = response.content.decode()
    assert response.status_code in (200, 429)
    assert "ログイン失敗が連続しています" in page
    assert "_auth_user_id" not in client.session


def test_sign_out_asks_then_signs_out(signed_in, people):
    client = signed_in(people["maff"])
    page = client.get(reverse("account_logout")).content.decode()
    assert "ログアウトしますか" in page
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email(client, people):
    page = client.get(reverse("account_reset_password")).content.decode()
    assert "パスワードの再設定" in page
    response = client.post(reverse("account_reset_password"), {"email": "staff@matsumoto.example.lg.jp"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert "再設定のメールを送りました" in client.get(response["Location"]).content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["staff@matsumoto.example.lg.jp"]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)

    response = client.get(link, follow=True)
    page = response.content.decode()
    assert "新しいパスワードの設定" in page
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    # A mismatch is reported at the field, with the summary.
    page = client.post(form_url, {"password1": "kaizen-Sakura-2027", "password2": "other-Sakura-2027"}).content.decode()
    assert 'class="error-summary"' in page
    assert 'id="id_password2-error"' in page
    response = client.post(form_url, {"password1": "kaizen-Sakura-2027", "password2": "kaizen-Sakura-2027"})
    assert response.status_code == 302
    assert "パスワードを変更しました" in client.get(response["Location"]).content.decode()

    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "staff@matsumoto.example.lg.jp", "password": "kaizen-Sakura-2027"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(people["matsumoto"].pk)


def test_a_used_reset_link_says_so(client, people):
    client.post(reverse("account_reset_password"), {"email": "staff@matsumoto.example.lg.jp"})
    link = re.search(r"(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)
    broken = link.replace("-", "-x", 1)
    page = client.get(broken, follow=True).content.decode()
    assert "再設定のリンクが無効です" in page


# --- two-factor authentication -------------------------------------------------------------------


def totp_code(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def with_totp(people):
    """松本 with an authenticator app (allauth's own API) and recovery codes."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(people["matsumoto"], secret)
    RecoveryCodes.activate(people["matsumoto"])
    return secret


def test_a_user_with_totp_is_asked_for_the_code(client, people, with_totp):
    response = client.post(reverse("account_login"), {"login": "staff@matsumoto.example.lg.jp", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "2段階認証" in page
    assert 'autocomplete="one-time-code"' in page

    wrong = client.post(
        reverse("mfa_authenticate"), {"code": "000000" if totp_code(with_totp) != "000000" else "111111"}
    )
    page = wrong.content.decode()
    assert 'class="error-summary"' in page
    assert 'href="#id_code"' in page
    assert 'id="id_code-error"' in page
    assert "_auth_user_id" not in client.session

    right = client.post(reverse("mfa_authenticate"), {"code": totp_code(with_totp)})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(people["matsumoto"].pk)


def test_turning_on_the_authenticator_app(client, people):
    from allauth.mfa.models import Authenticator

    client.post(reverse("account_login"), {"login": "staff@matsumoto.example.lg.jp", "password": PASSWORD})
    index = client.get(reverse("mfa_index")).content.decode()
    assert "認証アプリを設定する" in index
    # allauth asks for the password again before changing how one signs in.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    page = client.get(response["Location"]).content.decode()
    assert 'id="id_password"' in page and "<label" in page
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    assert "認証アプリの設定" in page
    secret = re.search(r'id="authenticator_secret"\s+value="([A-Z2-7=]+)"', page).group(1)
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "12"}).content.decode()
    assert 'id="id_code-error"' in wrong
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=people["matsumoto"], type="totp").exists()
    codes = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert "リカバリーコード" in codes
    assert codes.count("<code>") >= 10
    assert "有効" in client.get(reverse("mfa_index")).content.decode()


def test_other_allauth_pages_use_banso_elements(client, people):
    """Pages not rewritten here (password change, sign-up closed) still get Banso's
    fields, error summary and buttons through the overridden allauth elements."""
    client.post(reverse("account_login"), {"login": "staff@matsumoto.example.lg.jp", "password": PASSWORD})
    page = client.get(reverse("account_change_password")).content.decode()
    assert '<label for="id_oldpassword" class="label">' in page
    assert 'class="button"' in page
    page = client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": "kaizen-Sakura-2027", "password2": "kaizen-Sakura-2027"},
    ).content.decode()
    assert 'class="error-summary"' in page
    assert 'href="#id_oldpassword"' in page
    assert re.search(
        r'<input[^>]*aria-invalid="true"[^>]*id="id_oldpassword"|id="id_oldpassword"[^>]*aria-invalid', page
    )
    client.logout()
    closed = client.get(reverse("account_signup")).content.decode()
    assert "<h1>" in closed and 'class="site-header"' in closed
