"""Related measures of a library entry on the pages: ticked in the secretariat's
edit form and in the proposal form of the consultation page (the measures
introduced in the answer ticked first), shown on the entry with links to the
measures' pages (a retired measure's page is the secretariat's: no dead link)."""

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from library import services
from library.models import Entry
from measures import services as measures_services
from measures.models import Measure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _drafts_dir(settings, tmp_path):
    settings.BANSO_DRAFTS_DIR = tmp_path / "drafts"


@pytest.fixture
def area_measures(db):
    """The smart-agriculture measures of the catalogue (the consultations' area in these tests)."""
    call_command("load_measures", verbosity=0)
    found = list(Measure.objects.filter(is_active=True, policy_areas__slug="smart-agri").order_by("pk")[:3])
    assert len(found) == 3
    return found


@pytest.fixture
def other_measure(area_measures):
    return Measure.objects.filter(is_active=True).exclude(policy_areas__slug="smart-agri").order_by("pk").first()


@pytest.fixture
def draft(people, resolved):
    return services.propose_entry(
        actor=people["maff"], consultation=resolved(), title="ドローンによる農薬散布の補助",
        question="ドローンでの農薬散布に使える補助は？", answer="スマート農業の実証事業が使えます。", measure_ids=[],
    )  # fmt: skip


def _box(page: str, box_id: str) -> str:
    """The checkbox with this id (its whole tag), or "" when it is not on the page."""
    found = re.search(rf'<input[^>]*id="{box_id}"[^>]*>', page)
    return found.group(0) if found else ""


def _ticked(page: str, box_id: str) -> bool:
    return " checked" in _box(page, box_id)


def _edit(client, entry, **values):
    values.setdefault("title", entry.current.title)
    values.setdefault("question", entry.current.question)
    values.setdefault("answer", entry.current.answer)
    values.setdefault("policy_area", entry.policy_area_id)
    return client.post(f"/library/{entry.pk}/edit/", values)


def test_the_edit_form_ticks_the_entrys_measures_and_saves_the_choice(
    people, client_of, draft, area_measures, other_measure
):
    office = client_of(people["secretariat"])
    services.edit_entry(actor=people["secretariat"], entry=draft, title=draft.current.title,
                        question=draft.current.question, answer=draft.current.answer,
                        measure_ids=[area_measures[0].pk, other_measure.pk])  # fmt: skip
    page = office.get(f"/library/{draft.pk}/").content.decode()
    for measure in area_measures:
        assert f'id="edit-measure-{measure.pk}"' in page
    # A measure of another area chosen before is offered too, ticked.
    assert _ticked(page, f"edit-measure-{other_measure.pk}")
    assert _box(page, f"edit-measure-{area_measures[1].pk}") and not _ticked(
        page, f"edit-measure-{area_measures[1].pk}"
    )
    response = _edit(office, draft, measures_form="1", measures=[str(area_measures[1].pk), str(area_measures[2].pk)])
    assert response.status_code == 302
    assert set(Entry.objects.get(pk=draft.pk).measures.values_list("pk", flat=True)) == {
        area_measures[1].pk, area_measures[2].pk,
    }  # fmt: skip
    # Nothing ticked on a form with the measures: none.
    _edit(office, draft, measures_form="1")
    assert not Entry.objects.get(pk=draft.pk).measures.exists()


def test_a_form_without_the_measures_keeps_them(people, client_of, draft, area_measures):
    draft.measures.set([area_measures[0]])
    _edit(client_of(people["secretariat"]), draft, title="改題")
    assert list(Entry.objects.get(pk=draft.pk).measures.values_list("pk", flat=True)) == [area_measures[0].pk]


def test_a_refused_edit_keeps_the_ticked_measures(people, client_of, draft, area_measures):
    response = _edit(client_of(people["secretariat"]), draft, title="", measures_form="1",
                     measures=[str(area_measures[2].pk), "not-a-number"])  # fmt: skip
    assert response.status_code == 400
    page = response.content.decode()
    assert _ticked(page, f"edit-measure-{area_measures[2].pk}")
    assert not _ticked(page, f"edit-measure-{area_measures[0].pk}")
    assert not Entry.objects.get(pk=draft.pk).measures.exists()


def test_an_unknown_measure_is_an_error_at_the_field(people, client_of, draft):
    response = _edit(client_of(people["secretariat"]), draft, measures_form="1", measures=["999999"])
    assert response.status_code == 400
    assert 'href="#edit-measures"' in response.content.decode() and 'id="edit-measures"' in response.content.decode()


def test_the_entry_links_its_measures_and_a_retired_one_only_for_the_secretariat(
    people, client_of, draft, area_measures
):
    draft.measures.set(area_measures[:2])
    services.publish_entry(actor=people["secretariat"], entry=draft)
    retired = area_measures[1]
    Measure.objects.filter(pk=retired.pk).update(is_active=False)
    for who in ("niigata", "meti", "matsumoto"):
        page = client_of(people[who]).get(f"/library/{draft.pk}/").content.decode()
        assert f'href="/measures/{area_measures[0].pk}/"' in page and area_measures[0].name in page
        assert f'href="/measures/{retired.pk}/"' not in page and retired.name in page
        assert "（掲載終了）" in page
        # Readers get no form to tick measures.
        assert 'name="measures"' not in page
    assert (
        f'href="/measures/{retired.pk}/"'
        in client_of(people["secretariat"]).get(f"/library/{draft.pk}/").content.decode()
    )


def test_the_proposal_form_ticks_the_measures_introduced_in_the_answer(people, client_of, resolved, area_measures):
    consultation = resolved()
    measures_services.set_introduced_measures(actor=people["maff"], consultation=consultation,
                                              measure_ids=[area_measures[1].pk])  # fmt: skip
    client = client_of(people["maff"])
    page = client.get(f"/consultations/{consultation.pk}/").content.decode()
    assert _ticked(page, f"proposal-measure-{area_measures[1].pk}")
    assert not _ticked(page, f"proposal-measure-{area_measures[0].pk}")
    response = client.post(
        f"/consultations/{consultation.pk}/library-proposal/",
        {"title": "ドローン散布の補助", "question": "使える補助は？", "answer": "実証事業です。", "measures_form": "1",
         "measures": [str(area_measures[0].pk), str(area_measures[2].pk)]},
    )  # fmt: skip
    assert response.status_code == 302
    entry = Entry.objects.get(source=consultation)
    assert set(entry.measures.values_list("pk", flat=True)) == {area_measures[0].pk, area_measures[2].pk}


def test_a_refused_proposal_comes_back_with_its_measures(people, client_of, resolved, area_measures):
    consultation = resolved()
    client = client_of(people["maff"])
    client.post(
        f"/consultations/{consultation.pk}/library-proposal/",
        {"title": "", "question": "q", "answer": "a", "measures_form": "1", "measures": [str(area_measures[2].pk)]},
    )
    page = client.get(f"/consultations/{consultation.pk}/").content.decode()
    assert _ticked(page, f"proposal-measure-{area_measures[2].pk}")
    assert not Entry.objects.filter(source=consultation).exists()


def test_the_measures_cost_the_same_queries_however_many_are_chosen(people, client_of, draft, area_measures):
    office = client_of(people["secretariat"])
    draft.measures.set(area_measures[:1])
    office.get(f"/library/{draft.pk}/")
    with CaptureQueriesContext(connection) as few:
        office.get(f"/library/{draft.pk}/")
    others = list(Measure.objects.exclude(policy_areas__slug="smart-agri").order_by("pk")[:6])
    draft.measures.set([*area_measures, *others])
    with CaptureQueriesContext(connection) as many:
        page = office.get(f"/library/{draft.pk}/").content.decode()
    assert all(f'id="edit-measure-{measure.pk}"' in page for measure in others)
    assert len(many) == len(few)
