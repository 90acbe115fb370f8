"""The demo year that `make run` seeds: the desk at work the moment the site answers."""

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from consult.models import Consultation, Event
from library.models import Entry, EntryStatus
from metrics import selectors as metrics_selectors


@pytest.fixture
def demo_year(demo_accounts):
    call_command("seed_demo_year", count=400, verbosity=0)
    return demo_accounts


def test_the_year_has_consultations_in_every_state_across_the_country(demo_year):
    consultations = Consultation.objects.all()
    assert consultations.count() == 400
    statuses = set(consultations.values_list("status", flat=True))
    assert {"open", "in_progress", "awaiting_filer", "resolved", "closed", "withdrawn", "triage"} <= statuses
    assert consultations.values("filer__prefecture").distinct().count() >= 40
    assert consultations.exclude(primary_office=None).values("primary_office").distinct().count() >= 30
    # Each has its history, starting with the filing and its deadlines.
    filed = Event.objects.filter(kind="filed")
    assert filed.count() == 400
    assert all("first_response_due_at" in data["deadlines"] for data in filed.values_list("data", flat=True))
    references = list(consultations.values_list("reference", flat=True))
    assert len(set(references)) == 400


def test_the_library_is_published_and_the_figures_too(demo_year):
    published = Entry.objects.filter(status=EntryStatus.PUBLISHED)
    assert published.count() >= 5
    assert all(entry.source.status in ("resolved", "closed") for entry in published)
    assert metrics_selectors.figures_as_of() is not None
    client = Client()
    client.force_login(User.objects.get(email="secretariat@cao.example.go.jp"))
    page = client.get("/dashboard/").content.decode()
    assert "まだ集計されていません" not in page


def test_the_demo_accounts_find_their_own_work(demo_year):
    matsumoto = User.objects.get(email="staff@matsumoto.example.lg.jp")
    assert Consultation.objects.filter(filer_id="202029").exists()
    assert set(Consultation.objects.filter(filer_id="202029").values_list("filed_by", flat=True)) == {matsumoto.pk}


def test_a_second_run_changes_nothing(demo_year):
    before = Consultation.objects.count(), Entry.objects.count(), User.objects.count()
    call_command("seed_demo_year", count=400, verbosity=0)
    assert (Consultation.objects.count(), Entry.objects.count(), User.objects.count()) == before


def test_a_new_consultation_after_the_year_gets_the_next_reference(demo_year):
    from consult.models import ReferenceCounter

    latest = max(
        int(r.split("-")[2])
        for r in Consultation.objects.filter(reference__startswith="BNS-2026").values_list("reference", flat=True)
    )
    assert ReferenceCounter.objects.get(year=2026).last >= latest
    assert Consultation.objects.order_by("-id").first().pk == Consultation.objects.count()
