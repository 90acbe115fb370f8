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


# --- an April 1 move (人事異動) --------------------------------------------------------------------

MARCH_31 = jst(2027, 3, 31, 10, 0)  # a Wednesday
APRIL_1 = jst(2027, 4, 1, 10, 0)


@pytest.fixture
def moving(people, colleague, file, time_machine):
    """``maff`` holds two open consultations of 関東農政局 and one resolved; the
    membership ends on 2027-04-01 (moved to 本省)."""
    time_machine.move_to(jst(2027, 3, 29, 10, 0))
    held = [file(people["matsumoto"]) for _ in range(2)]
    for consultation in held:
        services.transition(actor=people["maff"], consultation=consultation, action="accept")
    answered = file(people["matsumoto"])
    services.transition(actor=people["maff"], consultation=answered, action="accept")
    services.transition(actor=people["maff"], consultation=answered, action="resolve", comment="回答です")
    membership = OfficeMembership.objects.get(user=people["maff"], office__slug="maff-rab-kanto")
    membership.ended_on = datetime.date(2027, 4, 1)
    membership.save()
    OfficeMembership.objects.create(user=people["maff"], office=Office.objects.get(slug="maff-hq"),
                                    started_on=datetime.date(2027, 4, 1))  # fmt: skip
    return {"held": held, "answered": answered, "office": membership.office}


def test_across_april_1_access_ends_the_work_is_listed_and_reassigned(
    api, client_of, people, colleague, moving, time_machine
):
    held, office = moving["held"], moving["office"]
    # 31 March: still a member, still sees the work; the lead sees it listed already (an end date is set).
    time_machine.move_to(MARCH_31)
    assert {c.pk for c in held} <= _ids(api, people["maff"])
    page = client_of(people["maff_lead"]).get("/offices/handover/")
    assert page.status_code == 200
    assert all(c.reference in page.content.decode() for c in held)
    assert moving["answered"].reference not in page.content.decode()  # answered: nothing to hand over
    # 1 April: moved; no access to the old office's consultations, only to the new office's.
    time_machine.move_to(APRIL_1)
    assert account_selectors.office_ids_of(people["maff"]) == [Office.objects.get(slug="maff-hq").pk]
    assert not {c.pk for c in held} & _ids(api, people["maff"])
    assert api(people["maff"]).get(f"{LIST}{held[0].pk}/").status_code == 404
    # The lead hands the open work over in one step, each an event of its own.
    result = services.reassign_open_work(actor=people["maff_lead"], from_user=people["maff"], to_user=colleague,
                                         office=office)  # fmt: skip
    assert {c.pk for c in result.done} == {c.pk for c in held} and result.failed == []
    for consultation in held:
        consultation.refresh_from_db()
        assert consultation.assignee == colleague
        event = consultation.events.get(kind="assigned")
        assert event.actor == people["maff_lead"]
        assert event.data == {"assignee": colleague.pk, "previous_assignee": people["maff"].pk}
    assert told(held[0], Kind.ASSIGNED) == {colleague}  # the previous assignee no longer sees it
    # Nobody is left without an owner.
    assert services.notify_ownerless_work() == 0
    assert (
        "担当替えが必要な相談はありません" in client_of(people["maff_lead"]).get("/offices/handover/").content.decode()
    )


def test_the_daily_sweep_tells_the_leads_once(people, colleague, moving, time_machine):
    from consult import tasks

    time_machine.move_to(MARCH_31)
    assert tasks.notify_ownerless_work() == 0  # still a member on 31 March
    time_machine.move_to(jst(2027, 4, 1, 0, 30))
    assert tasks.notify_ownerless_work() == 1
    assert tasks.notify_ownerless_work() == 0  # idempotent: once per person and office
    time_machine.move_to(jst(2027, 4, 2, 0, 30))
    assert tasks.notify_ownerless_work() == 0
    notices = Notification.objects.filter(kind=Kind.HANDOVER)
    assert {n.recipient for n in notices} == {people["maff_lead"]}
    notice = notices.get()
    assert notice.data["title"] == people["maff"].display_name and "2件" in notice.data["detail"]
    assert notice.data["path"] == "/offices/handover/"


def test_the_sweep_is_scheduled_daily():
    from django.conf import settings

    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "consult.notify_ownerless_work")
    assert entry["schedule"].hour == {0} and entry["schedule"].minute == {30}


def test_a_closed_account_counts_as_gone(people, colleague, file, time_machine):
    time_machine.move_to(DAY)
    consultation = file(people["matsumoto"])
    services.transition(actor=colleague, consultation=consultation, action="accept")
    colleague.is_active = False
    colleague.save()
    assert services.notify_ownerless_work() == 1
    assert services.notify_ownerless_work() == 0


# --- assigning ---------------------------------------------------------------------------------------


def test_assign_takes_the_standing_and_a_member_of_the_office(people, colleague, file, time_machine):
    from django.core.exceptions import PermissionDenied

    time_machine.move_to(DAY)
    consultation = file(people["matsumoto"])
    with pytest.raises(PermissionDenied):
        services.assign(actor=people["meti"], consultation=consultation, assignee=colleague)
    with pytest.raises(ValidationError) as error:
        services.assign(actor=people["maff_lead"], consultation=consultation, assignee=people["meti"])
    assert "assignee" in error.value.message_dict
    services.assign(actor=people["maff_lead"], consultation=consultation, assignee=colleague)
    with pytest.raises(ValidationError):
        services.assign(actor=people["maff_lead"], consultation=consultation, assignee=colleague)  # already


def test_only_a_lead_of_the_office_reassigns_in_bulk(people, colleague, moving, time_machine):
    from django.core.exceptions import PermissionDenied

    time_machine.move_to(APRIL_1)
    for actor in (colleague, people["meti"]):
        with pytest.raises(PermissionDenied):
            services.reassign_open_work(actor=actor, from_user=people["maff"], to_user=colleague,
                                        office=moving["office"])  # fmt: skip


def test_a_refused_item_is_reported_and_the_others_done(people, colleague, moving, time_machine):
    time_machine.move_to(APRIL_1)
    held = moving["held"]
    services.assign(actor=people["maff_lead"], consultation=held[0], assignee=colleague)
    services.assign(actor=people["maff_lead"], consultation=held[0], assignee=people["maff_lead"])
    # Reassigning the lead's own work to the lead: refused for each (already theirs).
    result = services.reassign_open_work(actor=people["maff_lead"], from_user=people["maff_lead"],
                                         to_user=people["maff_lead"], office=moving["office"])  # fmt: skip
    assert result.done == [] and [c.pk for c, _reason in result.failed] == [held[0].pk]


# --- pages and API ----------------------------------------------------------------------------------


def test_the_handover_page_reassigns_in_one_step(client_of, people, colleague, moving, time_machine):
    time_machine.move_to(APRIL_1)
    office, held = moving["office"], moving["held"]
    prefix = f"o{office.pk}-p{people['maff'].pk}"
    client = client_of(people["maff_lead"])
    response = client.post("/offices/handover/", {"prefix": prefix, f"{prefix}-office": office.pk,
                                                  f"{prefix}-from_user": people["maff"].pk,
                                                  f"{prefix}-to_user": colleague.pk}, follow=True)  # fmt: skip
    assert response.status_code == 200
    assert "2件の相談を関東 次郎さんの担当にしました" in response.content.decode()
    assert all(c.assignee == colleague for c in type(held[0]).objects.filter(pk__in=[c.pk for c in held]))
    # A choice outside the office is refused on the form.
    bad = client.post("/offices/handover/", {"prefix": prefix, f"{prefix}-office": office.pk,
                                             f"{prefix}-from_user": colleague.pk,
                                             f"{prefix}-to_user": people["meti"].pk})  # fmt: skip
    assert bad.status_code == 400


def test_the_handover_page_is_for_leads_only(client_of, people, colleague):
    assert client_of(colleague).get("/offices/handover/").status_code == 404
    assert client_of(people["matsumoto"]).get("/offices/handover/").status_code == 404


def test_the_handover_page_reads_in_a_constant_number_of_queries(client_of, people, colleague, moving, file,
                                                                  time_machine, django_assert_max_num_queries):  # fmt: skip
    time_machine.move_to(APRIL_1)
    client = client_of(people["maff_lead"])
    client.get("/offices/handover/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/offices/handover/")
    time_machine.move_to(MARCH_31)
    for _ in range(3):
        consultation = file(people["matsumoto"])
        services.transition(actor=people["maff"], consultation=consultation, action="accept")
    time_machine.move_to(APRIL_1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/offices/handover/")
    assert "未完了の相談 5件" in page.content.decode()


def test_the_absence_page_sets_and_clears(client_of, people, colleague, time_machine):
    time_machine.move_to(DAY)
    client = client_of(people["maff"])
    page = client.get("/settings/absence/")
    assert page.status_code == 200 and colleague.display_name in page.content.decode()
    response = client.post("/settings/absence/", {"starts_on": "2026-12-01", "ends_on": "2026-12-04",
                                                  "deputy": colleague.pk}, follow=True)  # fmt: skip
    assert "不在と代理を設定しました" in response.content.decode()
    assert "現在、不在中です" in response.content.decode()
    assert Absence.objects.get(user=people["maff"]).deputy == colleague
    refused = client.post("/settings/absence/", {"starts_on": "2026-12-04", "ends_on": "2026-12-01",
                                                 "deputy": colleague.pk})  # fmt: skip
    assert refused.status_code == 400 and "終了日は開始日以降にしてください" in refused.content.decode()
    client.post("/settings/absence/clear/")
    assert not Absence.objects.filter(user=people["maff"]).exists()
    assert client_of(people["matsumoto"]).get("/settings/absence/").status_code == 404


def test_the_absence_api(api, people, colleague, time_machine):
    time_machine.move_to(DAY)
    client = api(people["maff"])
    url = "/api/v1/auth/me/absence/"
    assert client.get(url).json() == {"starts_on": None, "ends_on": None, "deputy": None, "deputy_name": "",
                                      "away_now": False}  # fmt: skip
    body = client.put(url, {"starts_on": "2026-12-07", "ends_on": "2026-12-11", "deputy": colleague.pk},
                      format="json").json()  # fmt: skip
    assert body == {"starts_on": "2026-12-07", "ends_on": "2026-12-11", "deputy": colleague.pk,
                    "deputy_name": colleague.display_name, "away_now": False}  # fmt: skip
    refused = client.put(url, {"starts_on": "2026-12-07", "ends_on": "2026-12-11", "deputy": people["meti"].pk},
                         format="json")  # fmt: skip
    assert refused.status_code == 400 and "deputy" in refused.json()["errors"]
    assert client.put(url, {"starts_on": "2026-12-07"}, format="json").status_code == 400
    assert client.delete(url).status_code == 204
    assert client.get(url).json()["deputy"] is None
    assert api().get(url).status_code == 401


def test_the_absence_api_is_in_the_schema(api, people):
    schema = api(people["maff"]).get("/api/schema/", {"format": "json"}).json()
    assert {"get", "put", "delete"} <= set(schema["paths"]["/api/v1/auth/me/absence/"])


def test_the_deputy_rule_as_plain_data():
    from notifications.recipients import with_deputies

    told = {1: Kind.REPLIED, 2: Kind.OVERDUE}
    assert with_deputies(told, {1: 3, 2: 1}) == {1: Kind.REPLIED, 2: Kind.OVERDUE, 3: Kind.REPLIED}
    assert with_deputies(told, {1: 3}, actor=3) == told  # the deputy acted: not told of it
    assert with_deputies({}, {1: 3}) == {}  # nobody told, nobody's deputy told


def test_a_notice_to_the_leads_reaches_the_deputy_of_a_lead_away(people, colleague, moving, time_machine):
    time_machine.move_to(MARCH_31)
    account_services.set_absence(user=people["maff_lead"], starts_on=datetime.date(2027, 3, 31),
                                 ends_on=datetime.date(2027, 4, 2), deputy=colleague)  # fmt: skip
    time_machine.move_to(jst(2027, 4, 1, 0, 30))
    assert services.notify_ownerless_work() == 1
    assert {n.recipient for n in Notification.objects.filter(kind=Kind.HANDOVER)} == {people["maff_lead"], colleague}


def test_the_handover_notice_is_delivered_and_leads_to_the_page(
    client_of, people, colleague, moving, time_machine, django_capture_on_commit_callbacks
):
    from django.core import mail

    time_machine.move_to(jst(2027, 4, 1, 9, 0))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify_ownerless_work() == 1
    message = next(m for m in mail.outbox if m.to == [people["maff_lead"].email])
    assert "/offices/handover/" in message.body and people["maff"].display_name in message.subject + message.body
    inbox = client_of(people["maff_lead"]).get("/inbox/").content.decode()
    assert 'href="/offices/handover/"' in inbox and "担当中の未完了の相談 2件" in inbox
