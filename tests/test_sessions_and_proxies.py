"""Production's idle session timeout (background polling is not activity), its
absolute cap, and the client address behind the trusted reverse proxies."""

import datetime

import pytest
from django.test import RequestFactory

from config.network import client_address
from config.security import BACKGROUND_HEADER

STAFF = "staff@matsumoto.example.lg.jp"
START = datetime.datetime(2026, 11, 4, 1, 0, tzinfo=datetime.UTC)


@pytest.fixture
def idle_timeout(settings):
    """The production middleware and limits on top of the test settings."""
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("config.middleware.PageAuthenticationMiddleware") + 1,
        "config.security.IdleSessionTimeoutMiddleware",
    )
    settings.MIDDLEWARE = middleware
    settings.BANSO_SESSION_IDLE_SECONDS = 30 * 60
    settings.SESSION_COOKIE_AGE = 12 * 3600


def signed_in(client) -> bool:
    response = client.get("/inbox/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


@pytest.mark.django_db
def test_thirty_idle_minutes_sign_the_session_out(client, demo_accounts, idle_timeout, time_machine):
    time_machine.move_to(START)
    client.force_login(demo_accounts[STAFF])
    assert signed_in(client)
    time_machine.move_to(START + datetime.timedelta(minutes=29))
    assert signed_in(client)  # and this request counts as activity
    time_machine.move_to(START + datetime.timedelta(minutes=58))
    assert signed_in(client)
    time_machine.move_to(START + datetime.timedelta(minutes=58 + 31))
    response = client.get("/inbox/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert not signed_in(client)  # the session itself is gone, not only this request


@pytest.mark.django_db
def test_background_polling_does_not_keep_the_session_alive(client, demo_accounts, idle_timeout, time_machine):
    time_machine.move_to(START)
    client.force_login(demo_accounts[STAFF])
    for minutes in range(5, 30, 5):
        time_machine.move_to(START + datetime.timedelta(minutes=minutes))
        assert client.get("/inbox/", headers={BACKGROUND_HEADER: "1", "HX-Request": "true"}).status_code == 200
    time_machine.move_to(START + datetime.timedelta(minutes=31))
    assert not signed_in(client)


@pytest.mark.django_db
def test_a_timed_out_poll_sends_the_whole_page_to_sign_in(client, demo_accounts, idle_timeout, time_machine):
    time_machine.move_to(START)
    client.force_login(demo_accounts[STAFF])
    time_machine.move_to(START + datetime.timedelta(minutes=31))
    response = client.get(
        "/inbox/",
        headers={BACKGROUND_HEADER: "1", "HX-Request": "true", "HX-Current-URL": "http://testserver/consultations/7/"},
    )
    assert response.status_code == 200 and response.content == b""
    assert response.headers["HX-Redirect"] == "/accounts/login/?next=%2Fconsultations%2F7%2F"
    assert not signed_in(client)


@pytest.mark.django_db
def test_twelve_hours_after_signing_in_the_session_ends_however_busy(client, demo_accounts, idle_timeout, time_machine):
    time_machine.move_to(START)
    client.force_login(demo_accounts[STAFF])
    for minutes in range(20, 12 * 60, 20):
        time_machine.move_to(START + datetime.timedelta(minutes=minutes))
        assert signed_in(client), minutes
    time_machine.move_to(START + datetime.timedelta(hours=12, minutes=1))
    assert not signed_in(client)


@pytest.mark.django_db
def test_without_the_middleware_nothing_times_out(client, demo_accounts, time_machine):
    """The test settings (and development) keep sessions: only production adds the middleware."""
    time_machine.move_to(START)
    client.force_login(demo_accounts[STAFF])
    time_machine.move_to(START + datetime.timedelta(hours=2))
    assert signed_in(client)


def test_the_live_region_polls_as_background():
    from pathlib import Path

    region = Path(__file__).resolve().parent.parent / "frontend/templates/frontend/consultation/region.html"
    assert f'"{BACKGROUND_HEADER}": "1"' in region.read_text(encoding="utf-8")


def request(forwarded: str | None = None, remote: str = "10.0.0.2", **headers):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", headers=headers, **meta)


def test_client_address_without_trusted_proxies_is_the_peer(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert client_address(request("203.0.113.9")) == "10.0.0.2"  # a forged header is ignored


def test_client_address_behind_one_trusted_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert client_address(request("203.0.113.9")) == "203.0.113.9"
    # The client forged its own X-Forwarded-For; the proxy appended the real address.
    assert client_address(request("198.51.100.1, 203.0.113.9")) == "203.0.113.9"
    assert client_address(request(None)) == "10.0.0.2"  # came round the proxy
    assert client_address(request("not-an-address")) == "10.0.0.2"


def test_client_address_behind_two_trusted_proxies(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    assert client_address(request("198.51.100.1, 203.0.113.9, 10.0.0.1")) == "203.0.113.9"
    assert client_address(request("203.0.113.9")) == "10.0.0.2"  # fewer hops than proxies


def test_client_address_from_a_trusted_header(settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    assert client_address(request("198.51.100.1", **{"X-Real-IP": "203.0.113.7"})) == "203.0.113.7"


def test_allauth_keys_its_rate_limits_on_the_same_address(settings):
    from allauth.account.adapter import get_adapter

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    forged = request("198.51.100.1, 203.0.113.9")
    assert get_adapter(forged).get_client_ip(forged) == client_address(forged) == "203.0.113.9"
