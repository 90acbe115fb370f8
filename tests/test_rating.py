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
