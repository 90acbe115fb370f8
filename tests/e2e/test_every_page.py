"""Every page of every role through axe-core (WCAG 2.1 A and AA, at 1280 and 360 px),
and the same pages with JavaScript switched off: they still render their content,
and their forms are plain forms the server answers."""

import pytest

from .conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)

STAFF = "staff@matsumoto.example.lg.jp"
LIAISON = "liaison@kanto.maff.example.go.jp"
LEAD = "lead@kanto.maff.example.go.jp"
SECRETARIAT = "secretariat@cao.example.go.jp"


@pytest.fixture
def data(site, django_user_model):
    """A routed consultation with a reply and an internal note (and so notifications),
    and one that no rule routes, for the triage page."""
    from consult import services

    users = {user.email: user for user in django_user_model.objects.all()}
    routed = services.file_consultation(
        actor=users[STAFF], title="スマート農業の導入について", body="ドローンの補助制度について伺います。",
        policy_area="smart-agri",
    ).consultation  # fmt: skip
    services.post_message(actor=users[LIAISON], consultation=routed, body="確認して回答します。")
    services.post_message(actor=users[LIAISON], consultation=routed, body="本省に確認中", internal=True)
    services.file_consultation(actor=users[STAFF], title="どこに相談すべきか", body="分野が分かりません。",
                               policy_area="other")  # fmt: skip
    return users, routed


PAGES = {
    None: ["/", "/accounts/login/", "/accounts/password/reset/"],
    STAFF: ["/", "/consultations/new/", "/consultations/{pk}/", "/inbox/", "/inbox/preferences/", "/library/",
            "/measures/"],
    LIAISON: ["/queue/", "/consultations/{pk}/", "/inbox/", "/inbox/preferences/", "/library/", "/measures/",
              "/reply-templates/", "/reply-templates/new/"],
    LEAD: ["/queue/", "/consultations/{pk}/", "/inbox/"],
    SECRETARIAT: ["/", "/triage/", "/consultations/new/", "/consultations/{pk}/", "/dashboard/",
                  "/routing/rules/", "/dashboard/reports/", "/inbox/", "/inbox/preferences/", "/library/",
                  "/library/review/", "/measures/", "/measures/figures/", "/reply-templates/", "/reply-templates/new/"],
}  # fmt: skip


@pytest.mark.parametrize("email", list(PAGES), ids=lambda email: (email or "signed-out").split("@")[0])
def test_every_page_of_the_role_is_accessible(open_as, data, email):
    users, routed = data
    for path in PAGES[email]:
        page = open_as(users.get(email), path.format(pk=routed.pk))
        assert page.url.endswith(path.format(pk=routed.pk)), f"{path} went to {page.url}"
        role = (email or "signed-out").split("@")[0]
        name = "-".join([role, *path.strip("/").replace("{pk}", "id").split("/")]).rstrip("-")
        check_page(page, name)
        page.context.close()


@pytest.mark.parametrize("email", [STAFF, LIAISON, SECRETARIAT], ids=["staff", "liaison", "secretariat"])
def test_pages_work_without_javascript(browser, site, data, email):
    from django.conf import settings
    from django.test import Client

    users, routed = data
    client = Client()
    client.force_login(users[email])
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": site.url}])  # fmt: skip
    page = context.new_page()
    for path in PAGES[email]:
        response = page.goto(site.url + path.format(pk=routed.pk))
        assert response.status == 200, path
        assert page.locator("main h1").count() == 1, path
        assert len(page.locator("main").inner_text()) > 100, path
        # Every form is a real form: a method, and an action the server answers (or this page).
        for form in page.locator("main form").all():
            assert (form.get_attribute("method") or "get").lower() in ("get", "post"), path
    context.close()


SEARCHES = {STAFF: "/", LIAISON: "/queue/", SECRETARIAT: "/"}


@pytest.mark.parametrize("email", list(SEARCHES), ids=["staff", "liaison", "secretariat"])
def test_search_results_are_accessible(open_as, data, email):
    """A keyword's results, ranked with their highlighted passages (the texts were built on commit)."""
    from urllib.parse import urlencode

    users, routed = data
    page = open_as(users[email], SEARCHES[email] + "?" + urlencode({"q": "ドローン 補助", "status": "all"}))
    assert page.locator("main mark").count() >= 1
    assert routed.reference in page.locator("main").inner_text()
    check_page(page, f"{email.split('@')[0]}-search")
    page.context.close()
