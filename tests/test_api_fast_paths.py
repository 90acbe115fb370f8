"""The API's shortcuts stay invisible: a cached token never outlives a change to
the token, the user or their offices, and orjson writes what DRF's renderer would."""

import datetime
import decimal
import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy
from knox.crypto import hash_token
from rest_framework.renderers import JSONRenderer

from accounts.authentication import _cache_key
from accounts.services import issue_token, upsert_user
from config.renderers import FastJSONRenderer
from consult import services
from routing.models import Office

pytestmark = pytest.mark.django_db


def _get(client, token, path="/api/v1/consultations/"):
    return client.get(path, HTTP_AUTHORIZATION=f"Token {token}")


def test_the_token_is_read_once_and_holds_no_password(client, people):
    token = issue_token(user=people["maff"]).key
    assert _get(client, token).status_code == 200
    key = _cache_key(hash_token(token))
    token_object, offices, second_factor_missing = cache.get(key)
    assert offices == [Office.objects.get(slug="maff-rab-kanto").pk]
    assert not second_factor_missing
    assert "password" not in token_object.user.__dict__
    assert token not in key
    with CaptureQueriesContext(connection) as queries:
        assert _get(client, token).status_code == 200
    assert not [
        q
        for q in queries.captured_queries
        if "accounts_apitoken" in q["sql"] or "membership" in q["sql"] or "mfa_authenticator" in q["sql"]
    ]


def test_a_deactivated_user_is_refused_at_once(client, people):
    user = people["matsumoto"]
    token = issue_token(user=user).key
    assert _get(client, token).status_code == 200
    user.is_active = False
    user.save()
    assert _get(client, token).status_code == 401


def test_a_deleted_token_is_refused_at_once(client, people):
    issued = issue_token(user=people["matsumoto"])
    assert _get(client, issued.key).status_code == 200
    issued.token.delete()
    assert _get(client, issued.key).status_code == 401


def test_a_liaison_moved_to_another_office_sees_its_consultations_at_once(client, people, file):
    consultation = file(people["matsumoto"])
    user = people["maff"]
    token = issue_token(user=user).key
    assert consultation.pk in [row["id"] for row in _get(client, token).json()["results"]]
    assert _get(client, token, f"/api/v1/consultations/{consultation.pk}/").status_code == 200
    upsert_user(
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        offices=[Office.objects.get(slug="digital-hq")],
    )
    assert consultation.pk not in [row["id"] for row in _get(client, token).json()["results"]]
    assert _get(client, token, f"/api/v1/consultations/{consultation.pk}/").status_code == 404
    # Added back from the office's side of the relation.
    Office.objects.get(slug="maff-rab-kanto").liaisons.add(user)
    assert _get(client, token, f"/api/v1/consultations/{consultation.pk}/").status_code == 200


def test_orjson_writes_the_bytes_drf_would():
    data = {
        "text": "日本語 <script>\u2028\u2029",
        "aware": datetime.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC),
        "tokyo": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=9))),
        "day": datetime.date(2026, 1, 2),
        "time": datetime.time(1, 2, 3, 456789),
        "decimal": decimal.Decimal("1.50"),
        "uuid": uuid.UUID(int=7),
        "lazy": gettext_lazy("相談が見つかりません"),
        7: "integer key",
        "nested": [{"none": None, "true": True, "float": 1.5, "tuple": (1, 2)}],
    }
    for value in (data, [], {}, "plain", {"big": 2**70}):
        assert FastJSONRenderer().render(value) == JSONRenderer().render(value)
    assert FastJSONRenderer().render(data, "application/json; indent=2") == JSONRenderer().render(
        data, "application/json; indent=2"
    )


def test_api_answers_are_drfs_json(api, people, file):
    consultation = file(people["matsumoto"], co_filers=["221007"])
    services.post_message(actor=people["maff"], consultation=consultation, body="返信\u2028です")
    client = api(people["secretariat"])
    for path in ("/api/v1/consultations/", f"/api/v1/consultations/{consultation.pk}/"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.content == JSONRenderer().render(response.data)


def test_token_calls_skip_the_session_and_browser_calls_keep_it(client, people):
    from accounts.services import issue_token

    token = issue_token(user=people["matsumoto"]).key
    response = client.get("/api/v1/consultations/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200 and "sessionid" not in response.cookies
    assert not hasattr(response.wsgi_request, "session")
    client.force_login(people["matsumoto"])  # the browser: session and CSRF as always
    response = client.get("/api/v1/consultations/")
    assert response.status_code == 200 and response.wsgi_request.user == people["matsumoto"]
    assert client.post("/api/v1/consultations/", {}, content_type="application/json").status_code == 400
