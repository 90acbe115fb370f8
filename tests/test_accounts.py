"""Accounts: demo accounts, sign-in on the page, API tokens and their rate limit."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import OfficeMembership, Role, User
from accounts.services import upsert_user
from routing.models import LocalGovernment, Office

from .second_factor import DEMO_TOTP_SECRET, sign_in, totp_code

pytestmark = pytest.mark.django_db
PASSWORD = "banso-demo-2026"
DEMO_EMAILS = [
    "staff@matsumoto.example.lg.jp",
    "staff@niigata.example.lg.jp",
    "liaison@kanto.maff.example.go.jp",
    "liaison@kanto.meti.example.go.jp",
    "secretariat@cao.example.go.jp",
]


def test_seed_demo_creates_one_account_per_role_and_is_idempotent(demo_accounts, capsys):
    from django.core.management import call_command

    assert set(DEMO_EMAILS) <= set(demo_accounts)
    assert demo_accounts["staff@matsumoto.example.lg.jp"].local_government_id == "202029"
    assert demo_accounts["staff@niigata.example.lg.jp"].local_government_id == "151009"
    maff = demo_accounts["liaison@kanto.maff.example.go.jp"]
    assert maff.role == Role.LIAISON
    assert list(maff.offices.values_list("name", flat=True)) == ["関東農政局"]
    assert list(demo_accounts["liaison@kanto.meti.example.go.jp"].offices.values_list("name", flat=True)) == [
        "関東経済産業局"
    ]
    assert OfficeMembership.objects.get(user__email="lead@kanto.maff.example.go.jp").is_lead
    assert demo_accounts["secretariat@cao.example.go.jp"].role == Role.SECRETARIAT

    count = User.objects.count()
    call_command("seed_demo")
    assert User.objects.count() == count
    out = capsys.readouterr().out
    assert PASSWORD in out
    assert DEMO_TOTP_SECRET in out
    assert all(email in out for email in DEMO_EMAILS)


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_demo_accounts_sign_in_on_the_page(client, demo_accounts, email):
    page = client.get(reverse("account_login"))
    assert page.status_code == 200
    assert 'lang="ja"' in page.content.decode()
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 302
    if demo_accounts[email].role != Role.STAFF:
        # Liaisons and the secretariat are asked for the code after the password.
        assert response["Location"] == reverse("mfa_authenticate")
        assert "_auth_user_id" not in client.session
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
        assert response.status_code == 302
    home = client.get("/", follow=True)  # liaisons land on their queue
    assert demo_accounts[email].display_name in home.content.decode()


def test_wrong_password_on_the_page_is_refused(client, demo_accounts):
    response = client.post(reverse("account_login"), {"login": DEMO_EMAILS[0], "password": "wrong-password"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_there_is_no_open_sign_up(client):
    response = client.get(reverse("account_signup"))
    assert "account/signup_closed.html" in [template.name for template in response.templates]
    response = client.post(
        reverse("account_signup"), {"email": "new@example.jp", "password1": "x" * 16, "password2": "x" * 16}
    )
    assert not User.objects.filter(email="new@example.jp").exists()


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_demo_accounts_get_a_token_that_authenticates(client, demo_accounts, email):
    body = {"email": email, "password": PASSWORD}
    if demo_accounts[email].role != Role.STAFF:
        body["code"] = totp_code()
    response = client.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) == 64
    assert response.json()["expires_at"]
    reference = client.get("/api/v1/reference/policy-areas/", HTTP_AUTHORIZATION=f"Token {token}")
    assert reference.status_code == 200


def test_token_email_is_case_insensitive(client, demo_accounts):
    response = client.post(
        "/api/v1/auth/token/",
        {"email": "Staff@Matsumoto.example.lg.jp", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200


def test_wrong_password_gets_400_with_a_message(client, demo_accounts):
    response = client.post(
        "/api/v1/auth/token/", {"email": DEMO_EMAILS[0], "password": "nope"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "パスワード" in response.json()["detail"]


def test_missing_fields_are_named(client):
    response = client.post("/api/v1/auth/token/", {"email": "not-an-address"}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {"email", "password"}
    assert "email:" in body["detail"] and "password:" in body["detail"]


def test_repeated_failures_are_rate_limited_even_with_the_right_password(client, demo_accounts, settings):
    settings.BANSO_TOKEN_MAX_FAILURES = 3
    for _ in range(3):
        response = client.post(
            "/api/v1/auth/token/", {"email": DEMO_EMAILS[0], "password": "guess"}, content_type="application/json"
        )
        assert response.status_code == 400
    blocked = client.post(
        "/api/v1/auth/token/", {"email": DEMO_EMAILS[0], "password": PASSWORD}, content_type="application/json"
    )
    assert blocked.status_code == 429
    assert blocked["Retry-After"]


def test_failures_from_one_address_block_other_accounts_from_that_address(client, demo_accounts, settings):
    settings.BANSO_TOKEN_MAX_FAILURES = 2
    for email in DEMO_EMAILS[:2]:
        client.post("/api/v1/auth/token/", {"email": email, "password": "guess"}, content_type="application/json")
    response = client.post(
        "/api/v1/auth/token/",
        {"email": DEMO_EMAILS[3], "password": PASSWORD, "code": totp_code()},
        content_type="application/json",
    )
    assert response.status_code == 429


def test_repeated_page_sign_in_failures_are_rate_limited(client, demo_accounts):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": DEMO_EMAILS[0], "password": "guess"})
    response = sign_in(client, DEMO_EMAILS[0], PASSWORD)
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


def test_the_api_needs_authentication(client):
    for path in [
        "/api/v1/reference/policy-areas/",
        "/api/v1/reference/local-governments/",
        "/api/v1/reference/offices/",
    ]:
        assert client.get(path).status_code == 401
    assert client.get("/api/v1/reference/offices/", HTTP_AUTHORIZATION="Token " + "0" * 40).status_code == 401


def test_roles_and_organisations_are_consistent():
    matsumoto = LocalGovernment.objects.get(code="202029")
    kanto = Office.objects.get(slug="maff-rab-kanto")
    with pytest.raises(ValidationError, match="local_government"):
        upsert_user(email="a@example.jp", display_name="A", role=Role.STAFF)
    with pytest.raises(ValidationError, match="offices"):
        upsert_user(email="b@example.jp", display_name="B", role=Role.LIAISON)
    with pytest.raises(ValidationError, match="offices"):
        upsert_user(
            email="c@example.jp", display_name="C", role=Role.STAFF, local_government=matsumoto, offices=[kanto]
        )
    with pytest.raises(ValidationError, match="local_government"):
        upsert_user(email="d@example.jp", display_name="D", role=Role.SECRETARIAT, local_government=matsumoto)
    user, created = upsert_user(email="E@Example.jp", display_name="E", role=Role.LIAISON, offices=[kanto], lead_of=[])
    assert created and user.email == "e@example.jp" and not user.has_usable_password()


def test_seed_demo_files_demo_consultations_once(demo_accounts):
    from django.core.management import call_command

    from consult.models import Consultation

    call_command("seed_demo", verbosity=0)
    count = Consultation.objects.count()
    assert count == 5
    assert set(Consultation.objects.values_list("status", flat=True)) == {"in_progress", "open", "triage", "resolved"}
    call_command("seed_demo", verbosity=0)
    assert Consultation.objects.count() == count
