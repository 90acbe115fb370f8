"""Deputies and moves: absences with a deputy who receives the person's work,
office memberships with end dates (人事異動 on 1 April), and the open work of
people who left an office, reassigned by its lead."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import Absence, OfficeMembership, Role
from consult import alarms, services
from notifications import delivery
from notifications.kinds import Kind
from notifications.models import Notification
from routing.business_time import JST
from routing.models import Office

pytestmark = pytest.mark.django_db
LIST = "/api/v1/consultations/"


def jst(*parts):
    return datetime.datetime(*parts, tzinfo=JST)


DAY = jst(2026, 12, 1, 10, 0)  # a Tuesday in office hours


def sweep(now):
    """One deadline sweep at ``now`` (as beat runs it; tasks run in-process here)."""
    return sum(1 for pk in delivery.claim_due_alarms(now=now) if alarms.fire_alarm(pk, now=now))


def told(consultation, kind):
    return {n.recipient for n in Notification.objects.filter(consultation=consultation, kind=kind)}


@pytest.fixture
def colleague(people):
    """A second liaison of 関東農政局, the office of ``people["maff"]``."""
    user, _ = account_services.upsert_user(
        email="liaison2@kanto.maff.example.go.jp",
        display_name="関東 次郎",
        role=Role.LIAISON,
        offices=[Office.objects.get(slug="maff-rab-kanto")],
    )
    return user


# --- setting an absence ---------------------------------------------------------------------------


def test_an_absence_names_a_colleague_of_the_same_office(people, colleague, time_machine):
    time_machine.move_to(DAY)
    absence = account_services.set_absence(
        user=people["maff"], starts_on=datetime.date(2026, 12, 7), ends_on=datetime.date(2026, 12, 11), deputy=colleague
    )
    assert (absence.deputy, absence.starts_on, absence.ends_on) == (colleague, datetime.date(2026, 12, 7),
                                                                    datetime.date(2026, 12, 11))  # fmt: skip
    # Setting it again replaces it: one absence per person.
    account_services.set_absence(user=people["maff"], starts_on=datetime.date(2026, 12, 8),
                                 ends_on=datetime.date(2026, 12, 9), deputy=people["maff_lead"])  # fmt: skip
    assert Absence.objects.get(user=people["maff"]).deputy == people["maff_lead"]
    assert list(account_services.deputy_candidates(user=people["maff"])) == sorted(
        [colleague, people["maff_lead"]], key=lambda u: (u.display_name, u.pk)
    )
    assert account_services.clear_absence(user=people["maff"]) is True
    assert not Absence.objects.filter(user=people["maff"]).exists()


@pytest.mark.parametrize("case", ["other_office", "inactive", "self", "away_throughout", "backwards", "past", "ended"])
def test_the_deputy_is_validated(people, colleague, time_machine, case):
    time_machine.move_to(DAY)
    start, end = datetime.date(2026, 12, 7), datetime.date(2026, 12, 11)
    deputy = colleague
    if case == "other_office":
        deputy = people["meti"]
    elif case == "inactive":
        colleague.is_active = False
        colleague.save()
    elif case == "self":
        deputy = people["maff"]
    elif case == "away_throughout":
        account_services.set_absence(user=colleague, starts_on=datetime.date(2026, 12, 4),
                                     ends_on=datetime.date(2026, 12, 18), deputy=people["maff_lead"])  # fmt: skip
    elif case == "backwards":
        start, end = end, start
    elif case == "past":
        start, end = datetime.date(2026, 11, 2), datetime.date(2026, 11, 6)
    elif case == "ended":
        OfficeMembership.objects.filter(user=colleague).update(ended_on=datetime.date(2026, 12, 5))
    with pytest.raises(ValidationError) as error:
        account_services.set_absence(user=people["maff"], starts_on=start, ends_on=end, deputy=deputy)
    field = "ends_on" if case in ("backwards", "past") else "deputy"
    assert field in error.value.message_dict


def test_a_deputy_away_for_part_of_the_period_is_accepted(people, colleague, time_machine):
    time_machine.move_to(DAY)
    account_services.set_absence(user=colleague, starts_on=datetime.date(2026, 12, 7),
                                 ends_on=datetime.date(2026, 12, 8), deputy=people["maff_lead"])  # fmt: skip
    account_services.set_absence(user=people["maff"], starts_on=datetime.date(2026, 12, 7),
                                 ends_on=datetime.date(2026, 12, 11), deputy=colleague)  # fmt: skip


# --- notifications reach the deputy during the absence -----------------------------------------


@pytest.fixture
def away(people, colleague, file, time_machine):
    """A consultation accepted by ``maff`` on 1 December, who is away 2–4 December
    with ``colleague`` as deputy."""
    time_machine.move_to(DAY)
    consultation = file(people["matsumoto"], now=DAY)
    services.transition(actor=people["maff"], consultation=consultation, action="accept", now=DAY)
    account_services.set_absence(user=people["maff"], starts_on=datetime.date(2026, 12, 2),
                                 ends_on=datetime.date(2026, 12, 4), deputy=colleague)  # fmt: skip
    return consultation


def test_a_reply_to_someone_away_reaches_their_deputy(people, colleague, away, time_machine):
    time_machine.move_to(jst(2026, 12, 2, 10, 0))
    services.post_message(actor=people["matsumoto"], consultation=away, body="補足です")
    assert told(away, Kind.FILER_ANSWERED) == {people["maff"], colleague}


def test_reminders_and_escalations_reach_the_deputy(people, colleague, away, time_machine):
    time_machine.move_to(jst(2026, 12, 2, 10, 0))
    assert sweep(jst(2026, 12, 2, 10, 0)) == 1
    assert told(away, Kind.DUE_SOON) == {people["maff"], colleague}
    time_machine.move_to(jst(2026, 12, 3, 10, 0))
    assert sweep(jst(2026, 12, 3, 10, 0)) == 1
    assert told(away, Kind.OVERDUE) == {people["maff"], people["maff_lead"], colleague}


def test_an_escalation_during_the_absence_and_nothing_after_it_ends(people, colleague, away, time_machine):
    # The lead is away too (on the 7th), with the colleague as deputy: escalations meant for leads follow.
    time_machine.move_to(jst(2026, 12, 3, 10, 0))
    account_services.set_absence(user=people["maff_lead"], starts_on=datetime.date(2026, 12, 7),
                                 ends_on=datetime.date(2026, 12, 7), deputy=colleague)  # fmt: skip
    account_services.set_absence(user=people["maff"], starts_on=datetime.date(2026, 12, 3),
                                 ends_on=datetime.date(2026, 12, 4), deputy=people["maff_lead"])  # fmt: skip
    time_machine.move_to(jst(2026, 12, 7, 10, 0))
    assert sweep(jst(2026, 12, 7, 10, 0)) >= 1
    assert told(away, Kind.ESCALATED) == {people["maff"], people["maff_lead"], people["secretariat"], colleague}
    # From the 5th ``maff`` is back: the filer's reply reaches ``maff`` alone.
    services.post_message(actor=people["matsumoto"], consultation=away, body="まだでしょうか")
    assert told(away, Kind.FILER_ANSWERED) == {people["maff"]}


def test_after_the_absence_only_the_person_is_told(people, colleague, away, time_machine):
    time_machine.move_to(jst(2026, 12, 5, 9, 0))
    services.post_message(actor=people["matsumoto"], consultation=away, body="補足です")
    assert told(away, Kind.FILER_ANSWERED) == {people["maff"]}


def test_the_deputy_is_not_told_of_the_persons_own_action(people, colleague, away, time_machine):
    time_machine.move_to(jst(2026, 12, 2, 10, 0))
    services.post_message(actor=people["maff"], consultation=away, body="確認します")
    assert colleague not in told(away, Kind.REPLIED)


# --- memberships with end dates ---------------------------------------------------------------------


def _ids(api, user):
    return {row["id"] for row in api(user).get(LIST, {"page_size": 100}).json()["results"]}


def test_an_ended_membership_loses_access_to_the_offices_consultations(api, people, file, time_machine):
    time_machine.move_to(DAY)
    consultation = file(people["matsumoto"], now=DAY)
    membership = OfficeMembership.objects.get(user=people["maff"], office__slug="maff-rab-kanto")
    membership.ended_on = datetime.date(2026, 12, 2)
    membership.save()
    assert consultation.pk in _ids(api, people["maff"])
    assert api(people["maff"]).get(f"{LIST}{consultation.pk}/").status_code == 200
    time_machine.move_to(jst(2026, 12, 2, 0, 0))
    assert account_selectors.office_ids_of(people["maff"]) == []
    assert consultation.pk not in _ids(api, people["maff"])
    assert api(people["maff"]).get(f"{LIST}{consultation.pk}/").status_code == 404
    # Nor is the person told anything about it any longer.
    services.post_message(actor=people["matsumoto"], consultation=consultation, body="補足です")
    assert told(consultation, Kind.FILER_ANSWERED) == {people["maff_lead"]}


def test_a_membership_not_yet_started_gives_no_access(api, people, file, time_machine):
    time_machine.move_to(DAY)
    consultation = file(people["matsumoto"], now=DAY)
    OfficeMembership.objects.filter(user=people["maff_hq"]).update(started_on=datetime.date(2026, 12, 2))
    OfficeMembership.objects.create(user=people["maff_hq"], office=consultation.primary_office,
                                    started_on=datetime.date(2026, 12, 2))  # fmt: skip
    assert api(people["maff_hq"]).get(f"{LIST}{consultation.pk}/").status_code == 404
    time_machine.move_to(jst(2026, 12, 2, 9, 0))
    assert api(people["maff_hq"]).get(f"{LIST}{consultation.pk}/").status_code == 200
