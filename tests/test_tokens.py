"""API tokens that can be lost safely: stored hashed (knox), expiring, revoked when
the password changes or the account is deactivated, listed and revoked by their owner."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.services import issue_token, revoke_tokens

from .second_factor import sign_in, totp_code

pytestmark = pytest.mark.django_db
PASSWORD = "banso-demo-2026"
MATSUMOTO = "staff@matsumoto.example.lg.jp"
MAFF = "liaison@kanto.maff.example.go.jp"
SECRETARIAT = "secretariat@cao.example.go.jp"


def _get(client, key):
    return client.get("/api/v1/reference/policy-areas/", HTTP_AUTHORIZATION=f"Token {key}")


def _obtain(client, email=MATSUMOTO, password=PASSWORD, **body):
    response = client.post(
        "/api/v1/auth/token/", {"email": email, "password": password, **body}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_only_a_digest_of_the_token_is_stored(client, demo_accounts):
    key = _obtain(client)["token"]
    row = ApiToken.objects.get(user__email=MATSUMOTO)
    assert key != row.digest and key not in row.digest
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        stored = " ".join(str(value) for value in cursor.fetchone())
    assert key not in stored
    assert _get(client, key).status_code == 200


def test_the_plain_token_table_is_gone():
    tables = connection.introspection.table_names()
    assert "authtoken_token" not in tables
    assert "knox_authtoken" not in tables  # knox's own model is swapped for accounts.ApiToken


def test_a_token_expires_after_the_ttl(client, demo_accounts, settings):
    body = _obtain(client)
    expires_at = datetime.datetime.fromisoformat(body["expires_at"])
    assert expires_at.utcoffset() is not None
    expected = timezone.now() + datetime.timedelta(days=settings.BANSO_TOKEN_TTL_DAYS)
    assert abs((expires_at - expected).total_seconds()) < 60
    assert _get(client, body["token"]).status_code == 200
    with time_machine.travel(expires_at + datetime.timedelta(seconds=1)):
        response = _get(client, body["token"])
        assert response.status_code == 401
        assert "有効期限" in response.json()["detail"]
    assert not ApiToken.objects.filter(user__email=MATSUMOTO).exists()


def test_the_ttl_is_thirty_days_by_default(settings):
    assert settings.BANSO_TOKEN_TTL_DAYS == 30
    assert settings.REST_KNOX["TOKEN_TTL"] == datetime.timedelta(days=30)
    assert settings.REST_KNOX["AUTH_HEADER_PREFIX"] == "Token"


def test_each_request_makes_a_new_token_and_old_expired_ones_go(client, demo_accounts):
    first = _obtain(client)["token"]
    ApiToken.objects.filter(user__email=MATSUMOTO).update(expiry=timezone.now() - datetime.timedelta(days=1))
    second = _obtain(client)["token"]
    assert first != second
    assert ApiToken.objects.filter(user__email=MATSUMOTO).count() == 1
    assert _get(client, second).status_code == 200


def test_set_password_revokes_every_token(client, demo_accounts):
    user = demo_accounts[MATSUMOTO]
    keys = [issue_token(user=user).key for _ in range(2)]
    assert all(_get(client, key).status_code == 200 for key in keys)
    user = User.objects.get(pk=user.pk)
    user.set_password("another-Sakura-2027")
    user.save()
    assert not ApiToken.objects.filter(user=user).exists()
    assert all(_get(client, key).status_code == 401 for key in keys)


def test_other_saves_keep_the_tokens(client, demo_accounts):
    user = demo_accounts[MATSUMOTO]
    key = issue_token(user=user).key
    user = User.objects.get(pk=user.pk)
    user.display_name = "松本 花"
    user.save()
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    assert _get(client, key).status_code == 200


def test_changing_the_password_on_the_page_revokes_the_tokens(client, demo_accounts):
    key = _obtain(client, MAFF, code=totp_code())["token"]
    client.force_login(demo_accounts[MAFF])
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "another-Sakura-2027", "password2": "another-Sakura-2027"},
    )
    assert response.status_code == 302
    assert _get(client, key).status_code == 401


def test_a_password_reset_revokes_the_tokens(client, demo_accounts):
    key = _obtain(client)["token"]
    client.post(reverse("account_reset_password"), {"email": MATSUMOTO})
    link = re.search(r"https?://\S+(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body).group(1)
    form = client.get(link, follow=True)
    response = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"password1": "kaizen-Sakura-2027", "password2": "kaizen-Sakura-2027"},
    )
    assert response.status_code == 302
    assert User.objects.get(email=MATSUMOTO).check_password("kaizen-Sakura-2027")
    assert _get(client, key).status_code == 401


def test_deactivating_the_account_revokes_the_tokens(client, demo_accounts):
    key = _obtain(client)["token"]
    user = User.objects.get(email=MATSUMOTO)
    user.is_active = False
    user.save()
    assert not ApiToken.objects.filter(user=user).exists()
    user.is_active = True
    user.save()
    assert _get(client, key).status_code == 401


def test_the_last_use_is_kept(client, demo_accounts):
    issued = issue_token(user=demo_accounts[MATSUMOTO])
    assert issued.token.last_used_at is None
    _get(client, issued.key)
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at is not None


def test_a_broken_header_is_refused(client, demo_accounts):
    for header in ["Token", "Token a b", "Token \u00e9\u00e9", "Token " + "0" * 64]:
        assert client.get("/api/v1/reference/policy-areas/", HTTP_AUTHORIZATION=header).status_code == 401


# --- The token page ----------------------------------------------------------


def test_the_token_page_lists_only_ones_own_tokens(client, demo_accounts):
    mine = [issue_token(user=demo_accounts[MATSUMOTO]) for _ in range(2)]
    theirs = issue_token(user=demo_accounts["staff@niigata.example.lg.jp"])
    client.force_login(demo_accounts[MATSUMOTO])
    page = client.get(reverse("api-tokens"))
    assert page.status_code == 200
    content = page.content.decode()
    for issued in mine:
        assert reverse("api-token-revoke", args=[issued.token.pk]) in content
        assert issued.key not in content and issued.token.digest not in content
    assert reverse("api-token-revoke", args=[theirs.token.pk]) not in content


def test_revoking_one_token_on_the_page(client, demo_accounts):
    first, second = (issue_token(user=demo_accounts[MATSUMOTO]) for _ in range(2))
    client.force_login(demo_accounts[MATSUMOTO])
    response = client.post(reverse("api-token-revoke", args=[first.token.pk]), follow=True)
    assert "トークンを無効にしました" in response.content.decode()
    assert _get(client.__class__(), first.key).status_code == 401
    assert _get(client.__class__(), second.key).status_code == 200


def test_another_persons_token_cannot_be_revoked(client, demo_accounts):
    theirs = issue_token(user=demo_accounts["staff@niigata.example.lg.jp"])
    client.force_login(demo_accounts[MATSUMOTO])
    client.post(reverse("api-token-revoke", args=[theirs.token.pk]))
    assert ApiToken.objects.filter(pk=theirs.token.pk).exists()


def test_revoking_all_tokens_on_the_page(client, demo_accounts):
    keys = [issue_token(user=demo_accounts[MATSUMOTO]).key for _ in range(3)]
    kept = issue_token(user=demo_accounts["staff@niigata.example.lg.jp"]).key
    client.force_login(demo_accounts[MATSUMOTO])
    assert client.get(reverse("api-tokens-revoke-all")).status_code == 405
    client.post(reverse("api-tokens-revoke-all"))
    assert all(_get(client.__class__(), key).status_code == 401 for key in keys)
    assert _get(client.__class__(), kept).status_code == 200


def test_the_token_page_needs_sign_in(client):
    response = client.get(reverse("api-tokens"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_revoke_tokens_service_counts(demo_accounts):
    user = demo_accounts[MATSUMOTO]
    issued = [issue_token(user=user) for _ in range(3)]
    assert revoke_tokens(user=user, token_id=issued[0].token.pk) == 1
    assert revoke_tokens(user=user, token_id=issued[0].token.pk) == 0
    assert revoke_tokens(user=user) == 2


# --- The admin never shows a key ---------------------------------------------


def test_the_admin_shows_no_token_key_or_digest(client, demo_accounts):
    issued = issue_token(user=demo_accounts[MATSUMOTO])
    assert sign_in(client, SECRETARIAT, PASSWORD).status_code == 302
    listing = client.get("/admin/accounts/apitoken/")
    assert listing.status_code == 200
    assert MATSUMOTO in listing.content.decode()
    detail = client.get(f"/admin/accounts/apitoken/{issued.token.pk}/change/")
    assert detail.status_code == 200
    for page in (listing, detail):
        content = page.content.decode()
        assert issued.key not in content
        assert issued.token.digest not in content and issued.token.token_key not in content
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
    response = client.post(f"/admin/accounts/apitoken/{issued.token.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=issued.token.pk).exists()
