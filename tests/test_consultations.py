"""Filing, the lifecycle through the API, conversation, transfers and history."""

import datetime

import pytest
from django.db import connection
from django.db.utils import DatabaseError

from consult import services
from consult.models import AppendOnly, Consultation, Event, Message
from routing.business_time import DEFAULT_CALENDAR, JST

pytestmark = pytest.mark.django_db
LIST = "/api/v1/consultations/"


def jst(*parts):
    return datetime.datetime(*parts, tzinfo=JST)


# --- filing ------------------------------------------------------------------------------------


def test_filing_routes_sets_deadlines_and_commits_before_201(api, people, time_machine):
    # Friday 2026-11-20 15:00 JST; Monday 23rd is 勤労感謝の日.
    time_machine.move_to(jst(2026, 11, 20, 15, 0), tick=False)
    response = api(people["matsumoto"]).post(
        LIST,
        {
            "title": "ドローン活用",
            "body": "農薬散布にドローンを使いたい",
            "policy_area": "smart-agri",
            "desired_by": "2030-01-31",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    row = Consultation.objects.get(pk=body["id"])
    assert body["reference"] == row.reference
    assert row.reference == "BNS-2026-000001"
    assert body["status"] == "open"
    assert body["routing"]["primary_office"] == {"slug": "maff-rab-kanto", "name": "関東農政局", "ministry": "maff"}
    assert body["routing"]["rule"]["version"] == 1
    assert "長野県は関東農政局の管轄" in body["routing"]["explanation"]
    assert body["filer"] == {"code": "202029", "name": "松本市", "prefecture": "長野県"}
    # By hand on the office calendar (08:30–17:15, Mon–Fri, holidays closed), standard
    # policy: 2 business days are Fri 15:00–17:15, Tue 24th whole, Wed 25th 08:30–15:00;
    # the 10th business day after Friday (Tue 24th … Fri 4th, Mon 7th) ends Mon 7 Dec 15:00.
    assert body["first_response_due_at"] == "2026-11-25T15:00:00+09:00"
    assert body["resolution_due_at"] == "2026-12-07T15:00:00+09:00"
    assert (row.first_response_due_at, row.resolution_due_at) == (jst(2026, 11, 25, 15, 0), jst(2026, 12, 7, 15, 0))
    assert [e.kind for e in row.events.all()] == ["filed", "routed"]
    assert row.handlings.get().office.slug == "maff-rab-kanto"


def test_references_are_sequential_per_year(people, file):
    first = file(people["matsumoto"], now=jst(2026, 3, 1, 10))
    second = file(people["niigata"], now=jst(2026, 3, 1, 11))
    next_year = file(people["matsumoto"], now=jst(2027, 1, 4, 10))
    assert (first.reference, second.reference, next_year.reference) == (
        "BNS-2026-000001",
        "BNS-2026-000002",
        "BNS-2027-000001",
    )


def test_deadlines_follow_the_calendar(people, file):
    consultation = file(people["matsumoto"], now=jst(2026, 12, 28, 16, 0))
    assert consultation.first_response_due_at == jst(2027, 1, 5, 16, 0)
    assert consultation.resolution_due_at == jst(2027, 1, 18, 16, 0)


def test_joint_filing_and_triage(api, people):
    joint = api(people["niigata"]).post(
        LIST,
        {"title": "5G", "body": "共同で", "policy_area": "digital-infra", "co_filers": ["202029", "221007"]},
        format="json",
    )
    assert joint.status_code == 201
    body = joint.json()
    assert body["routing"]["primary_office"]["slug"] == "mic-bct-shinetsu"
    assert [o["slug"] for o in body["routing"]["collaborators"]] == ["mic-bct-tokai"]
    assert [c["code"] for c in body["co_filers"]] == ["202029", "221007"]
    triage = api(people["niigata"]).post(LIST, {"title": "?", "body": "どこに", "policy_area": "other"}, format="json")
    assert triage.json()["status"] == "triage"
    assert triage.json()["routing"]["primary_office"] is None


def test_the_secretariat_files_on_behalf_and_others_may_not(api, people):
    ok = api(people["secretariat"]).post(
        LIST, {"title": "代理", "body": "電話相談の記録", "policy_area": "grant", "filer": "151009"}, format="json"
    )
    assert ok.status_code == 201 and ok.json()["filer"]["code"] == "151009"
    missing = api(people["secretariat"]).post(
        LIST, {"title": "代理", "body": "x", "policy_area": "grant"}, format="json"
    )
    assert missing.status_code == 400 and "filer" in missing.json()["errors"]
    other = api(people["matsumoto"]).post(
        LIST, {"title": "x", "body": "x", "policy_area": "grant", "filer": "151009"}, format="json"
    )
    assert other.status_code == 400 and "filer" in other.json()["errors"]
    liaison = api(people["maff"]).post(LIST, {"title": "x", "body": "x", "policy_area": "grant"}, format="json")
    assert liaison.status_code == 403


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"title", "body", "policy_area"}),
        ({"title": "x", "body": "x", "policy_area": "nope"}, {"policy_area"}),
        ({"title": "x", "body": "x", "policy_area": "grant", "co_filers": ["999999", "202029"]}, {"co_filers"}),
        ({"title": "x", "body": "x", "policy_area": "grant", "co_filers": ["12"]}, {"co_filers"}),
        ({"title": "x" * 201, "body": "x", "policy_area": "grant"}, {"title"}),
        ({"title": "x", "body": "あ" * 200_000, "policy_area": "grant"}, {"body"}),
        ({"title": "x", "body": "x", "policy_area": "grant", "desired_by": "2001-01-01"}, {"desired_by"}),
        ({"title": "x", "body": "x", "policy_area": "grant", "urgency": "panic"}, {"urgency"}),
    ],
)
def test_bad_input_is_refused_naming_each_field_and_nothing_is_saved(api, people, payload, fields):
    before = Consultation.objects.count()
    response = api(people["matsumoto"]).post(LIST, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == fields
    assert all(field in body["detail"] for field in fields)
    assert Consultation.objects.count() == before


def test_html_and_script_are_stored_as_given(api, people):
    text = '<script>alert("x")</script><b>太字</b> & "quotes"'
    response = api(people["matsumoto"]).post(
        LIST, {"title": text[:200], "body": text, "policy_area": "grant"}, format="json"
    )
    row = Consultation.objects.get(pk=response.json()["id"])
    assert row.body == text and response.json()["body"] == text


# --- the lifecycle through the API ----------------------------------------------------------------


def _act(client, consultation, action, **data):
    return client.post(f"{LIST}{consultation.pk}/{action}/", data, format="json")


def test_the_whole_journey(api, people, file):
    consultation = file(people["matsumoto"])
    staff, liaison = api(people["matsumoto"]), api(people["maff"])
    accepted = _act(liaison, consultation, "accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "in_progress"
    assert accepted.json()["assignee"]["id"] == people["maff"].pk
    asked = _act(liaison, consultation, "request-info", comment="面積を教えてください")
    assert asked.json()["status"] == "awaiting_filer"
    assert asked.json()["first_responded_at"]
    reply = staff.post(f"{LIST}{consultation.pk}/messages/", {"body": "約10haです"}, format="json")
    assert reply.status_code == 201
    assert staff.get(f"{LIST}{consultation.pk}/").json()["status"] == "in_progress"  # resumed by the reply
    resolved = _act(liaison, consultation, "resolve", comment="補助制度Aが使えます")
    assert resolved.json()["status"] == "resolved"
    confirmed = _act(staff, consultation, "confirm")
    assert confirmed.json()["status"] == "closed"
    reopened = _act(staff, consultation, "reopen", comment="追加の質問があります")
    assert reopened.json()["status"] == "in_progress"
    kinds = [e["kind"] for e in staff.get(f"{LIST}{consultation.pk}/events/").json()["results"]]
    assert kinds == [
        "filed",
        "routed",
        "accepted",
        "info_requested",
        "replied",
        "resumed",
        "resolved",
        "closed",
        "reopened",
    ]


@pytest.mark.parametrize(
    ("who", "action", "code"),
    [
        ("matsumoto", "accept", 403),  # staff may not accept
        ("meti", "accept", 404),  # another office does not see it
        ("maff", "confirm", 403),  # only the filer side confirms
        ("maff", "resolve", 200),
        ("maff", "withdraw", 403),
        ("matsumoto", "withdraw", 200),
        ("matsumoto", "resolve", 403),
        ("secretariat", "resolve", 200),
    ],
)
def test_roles_decide_who_may_act(api, people, file, who, action, code):
    consultation = file(people["matsumoto"])
    assert _act(api(people[who]), consultation, action).status_code == code


def test_an_illegal_action_answers_409_with_the_current_status(api, people, file):
    consultation = file(people["matsumoto"])
    response = _act(api(people["matsumoto"]), consultation, "confirm")
    assert response.status_code == 409
    assert response.json()["status"] == "open"
    assert "受付待ち" in response.json()["detail"]
    request_info_without_question = _act(api(people["maff"]), consultation, "request-info")
    assert request_info_without_question.status_code == 400
    assert "comment" in request_info_without_question.json()["errors"]


def test_the_pause_moves_the_resolution_deadline(people, file):
    consultation = file(people["matsumoto"], now=jst(2026, 11, 2, 9, 0))
    due = consultation.resolution_due_at
    services.transition(actor=people["maff"], consultation=consultation, action="accept", now=jst(2026, 11, 2, 10, 0))
    services.transition(actor=people["maff"], consultation=consultation, action="request_info", comment="?",
                        now=jst(2026, 11, 4, 9, 0))  # fmt: skip
    services.post_message(
        actor=people["matsumoto"], consultation=consultation, body="回答します", now=jst(2026, 11, 6, 9, 0)
    )
    consultation.refresh_from_db()
    assert consultation.status == "in_progress"
    assert consultation.resolution_due_at == DEFAULT_CALENDAR.add_days(due, 2)  # Wed 09:00 → Fri 09:00
    resumed = consultation.events.get(kind="resumed")
    assert resumed.data["paused_seconds"] == 2 * DEFAULT_CALENDAR.day_seconds


def test_first_response_is_set_by_a_public_reply_not_by_a_note(people, file):
    consultation = file(people["matsumoto"])
    services.post_message(actor=people["maff"], consultation=consultation, body="内部で確認", internal=True)
    consultation.refresh_from_db()
    assert consultation.first_responded_at is None
    services.post_message(actor=people["maff"], consultation=consultation, body="確認します")
    consultation.refresh_from_db()
    assert consultation.first_responded_at is not None


def test_auto_close_after_five_business_days(people, file):
    consultation = file(people["matsumoto"], now=jst(2026, 11, 2, 9, 0))
    services.transition(actor=people["maff"], consultation=consultation, action="resolve", now=jst(2026, 11, 2, 10, 0))
    assert services.auto_close_due(now=jst(2026, 11, 9, 9, 59)) == 0  # 4 business days and 23h later (3 Nov holiday)
    assert services.auto_close_due(now=jst(2026, 11, 10, 10, 0)) == 1
    consultation.refresh_from_db()
    assert consultation.status == "closed"
    event = consultation.events.get(kind="closed")
    assert event.actor is None and event.data["automatic"] is True
    assert services.auto_close_due(now=jst(2026, 11, 20, 10, 0)) == 0


# --- conversation, transfers, collaborators -------------------------------------------------------


def test_internal_notes_never_reach_staff(api, people, file):
    consultation = file(people["matsumoto"])
    note = api(people["maff"]).post(
        f"{LIST}{consultation.pk}/messages/", {"body": "内部: 本省に確認", "internal": True}, format="json"
    )
    assert note.status_code == 201
    staff_view = api(people["matsumoto"]).get(f"{LIST}{consultation.pk}/").json()
    assert all(not m["internal"] for m in staff_view["messages"])
    staff_events = api(people["matsumoto"]).get(f"{LIST}{consultation.pk}/events/").json()["results"]
    assert "note_added" not in [e["kind"] for e in staff_events]
    liaison_view = api(people["maff"]).get(f"{LIST}{consultation.pk}/").json()
    assert [m["body"] for m in liaison_view["messages"] if m["internal"]] == ["内部: 本省に確認"]
    staff_note = api(people["matsumoto"]).post(
        f"{LIST}{consultation.pk}/messages/", {"body": "x", "internal": True}, format="json"
    )
    assert staff_note.status_code == 400 and "internal" in staff_note.json()["errors"]


def test_mentions_are_recorded(people, file):
    consultation = file(people["matsumoto"])
    result = services.post_message(
        actor=people["maff"],
        consultation=consultation,
        body="@maff-hq と @lead@kanto.maff.example.go.jp に相談",
        internal=True,
    )
    assert result.message.mentions == {"users": [people["maff_lead"].pk], "offices": ["maff-hq"]}


def test_transfer_needs_a_reason_and_keeps_history_for_the_old_office(api, people, file):
    consultation = file(people["matsumoto"])
    liaison = api(people["maff"])
    services.post_message(actor=people["maff"], consultation=consultation, body="移送前のメモ", internal=True)
    no_reason = liaison.post(f"{LIST}{consultation.pk}/transfer/", {"office": "maff-hq"}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    unknown = liaison.post(f"{LIST}{consultation.pk}/transfer/", {"office": "nowhere", "reason": "x"}, format="json")
    assert unknown.status_code == 400 and "office" in unknown.json()["errors"]
    moved = liaison.post(
        f"{LIST}{consultation.pk}/transfer/", {"office": "maff-hq", "reason": "全国的な制度のため"}, format="json"
    )
    assert moved.status_code == 200
    assert moved.json()["routing"]["primary_office"]["slug"] == "maff-hq"
    services.post_message(actor=people["maff_hq"], consultation=consultation, body="移送後のメモ", internal=True)
    old_view = liaison.get(f"{LIST}{consultation.pk}/").json()
    assert [m["body"] for m in old_view["messages"] if m["internal"]] == ["移送前のメモ"]
    new_view = api(people["maff_hq"]).get(f"{LIST}{consultation.pk}/").json()
    assert [m["body"] for m in new_view["messages"] if m["internal"]] == ["移送前のメモ", "移送後のメモ"]
    assert _act(liaison, consultation, "resolve").status_code == 403  # no longer the office
    event = consultation.events.get(kind="transferred")
    assert (event.from_office.slug, event.to_office.slug, event.reason) == (
        "maff-rab-kanto",
        "maff-hq",
        "全国的な制度のため",
    )


def test_ping_pong_is_flagged_after_the_second_bounce(people, file):
    consultation = file(people["matsumoto"])
    secretariat = people["secretariat"]
    # A → B is a transfer; B → A the first bounce; A → B the second.
    for office in ["maff-hq", "maff-rab-kanto"]:
        services.transfer(actor=secretariat, consultation=consultation, office=office, reason="確認")
    consultation.refresh_from_db()
    assert consultation.ping_pong_flagged_at is None  # one bounce so far
    services.transfer(actor=secretariat, consultation=consultation, office="maff-hq", reason="確認")
    consultation.refresh_from_db()
    assert consultation.ping_pong_flagged_at is not None
    assert consultation.events.filter(kind="ping_pong_flagged").count() == 1


def test_the_secretariat_routes_triage_by_transfer(api, people, file):
    consultation = file(people["matsumoto"], policy_area="other")
    assert consultation.status == "triage"
    routed = api(people["secretariat"]).post(
        f"{LIST}{consultation.pk}/transfer/", {"office": "digital-hq", "reason": "データ連携の相談"}, format="json"
    )
    assert routed.json()["status"] == "open"
    assert consultation.events.filter(kind="routed_by_hand").count() == 1


def test_collaborators_see_reply_and_note_but_do_not_resolve(api, people, file):
    consultation = file(people["matsumoto"])
    liaison = api(people["maff"])
    assert api(people["digital"]).get(f"{LIST}{consultation.pk}/").status_code == 404
    invited = liaison.post(f"{LIST}{consultation.pk}/collaborators/", {"office": "digital-hq"}, format="json")
    assert invited.status_code == 200
    assert [o["slug"] for o in invited.json()["routing"]["collaborators"]] == ["digital-hq"]
    digital = api(people["digital"])
    assert digital.get(f"{LIST}{consultation.pk}/").status_code == 200
    assert (
        digital.post(f"{LIST}{consultation.pk}/messages/", {"body": "データ面で協力します"}, format="json").status_code
        == 201
    )
    assert (
        digital.post(
            f"{LIST}{consultation.pk}/messages/", {"body": "内部", "internal": True}, format="json"
        ).status_code
        == 201
    )
    assert _act(digital, consultation, "resolve").status_code == 403
    again = liaison.post(f"{LIST}{consultation.pk}/collaborators/", {"office": "digital-hq"}, format="json")
    assert again.status_code == 400


# --- history --------------------------------------------------------------------------------------


def test_events_cannot_be_changed_or_deleted(people, file):
    consultation = file(people["matsumoto"])
    event = consultation.events.first()
    event.reason = "改ざん"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("UPDATE consult_event SET reason = 'x' WHERE id = %s", [event.pk])


def test_the_admin_cannot_change_history(client, people, file):
    from django.contrib import admin

    consultation = file(people["matsumoto"])
    model_admin = admin.site._registry[Event]
    request = type("R", (), {"user": people["secretariat"]})()
    assert not model_admin.has_change_permission(request, consultation.events.first())
    assert not model_admin.has_delete_permission(request, consultation.events.first())
    assert not model_admin.has_add_permission(request)


def test_messages_are_listed_in_order(people, file):
    consultation = file(people["matsumoto"])
    for index in range(3):
        services.post_message(actor=people["maff"], consultation=consultation, body=f"返信{index}")
    assert list(Message.objects.filter(consultation=consultation).values_list("body", flat=True)) == [
        "返信0",
        "返信1",
        "返信2",
    ]


def test_errors_speak_the_callers_language(api, people):
    payload = {"title": "x", "body": "x", "policy_area": "nope", "co_filers": ["999999"]}
    japanese = api(people["matsumoto"]).post(LIST, payload, format="json", HTTP_ACCEPT_LANGUAGE="ja")
    english = api(people["matsumoto"]).post(LIST, payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert japanese.json()["errors"]["policy_area"] == ["施策分野 'nope' はありません"]
    assert english.json()["errors"]["policy_area"] == ["There is no policy area 'nope'."]
    assert english.json()["errors"]["co_filers"] == ["There is no local government with code 999999."]
    missing = api(people["matsumoto"]).post(LIST, {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.json()["errors"]["title"] == ["This field is required."]
    missing_ja = api(people["matsumoto"]).post(LIST, {}, format="json", HTTP_ACCEPT_LANGUAGE="ja")
    assert missing_ja.json()["errors"]["title"] != ["This field is required."]


def test_conflicts_speak_the_callers_language(api, people, file):
    consultation = file(people["matsumoto"])
    english = api(people["matsumoto"]).post(
        f"{LIST}{consultation.pk}/confirm/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.status_code == 409
    assert english.json()["detail"] == "“confirm” is not possible while the consultation is open."


def test_the_beat_task_closes_what_is_due_and_is_idempotent(people, file, time_machine):
    from consult.tasks import auto_close_resolved

    consultation = file(people["matsumoto"], now=jst(2026, 11, 2, 9, 0))
    services.transition(actor=people["maff"], consultation=consultation, action="resolve", now=jst(2026, 11, 2, 10, 0))
    time_machine.move_to(jst(2026, 11, 10, 10, 0, 1))
    assert auto_close_resolved() == 1
    assert auto_close_resolved() == 0
    assert consultation.events.filter(kind="closed").count() == 1


def test_beat_schedule_is_declared_in_code(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["auto-close-resolved"]["task"] == "consult.auto_close_resolved"


def test_list_filters_and_ordering(api, people, file, search_texts):
    agri = file(people["matsumoto"], title="ドローンの件")
    sme = file(people["niigata"], policy_area="sme-dx", title="キャッシュレス")
    triage = file(people["niigata"], policy_area="other", title="分からない")
    overdue = file(people["matsumoto"], title="古い相談", now=jst(2025, 4, 1, 10, 0))
    services.transition(actor=people["maff"], consultation=agri, action="accept")
    client = api(people["secretariat"])

    def ids(**params):
        body = client.get(LIST, params).json()
        assert body["count"] == len(body["results"])
        return [row["id"] for row in body["results"]]

    assert ids() == [overdue.pk, triage.pk, sme.pk, agri.pk]  # newest filed (highest id) first
    assert ids(status="in_progress") == [agri.pk]
    assert ids(status="triage,open") == [overdue.pk, triage.pk, sme.pk]
    assert ids(office="meti-rbe-kanto") == [sme.pk]
    assert ids(policy_area="other") == [triage.pk]
    assert ids(prefecture="15") == [triage.pk, sme.pk]
    assert ids(overdue="true") == [overdue.pk]
    assert overdue.pk not in ids(overdue="false")
    search_texts()
    assert ids(q="キャッシュ") == [sme.pk]
    assert ids(q=agri.reference) == [agri.pk]
    assert ids(ordering="created_at")[0] == overdue.pk
    bad = client.get(LIST, {"status": "sleeping"})
    assert bad.status_code == 400 and "status" in bad.json()["errors"]
    # Filters never widen visibility.
    assert [
        row["id"] for row in api(people["niigata"]).get(LIST, {"policy_area": "smart-agri"}).json()["results"]
    ] == []
