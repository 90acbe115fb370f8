"""The second factor nobody can walk around: required for liaisons and the
secretariat on the pages, the admin and the token endpoint; every sign-in door
rate limited."""

import pytest
from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.models import Authenticator
from django.urls import reverse
from django.utils import translation

from accounts.models import Role, User
from accounts.services import issue_token, upsert_user
from routing.models import Office

from .second_factor import DEMO_TOTP_SECRET, sign_in, totp_code

pytestmark = pytest.mark.django_db
PASSWORD = "banso-demo-2026"
MAFF = "liaison@kanto.maff.example.go.jp"
SECRETARIAT = "secretariat@cao.example.go.jp"
MATSUMOTO = "staff@matsumoto.example.lg.jp"
NEWCOMER = "newcomer@kanto.maff.example.go.jp"
TOKEN_URL = "/api/v1/auth/token/"


def _newcomer(password=PASSWORD):
    """A liaison who has not set TOTP up yet (tests using it are marked without_second_factor)."""
    user, _ = upsert_user(
        email=NEWCOMER,
        display_name="新任 担当",
        role=Role.LIAISON,
        offices=[Office.objects.get(slug="maff-rab-kanto")],
        password=password,
    )
    assert not Authenticator.objects.filter(user=user).exists()
    return user


def _token(client, **body):
    return client.post(TOKEN_URL, body, content_type="application/json")


def _too_many_attempts() -> str:
    with translation.override("ja"):
        return str(DefaultAccountAdapter.error_messages["too_many_login_attempts"])


# --- Required for liaisons and the secretariat -------------------------------


@pytest.mark.without_second_factor
def test_a_liaison_without_totp_reaches_only_the_activation_page(client, demo_accounts):
    _newcomer()
    response = client.post(reverse("account_login"), {"login": NEWCOMER, "password": PASSWORD})
    assert response.status_code == 302
    activate = reverse("mfa_activate_totp")
    for path in ["/", "/queue/", "/inbox/", "/inbox/preferences/", "/accounts/tokens/", "/accounts/2fa/", "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == activate, path
    # allauth asks for the password once more before a second factor is added.
    response = client.get(activate)
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(response["Location"]).status_code == 200
    client.post(response["Location"], {"password": PASSWORD})
    page = client.get(activate)
    assert page.status_code == 200
    assert "2段階認証の設定が必要です" in page.content.decode()
    # The language switch and signing out still work.
    assert client.post(reverse("set_language"), {"language": "en", "next": activate}).status_code == 302
    assert client.get(reverse("account_logout")).status_code == 200


@pytest.mark.without_second_factor
def test_activating_totp_opens_the_site(client, demo_accounts):
    _newcomer()
    client.post(reverse("account_login"), {"login": NEWCOMER, "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user__email=NEWCOMER, type="recovery_codes").exists()
    assert client.get("/queue/").status_code == 200


@pytest.mark.without_second_factor
def test_the_api_refuses_a_liaison_without_totp(client, demo_accounts):
    user = _newcomer()
    client.force_login(user)
    response = client.get("/api/v1/consultations/")
    assert response.status_code == 403
    assert response.json()["mfa_required"] is True
    assert "2段階認証" in response.json()["detail"]
    # A token it got somehow (say, before its role changed) is refused too.
    token = issue_token(user=user).key
    response = client.get("/api/v1/consultations/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 403
    assert response.json()["mfa_required"] is True
    assert response.json()["activate_url"] == reverse("mfa_activate_totp")


@pytest.mark.without_second_factor
def test_the_token_endpoint_sends_a_liaison_without_totp_to_the_pages(client, demo_accounts):
    _newcomer()
    for body in ({}, {"code": "123456"}):
        response = _token(client, email=NEWCOMER, password=PASSWORD, **body)
        assert response.status_code == 401
        assert response.json()["mfa_required"] is True
        assert "ブラウザ" in response.json()["detail"]


@pytest.mark.without_second_factor
def test_the_required_roles_are_a_setting(client, demo_accounts, settings):
    settings.BANSO_MFA_REQUIRED_ROLES = ["secretariat"]
    user = _newcomer()
    client.force_login(user)
    assert client.get("/queue/").status_code == 200
    settings.BANSO_MFA_REQUIRED_ROLES = ["liaison", "secretariat"]
    assert client.get("/queue/").status_code == 302


def test_municipal_staff_need_no_second_factor(client, demo_accounts):
    response = _token(client, email=MATSUMOTO, password=PASSWORD, code="not-a-code")
    assert response.status_code == 200  # the code is ignored without a second factor
    client.force_login(demo_accounts[MATSUMOTO])
    assert client.get("/").status_code == 200


def test_a_required_role_cannot_switch_totp_off(demo_accounts, settings):
    from allauth.mfa.totp.forms import DeactivateTOTPForm

    authenticator = Authenticator.objects.get(user__email=MAFF, type="totp")
    assert not DeactivateTOTPForm(authenticator=authenticator, data={}).is_valid()
    settings.BANSO_MFA_REQUIRED_ROLES = ["secretariat"]
    assert DeactivateTOTPForm(authenticator=authenticator, data={}).is_valid()


def test_the_totp_secret_is_stored_encrypted(demo_accounts):
    from allauth.mfa.utils import decrypt

    stored = Authenticator.objects.get(user__email=MAFF, type="totp").data["secret"]
    assert DEMO_TOTP_SECRET not in stored
    assert decrypt(stored) == DEMO_TOTP_SECRET


def test_seed_demo_gives_the_demo_secret_once(demo_accounts):
    from django.core.management import call_command

    before = Authenticator.objects.filter(user__email__in=[MAFF, SECRETARIAT]).count()
    call_command("seed_demo", accounts_only=True, verbosity=0)
    assert Authenticator.objects.filter(user__email__in=[MAFF, SECRETARIAT]).count() == before == 4
    assert not Authenticator.objects.filter(user__email=MATSUMOTO).exists()


# --- The pages ask for the code after the password ---------------------------


def test_the_page_sign_in_asks_for_the_code(client, demo_accounts):
    response = client.post(reverse("account_login"), {"login": MAFF, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    wrong = "000000" if totp_code() != "000000" else "111111"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(demo_accounts[MAFF].pk)


def test_a_recovery_code_signs_in_once(client, demo_accounts):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    codes = RecoveryCodes(Authenticator.objects.get(user__email=MAFF, type="recovery_codes")).get_unused_codes()
    assert sign_in(client, MAFF, PASSWORD, code=codes[0]).status_code == 302
    client.logout()
    assert sign_in(client, MAFF, PASSWORD, code=codes[0]).status_code == 200
    assert "_auth_user_id" not in client.session


def test_wrong_codes_on_the_page_are_rate_limited(client, demo_accounts):
    client.post(reverse("account_login"), {"login": MAFF, "password": PASSWORD})
    wrong = "000000" if totp_code() != "000000" else "111111"
    for _ in range(25):
        response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert _too_many_attempts() in response.content.decode()
    # Even the right code is refused now.
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert "_auth_user_id" not in client.session


def test_25_wrong_passwords_on_the_page_are_rate_limited(client, demo_accounts):
    for attempt in range(25):
        response = client.post(
            reverse("account_login"),
            {"login": MATSUMOTO, "password": f"guess-{attempt}"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}",  # a forged address changes nothing
        )
    assert response.status_code in (200, 429)
    assert _too_many_attempts() in response.content.decode()
    response = client.post(reverse("account_login"), {"login": MATSUMOTO, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


# --- The admin ---------------------------------------------------------------


def test_the_admin_signs_in_through_allauth(client, demo_accounts):
    response = client.get("/admin/login/?next=/admin/consult/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2Fconsult%2F"
    assert client.get("/admin/").status_code == 302  # to /admin/login/, then to allauth
    # Elsewhere than this site is not a place to send people after signing in.
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2F"


def test_the_admin_login_form_no_longer_takes_passwords(client, demo_accounts):
    for attempt in range(25):
        response = client.post("/admin/login/", {"username": SECRETARIAT, "password": f"guess-{attempt}"})
        assert response.status_code == 302
    response = client.post("/admin/login/", {"username": SECRETARIAT, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_the_secretariat_reaches_the_admin_with_password_and_code(client, demo_accounts):
    assert sign_in(client, SECRETARIAT, PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_is_staff_alone_does_not_open_the_admin(client, demo_accounts):
    for email in (MATSUMOTO, MAFF):
        user = demo_accounts[email]
        user.is_staff = user.is_superuser = True
        user.save()
        client.force_login(user)
        response = client.get("/admin/", follow=True)
        assert response.status_code == 403, email
        assert client.get("/admin/accounts/user/").status_code in (302, 403)


# --- The token endpoint ------------------------------------------------------


def test_the_token_endpoint_asks_for_the_code(client, demo_accounts):
    response = _token(client, email=MAFF, password=PASSWORD)
    assert response.status_code == 401
    assert response.json()["mfa_required"] is True
    assert "code" in response.json()["detail"]
    wrong = "000000" if totp_code() != "000000" else "111111"
    response = _token(client, email=MAFF, password=PASSWORD, code=wrong)
    assert response.status_code == 401 and response.json()["mfa_required"] is True
    code = totp_code()
    response = _token(client, email=MAFF, password=PASSWORD, code=code)
    assert response.status_code == 200 and response.json()["token"]
    # The same code once more (a replay) is refused.
    response = _token(client, email=MAFF, password=PASSWORD, code=code)
    assert response.status_code == 401


def test_a_wrong_password_with_a_right_code_is_a_400(client, demo_accounts):
    response = _token(client, email=MAFF, password="guess", code=totp_code())
    assert response.status_code == 400
    assert "mfa_required" not in response.json()


def test_a_recovery_code_gets_a_token_once(client, demo_accounts):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    codes = RecoveryCodes(Authenticator.objects.get(user__email=SECRETARIAT, type="recovery_codes")).get_unused_codes()
    assert _token(client, email=SECRETARIAT, password=PASSWORD, code=codes[3]).status_code == 200
    assert _token(client, email=SECRETARIAT, password=PASSWORD, code=codes[3]).status_code == 401
    unused = RecoveryCodes(Authenticator.objects.get(user__email=SECRETARIAT, type="recovery_codes")).get_unused_codes()
    assert codes[3] not in unused and len(unused) == len(codes) - 1


def test_25_wrong_codes_at_the_token_endpoint_end_in_429(client, demo_accounts):
    wrong = "000000" if totp_code() != "000000" else "111111"
    statuses = [_token(client, email=MAFF, password=PASSWORD, code=wrong).status_code for _ in range(25)]
    assert statuses[:5] == [401] * 5
    assert set(statuses[5:]) == {429}
    assert _token(client, email=MAFF, password=PASSWORD, code=totp_code()).status_code == 429


def test_25_wrong_passwords_at_the_token_endpoint_end_in_429(client, demo_accounts):
    statuses = [_token(client, email=MATSUMOTO, password=f"guess-{i}").status_code for i in range(25)]
    assert statuses[:5] == [400] * 5
    assert set(statuses[5:]) == {429}
    assert _token(client, email=MATSUMOTO, password=PASSWORD).status_code == 429


def test_the_per_address_limit_ignores_forged_forwarding_headers(client, demo_accounts, settings):
    settings.BANSO_TOKEN_MAX_FAILURES = 3
    emails = [f"nobody{i}@example.jp" for i in range(6)]
    statuses = [
        client.post(
            TOKEN_URL,
            {"email": email, "password": "guess"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i, email in enumerate(emails)
    ]
    assert statuses == [400, 400, 400, 429, 429, 429]


def test_the_token_endpoints_request_throttle_counts_the_real_address(client, demo_accounts, monkeypatch):
    from accounts.api import views

    monkeypatch.setattr(views.ClientAddressThrottle, "THROTTLE_RATES", {"auth_token": "3/min"})
    statuses = [
        client.post(
            TOKEN_URL,
            {"email": MATSUMOTO, "password": PASSWORD},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_a_deactivated_account_gets_no_token(client, demo_accounts):
    User.objects.filter(email=MATSUMOTO).update(is_active=False)
    assert _token(client, email=MATSUMOTO, password=PASSWORD).status_code == 400
