"""The Content-Security-Policy in a real browser: the watcher in conftest catches
a violation, and the third-party pages (Swagger UI, the admin, DRF's browsable
API) work under the policy with no violation."""

import pytest

from .conftest import CSP_VIOLATIONS

pytestmark = pytest.mark.django_db(transaction=True)

SECRETARIAT = "secretariat@cao.example.go.jp"


def test_the_watcher_catches_inline_style_and_script(open_as):
    page = open_as(None, "/accounts/login/")
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.body.append(s); }"
    )
    page.wait_for_timeout(200)
    seen = list(CSP_VIOLATIONS)
    CSP_VIOLATIONS.clear()  # expected here; any other test fails on them
    assert any("style-src-attr" in violation for violation in seen), seen
    assert any("script-src-elem" in violation for violation in seen), seen
    assert page.evaluate("window.x") is None  # the inline script did not run
    assert page.evaluate("getComputedStyle(document.body).color") != "rgb(255, 0, 0)"


def test_api_docs_render_under_the_policy(open_as):
    page = open_as(None, "/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Banso API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 10


def test_admin_and_browsable_api_under_the_policy(open_as, django_user_model):
    secretariat = django_user_model.objects.get(email=SECRETARIAT)
    page = open_as(secretariat, "/admin/")
    assert page.locator("#site-name").count() == 1
    for path in ["/admin/accounts/user/", "/admin/consult/consultation/", "/admin/accounts/user/add/"]:
        response = page.goto(page.url.split("/admin/")[0] + path)
        assert response.status == 200, path
    response = page.goto(page.url.split("/admin/")[0] + "/api/v1/reference/policy-areas/")
    assert response.status == 200 and "Django REST framework" in page.title()
    assert page.locator(".response-info").count() == 1


def test_account_pages_from_allauth_under_the_policy(open_as, django_user_model):
    """allauth's own pages the project does not restyle (e-mail addresses, password
    change, two-factor set-up) load their scripts as files too."""
    staff = django_user_model.objects.get(email="staff@matsumoto.example.lg.jp")
    page = open_as(staff, "/accounts/email/")
    base = page.url.split("/accounts/")[0]
    for path in ["/accounts/email/", "/accounts/password/change/", "/accounts/2fa/", "/accounts/2fa/totp/activate/"]:
        response = page.goto(base + path)
        assert response.status < 400, path
        assert page.locator("main, body").first.inner_text(), path
