"""The filer rates the answer (1–5) once it is resolved: the service and the page."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from consult import services
from consult.lifecycle import IllegalTransition
from consult.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(people, file):
    consultation = file(people["matsumoto"])
    services.transition(actor=people["maff"], consultation=consultation, action="resolve", comment="回答です")
    consultation.refresh_from_db()
    return consultation


def test_the_filer_rates_and_may_change_the_rating(people, resolved):
    services.rate(actor=people["matsumoto"], consultation=resolved, rating=3, comment="概ね分かりました")
    services.rate(actor=people["matsumoto"], consultation=resolved, rating=5)
    resolved.refresh_from_db()
    assert resolved.rating == 5 and resolved.rated_at is not None
    ratings = list(Event.objects.filter(consultation=resolved, kind="rated").values_list("data__rating", "reason"))
    assert ratings == [(3, "概ね分かりました"), (5, "")]


def test_only_the_filer_only_once_answered_and_only_1_to_5(people, file, resolved):
    with pytest.raises(PermissionDenied):
        services.rate(actor=people["maff"], consultation=resolved, rating=5)
    with pytest.raises(ValidationError) as error:
        services.rate(actor=people["matsumoto"], consultation=resolved, rating=6)
    assert "rating" in error.value.message_dict
    with pytest.raises(IllegalTransition):
        services.rate(actor=people["matsumoto"], consultation=file(people["matsumoto"]), rating=4)


def test_the_page_offers_the_rating_to_the_filer_only(client, people, resolved):
    url = f"/consultations/{resolved.pk}/"
    client.force_login(people["matsumoto"])
    assert "回答への満足度" in client.get(url).content.decode()
    response = client.post(f"{url}actions/rate/", {})
    text = response.content.decode()
    assert response.status_code == 400
    assert 'class="error-summary"' in text and 'id="id_rate-rating-error"' in text
    assert client.post(f"{url}actions/rate/", {"rate-rating": "4"}).status_code == 302
    resolved.refresh_from_db()
    assert resolved.rating == 4
    client.force_login(people["maff"])
    assert "回答への満足度" not in client.get(url).content.decode()
    assert client.post(f"{url}actions/rate/", {"rate-rating": "1"}).status_code == 403
    client.force_login(people["niigata"])  # another municipality: the consultation does not exist
    assert client.post(f"{url}actions/rate/", {"rate-rating": "1"}).status_code == 404
    resolved.refresh_from_db()
    assert resolved.rating == 4


API = "/api/v1/consultations/"


def test_the_filer_rates_through_the_api_and_sees_the_rating(api, people, resolved):
    url = f"{API}{resolved.pk}/rate/"
    staff = api(people["matsumoto"])
    assert "rate" in staff.get(f"{API}{resolved.pk}/").json()["allowed_actions"]
    response = staff.post(url, {"rating": 4, "comment": "分かりやすい回答でした"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["rating"] == 4 and body["rated_at"] is not None
    assert staff.post(url, {"rating": 5}, format="json").json()["rating"] == 5  # changed, not added
    assert list(Event.objects.filter(consultation=resolved, kind="rated").values_list("data__rating", "reason")) == [
        (4, "分かりやすい回答でした"),
        (5, ""),
    ]
    # The office sees the rating too, and may not rate.
    office = api(people["maff"])
    detail = office.get(f"{API}{resolved.pk}/").json()
    assert detail["rating"] == 5 and "rate" not in detail["allowed_actions"]
    assert office.post(url, {"rating": 1}, format="json").status_code == 403


@pytest.mark.parametrize("rating", [0, 6, "x", None])
def test_a_rating_outside_1_to_5_names_the_field(api, people, resolved, rating):
    response = api(people["matsumoto"]).post(f"{API}{resolved.pk}/rate/", {"rating": rating}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"rating"}
    resolved.refresh_from_db()
    assert resolved.rating is None


def test_rating_before_the_answer_is_a_conflict_and_outside_visibility_404(api, people, file, resolved):
    waiting = file(people["matsumoto"])
    response = api(people["matsumoto"]).post(f"{API}{waiting.pk}/rate/", {"rating": 3}, format="json")
    assert response.status_code == 409 and "open" in str(response.json())
    assert "rate" not in api(people["matsumoto"]).get(f"{API}{waiting.pk}/").json()["allowed_actions"]
    for outsider in ("niigata", "meti", "digital"):
        assert api(people[outsider]).post(f"{API}{resolved.pk}/rate/", {"rating": 1}, format="json").status_code == 404
    assert api().post(f"{API}{resolved.pk}/rate/", {"rating": 1}, format="json").status_code == 401
