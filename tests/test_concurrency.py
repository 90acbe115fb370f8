"""Races with real concurrent transactions: two accepts, many filings."""

import threading

import pytest
from django.db import connection

from consult import services
from consult.lifecycle import IllegalTransition
from consult.models import Consultation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reference_data(django_db_blocker):
    from django.core.management import call_command

    # Transactional tests start from an empty database.
    call_command("load_reference_data", verbosity=0)
    call_command("seed_demo", accounts_only=True, verbosity=0)
    from accounts.models import User

    return {user.email: user for user in User.objects.all()}


def _run_together(functions):
    barrier = threading.Barrier(len(functions))
    outcomes = [None] * len(functions)

    def worker(index, function):
        try:
            barrier.wait()
            outcomes[index] = ("ok", function())
        except Exception as exc:  # the outcome is what the test checks
            outcomes[index] = ("error", exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_two_liaisons_accepting_at_once_exactly_one_wins(reference_data):
    from accounts.models import Role
    from accounts.services import upsert_user
    from routing.models import Office

    staff = reference_data["staff@matsumoto.example.lg.jp"]
    first = reference_data["liaison@kanto.maff.example.go.jp"]
    second, _ = upsert_user(
        email="second@kanto.maff.example.go.jp",
        display_name="二人目",
        role=Role.LIAISON,
        offices=[Office.objects.get(slug="maff-rab-kanto")],
    )
    consultation = services.file_consultation(actor=staff, title="t", body="b", policy_area="smart-agri").consultation
    outcomes = _run_together(
        [
            lambda: services.transition(actor=first, consultation=consultation, action="accept"),
            lambda: services.transition(actor=second, consultation=consultation, action="accept"),
        ]
    )
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["error", "ok"], outcomes
    error = next(value for kind, value in outcomes if kind == "error")
    assert isinstance(error, IllegalTransition) and error.status == "in_progress"
    consultation.refresh_from_db()
    assert consultation.status == "in_progress"
    assert consultation.events.filter(kind="accepted").count() == 1


def test_concurrent_filings_get_gapless_unique_references(reference_data):
    staff = reference_data["staff@matsumoto.example.lg.jp"]
    count = 12
    outcomes = _run_together(
        [
            lambda i=i: services.file_consultation(actor=staff, title=f"同時{i}", body="b", policy_area="smart-agri")
            for i in range(count)
        ]
    )
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    numbers = sorted(
        int(reference.rsplit("-", 1)[1]) for reference in Consultation.objects.values_list("reference", flat=True)
    )
    assert numbers == list(range(1, count + 1))
