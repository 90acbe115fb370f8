"""Every page carries the Content-Security-Policy, and nothing answered to a
signed-in person may be stored by a cache; no page template carries inline
script, inline style or an inline event handler."""

import re
from pathlib import Path

import pytest

from tests.e2e.test_every_page import LIAISON, PAGES, SECRETARIAT, STAFF

ROOT = Path(__file__).resolve().parent.parent
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.fixture
def consultation(demo_accounts):
    from consult import services

    routed = services.file_consultation(
        actor=demo_accounts[STAFF], title="スマート農業の導入について", body="ドローンの補助制度について伺います。",
        policy_area="smart-agri",
    ).consultation  # fmt: skip
    services.post_message(actor=demo_accounts[LIAISON], consultation=routed, body="確認して回答します。")
    return routed


@pytest.mark.django_db
@pytest.mark.parametrize("email", list(PAGES), ids=lambda email: (email or "signed-out").split("@")[0])
def test_every_page_has_the_policy_and_signed_in_pages_are_not_stored(client, demo_accounts, consultation, email):
    if email is not None:
        client.force_login(demo_accounts[email])
    for path in [*PAGES[email], "/api/docs/", "/accounts/login/"]:
        response = client.get(path.format(pk=consultation.pk))
        assert response.status_code in (200, 302), path
        assert policy(response) == POLICY, path
        cache_control = response.headers.get("Cache-Control", "")
        if email is not None:
            assert "no-store" in cache_control and "private" in cache_control, (path, cache_control)


@pytest.mark.django_db
def test_an_anonymous_page_may_be_cached_but_a_signed_in_one_not(client, demo_accounts):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    client.force_login(demo_accounts[STAFF])
    assert "no-store" in client.get("/").headers["Cache-Control"]


@pytest.mark.django_db
def test_api_answers_to_a_signed_in_caller_are_not_stored(api, demo_accounts):
    anonymous = api().get("/api/v1/reference/policy-areas/")
    assert anonymous.status_code == 401 and "no-store" not in anonymous.headers.get("Cache-Control", "")
    response = api(demo_accounts[LIAISON]).get("/api/v1/reference/policy-areas/")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert policy(response) == POLICY


@pytest.mark.django_db
def test_the_admin_and_the_browsable_api_keep_the_policy(client, demo_accounts):
    client.force_login(demo_accounts[SECRETARIAT])
    admin = client.get("/admin/accounts/user/")
    assert admin.status_code == 200 and policy(admin) == POLICY
    assert "no-store" in admin.headers["Cache-Control"]
    # The browsable API: style attributes allowed, its one <style> block by hash; scripts unchanged.
    browsable = client.get("/api/v1/reference/policy-areas/", HTTP_ACCEPT="text/html")
    assert browsable.status_code == 200 and b"Django REST framework" in browsable.content
    directives = policy(browsable)
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["style-src-attr"] == "'unsafe-inline'"
    assert re.fullmatch(r"'self'( 'sha256-[A-Za-z0-9+/=]+')*", directives["style-src-elem"])
    assert "unsafe-inline" not in directives["style-src-elem"]
    # The JSON it describes keeps the plain policy.
    assert "style-src-attr" not in policy(client.get("/api/v1/reference/policy-areas/"))


@pytest.mark.django_db
def test_the_api_docs_start_up_script_is_a_file_of_the_site(client):
    html = client.get("/api/docs/").content.decode()
    assert "<script>" not in html and "<style>" not in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


# Templates served as pages. E-mail bodies are not: mail clients ignore linked
# stylesheets, no policy governs them, and they carry no script.
PAGE_TEMPLATES = [
    path
    for folder in ("frontend/templates", "metrics/templates", "accounts", "consult", "routing", "config")
    for path in (ROOT / folder).rglob("*.html")
    if "email" not in path.name and "/email/" not in str(path)
]
INLINE = re.compile(
    r"<style\b"
    r"|<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")"  # json_script data islands are not scripts
    r"|\sstyle=[\"']"
    r"|\son[a-z]+=[\"']"
    r"|\shx-on[:-]"  # htmx's inline handlers (eval, switched off in base.html)
    r"|javascript:",
    re.IGNORECASE,
)


def test_page_templates_have_no_inline_script_style_or_handlers():
    assert len(PAGE_TEMPLATES) > 50
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)!r}"
        for path in PAGE_TEMPLATES
        for match in INLINE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
