"""Server errors that fuzzing the API (`make fuzz`) found, kept as tests: each
answered 500 before and now answers with a 4xx that names the field."""

import pytest

pytestmark = pytest.mark.django_db
SIMULATE = "/api/v1/routing/simulate/"


@pytest.mark.parametrize("submitted_at", ["1145-10-18T21:23:29Z", "2019-12-31T23:59:59+09:00", "9999-01-01T00:00:00Z"])
def test_simulating_outside_the_business_calendar_is_a_400_naming_the_field(api, people, submitted_at):
    response = api(people["secretariat"]).post(
        SIMULATE,
        {"local_government": "202029", "policy_area": "smart-agri", "submitted_at": submitted_at},
        format="json",
    )
    assert response.status_code == 400
    assert "submitted_at" in response.json()["errors"]


@pytest.mark.parametrize(("name", "value"), [("from", "0191-04-03"), ("to", "0531-03-08"), ("to", "9999-12-31")])
def test_metrics_for_dates_outside_the_calendar_are_a_400_naming_the_field(api, people, name, value):
    response = api(people["secretariat"]).get("/api/v1/metrics/response-times/", {"group_by": "office", name: value})
    assert response.status_code == 400
    assert name in response.json()["errors"]
    csv = api(people["secretariat"]).get(
        "/api/v1/metrics/response-times/", {"group_by": "office", name: value, "format": "csv"}
    )
    assert csv.status_code == 400 and name in csv.content.decode("utf-8")


def test_the_dashboard_says_a_date_is_outside_the_calendar(client, people):
    client.force_login(people["secretariat"])
    response = client.get("/dashboard/", {"from": "0191-04-03", "to": "0531-03-08"})
    assert response.status_code == 200
    assert "2020年1月1日から" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/api/v1/reference/local-governments/", "/api/v1/consultations/", "/api/v1/library/", "/api/v1/measures/"],
)
def test_a_nul_character_in_a_search_is_a_400(api, people, url):
    response = api(people["secretariat"]).get(url, {"q": "松本\x00"})
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_a_nul_character_in_a_page_search_is_a_400(client, people):
    client.force_login(people["secretariat"])
    assert client.get("/queue/", {"q": "a\x00b"}).status_code == 400


@pytest.mark.parametrize("url", ["/api/v1/consultations/", "/api/v1/measures/", "/api/v1/library/"])
@pytest.mark.parametrize("q", ["!", "・・・", "?*"])
def test_a_search_without_terms_finds_nothing_with_counts_cached(api, people, settings, url, q):
    """A `q` of punctuation only has no terms: the list is empty, and the cached
    count (on in production, off elsewhere in the tests) must not fail on it."""
    settings.BANSO_LIST_COUNT_CACHE_SECONDS = 30
    response = api(people["secretariat"]).get(url, {"q": q})
    assert response.status_code == 200
    assert response.json()["count"] == 0 and response.json()["results"] == []
