"""Bulk actions on a selection of consultations: accept, assign, transfer, collaborate.
Each item goes through the same service and permission as one at a time, in its own
transaction, and is reported on its own (API and the queue page)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consult import rules, services
from consult.lifecycle import IllegalTransition
from consult.models import Collaborator, Consultation, Event
from routing.models import Office

pytestmark = pytest.mark.django_db

BULK = "/api/v1/consultations/bulk/"
KANTO = "maff-rab-kanto"


def reload(consultation) -> Consultation:
    return Consultation.objects.get(pk=consultation.pk)


@pytest.fixture
def colleague(people):
    from accounts.services import upsert_user

    person, _ = upsert_user(
        email="colleague@kanto.maff.example.go.jp",
        display_name="関東 同僚",
        role="liaison",
        offices=[Office.objects.get(slug=KANTO)],
    )
    return person


# --- the assign service and its rule ----------------------------------------------------------------


def test_who_may_assign():
    assert rules.may_assign({"secretariat"}, lead=False, to_self=False)
    assert rules.may_assign({"office"}, lead=True, to_self=False)
    assert rules.may_assign({"office"}, lead=False, to_self=True)
    assert not rules.may_assign({"office"}, lead=False, to_self=False)
    assert not rules.may_assign({"collaborator"}, lead=True, to_self=True)
    assert not rules.may_assign({"filer"}, lead=False, to_self=True)


def test_assign_records_an_event_and_keeps_the_status(people, file, colleague):
    consultation = file(people["matsumoto"])
    services.assign(actor=people["maff_lead"], consultation=consultation, assignee=colleague)
    after = reload(consultation)
    assert after.assignee == colleague and after.status == "open"
    event = Event.objects.filter(consultation=consultation, kind="assigned").get()
    assert event.actor == people["maff_lead"] and event.data["assignee"] == colleague.pk
    assert event.data["previous_assignee"] is None
    # Again to the same person: refused, nothing recorded twice.
    with pytest.raises(ValidationError):
        services.assign(actor=people["maff_lead"], consultation=consultation, assignee=colleague)
    assert Event.objects.filter(consultation=consultation, kind="assigned").count() == 1


def test_assign_refusals(people, file, colleague):
    consultation = file(people["matsumoto"])
    with pytest.raises(PermissionDenied):  # a member who is not the lead, to someone else
        services.assign(actor=people["maff"], consultation=consultation, assignee=colleague)
    with pytest.raises(ValidationError) as refused:  # not of the holding office
        services.assign(actor=people["secretariat"], consultation=consultation, assignee=people["meti"])
    assert "assignee" in refused.value.message_dict
    services.assign(actor=people["maff"], consultation=consultation, assignee=people["maff"])  # themself
    services.transition(actor=people["maff"], consultation=consultation, action="resolve", comment="回答")
    with pytest.raises(IllegalTransition) as refused:
        services.assign(actor=people["secretariat"], consultation=consultation, assignee=colleague)
    assert "担当者の割当" in str(refused.value)


# --- the API -------------------------------------------------------------------------------------


def test_bulk_accept_reports_each_item(api, people, file):
    one, two = file(people["matsumoto"], title="一件目"), file(people["matsumoto"], title="二件目")
    taken = file(people["matsumoto"], title="受付済み")
    services.transition(actor=people["maff_lead"], consultation=taken, action="accept")
    invisible = file(people["niigata"], policy_area="sme-dx", title="見えない相談")
    response = api(people["maff"]).post(
        BULK, {"action": "accept", "ids": [one.pk, taken.pk, invisible.pk, two.pk, 999999, one.pk]}, format="json"
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["id"] for item in results] == [one.pk, taken.pk, invisible.pk, two.pk, 999999]  # duplicates once
    assert results[0] == {"id": one.pk, "ok": True} and results[3] == {"id": two.pk, "ok": True}
    assert results[1]["ok"] is False and results[1]["status"] == 409 and "対応中" in results[1]["error"]
    # Outside visibility and unknown: the same 404 in the same words.
    assert results[2] == {"id": invisible.pk, "ok": False, "status": 404, "error": "相談が見つかりません"}
    assert results[4] == {"id": 999999, "ok": False, "status": 404, "error": "相談が見つかりません"}
    assert reload(one).status == reload(two).status == "in_progress"
    assert reload(invisible).status == "open"
    assert Event.objects.filter(kind="accepted", consultation__in=[one, two]).count() == 2


def test_bulk_assign_by_the_lead(api, people, file, colleague):
    mine = [file(people["matsumoto"], title=f"相談{n}") for n in range(3)]
    services.transition(actor=people["maff"], consultation=mine[1], action="accept")
    elsewhere = file(people["niigata"], policy_area="sme-dx", title="経産局の相談")
    body = {"action": "assign", "ids": [c.pk for c in (*mine, elsewhere)], "assignee": colleague.pk}
    results = api(people["maff_lead"]).post(BULK, body, format="json").json()["results"]
    assert [item["ok"] for item in results] == [True, True, True, False]
    assert results[3]["status"] == 404
    assert {reload(c).assignee_id for c in mine} == {colleague.pk}
    assert reload(mine[1]).status == "in_progress" and reload(mine[0]).status == "open"
    assert Event.objects.filter(kind="assigned", consultation__in=mine).count() == 3
    # A member who is not the lead may not hand work to someone else: 403 per item.
    refused = api(people["maff"]).post(BULK, {**body, "ids": [mine[0].pk], "assignee": people["maff"].pk},
                                       format="json").json()["results"]  # fmt: skip
    assert refused == [{"id": mine[0].pk, "ok": True}]  # to themself: allowed
    refused = api(people["maff"]).post(BULK, {**body, "ids": [mine[0].pk]}, format="json").json()["results"]
    assert refused[0]["status"] == 403 and "責任者" in refused[0]["error"]


def test_bulk_transfer_with_one_reason(api, people, file):
    one, two = file(people["matsumoto"], title="一件目"), file(people["matsumoto"], title="二件目")
    closed = file(people["matsumoto"], title="取り下げ")
    services.transition(actor=people["matsumoto"], consultation=closed, action="withdraw")
    body = {"action": "transfer", "ids": [one.pk, two.pk, closed.pk], "office": "maff-hq", "reason": "本省の所管"}
    results = api(people["maff"]).post(BULK, body, format="json").json()["results"]
    assert [item["ok"] for item in results] == [True, True, False]
    assert results[2]["status"] == 409
    for consultation in (one, two):
        assert reload(consultation).primary_office.slug == "maff-hq"
        event = Event.objects.get(consultation=consultation, kind="transferred")
        assert event.reason == "本省の所管" and event.actor == people["maff"]
    # The transferred ones are now another office's: a second transfer by the same liaison is refused per item.
    again = api(people["maff"]).post(BULK, {**body, "ids": [one.pk]}, format="json").json()["results"]
    assert again[0]["ok"] is False and again[0]["status"] == 403


def test_bulk_collaborate(api, people, file):
    one, two = file(people["matsumoto"], title="一件目"), file(people["matsumoto"], title="二件目")
    services.invite_collaborator(actor=people["maff"], consultation=two, office="digital-hq")
    body = {"action": "collaborate", "ids": [one.pk, two.pk], "office": "digital-hq"}
    results = api(people["maff"]).post(BULK, body, format="json").json()["results"]
    assert results[0] == {"id": one.pk, "ok": True}
    assert results[1]["status"] == 400 and results[1]["error"] == "既に担当または協力部局です"
    assert Collaborator.objects.filter(office__slug="digital-hq").count() == 2
    assert Event.objects.filter(kind="collaborator_invited", consultation=one).count() == 1


def test_bulk_request_errors_name_the_field(api, people, file):
    client = api(people["maff"])
    consultation = file(people["matsumoto"])
    over = client.post(BULK, {"action": "accept", "ids": list(range(1, services.MAX_BULK + 2))}, format="json")
    assert over.status_code == 400 and "ids" in over.json()["errors"]
    assert client.post(BULK, {"action": "accept", "ids": []}, format="json").status_code == 400
    assert "action" in client.post(BULK, {"action": "merge", "ids": [1]}, format="json").json()["errors"]
    missing = client.post(BULK, {"action": "transfer", "ids": [consultation.pk], "office": "nowhere"}, format="json")
    assert missing.status_code == 400 and {"office", "reason"} <= set(missing.json()["errors"])
    nobody = client.post(BULK, {"action": "assign", "ids": [consultation.pk]}, format="json")
    assert nobody.status_code == 400 and "assignee" in nobody.json()["errors"]
    assert reload(consultation).status == "open"  # nothing done on a refused request
    exactly = client.post(
        BULK, {"action": "accept", "ids": [consultation.pk, *range(10**6, 10**6 + services.MAX_BULK - 1)]},
        format="json",
    )  # fmt: skip
    assert exactly.status_code == 200 and len(exactly.json()["results"]) == services.MAX_BULK


def test_one_failure_does_not_roll_back_the_others(people, file, monkeypatch):
    """Each item commits alone: a service failing unexpectedly on the second item leaves the first accepted."""
    from consult.services import bulk

    one, two = file(people["matsumoto"], title="一件目"), file(people["matsumoto"], title="二件目")
    real = bulk.transition

    def failing(**kwargs):
        if kwargs["consultation"].pk == two.pk:
            raise ValidationError("途中で失敗")
        return real(**kwargs)

    monkeypatch.setattr(bulk, "transition", failing)
    results = services.apply_to_each(actor=people["maff"], action="accept", ids=[one.pk, two.pk])
    assert [r.ok for r in results] == [True, False] and results[1].error == "途中で失敗"
    assert results[1].reference == two.reference
    assert reload(one).status == "in_progress" and reload(two).status == "open"


def _bulk_queries(client, ids) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(BULK, {"action": "accept", "ids": ids}, format="json")
    assert response.status_code == 200 and all(item["ok"] for item in response.json()["results"])
    return len(queries)


def test_queries_grow_only_per_item(api, people, file):
    client = api(people["maff"])
    made = [file(people["matsumoto"], title=f"相談{n}") for n in range(7)]
    client.get("/api/v1/consultations/", {"page_size": 1})  # warm the reference maps
    one = _bulk_queries(client, [made[0].pk])
    two = _bulk_queries(client, [c.pk for c in made[1:3]])
    four = _bulk_queries(client, [c.pk for c in made[3:7]])
    per_item = two - one
    assert per_item > 0 and four == one + 3 * per_item


# --- the queue page ------------------------------------------------------------------------------


def _report(client, response) -> str:
    assert response.status_code == 302 and response["Location"].startswith("/queue/")
    return client.get(response["Location"]).content.decode()


def test_page_bulk_assign_reports_success_and_failures(client_of, people, file, colleague):
    mine = [file(people["matsumoto"], title=f"相談{n}") for n in range(2)]
    done = file(people["matsumoto"], title="解決済みの相談")
    services.transition(actor=people["maff"], consultation=done, action="resolve", comment="回答")
    invisible = file(people["niigata"], policy_area="sme-dx", title="見えない相談")
    client = client_of(people["maff_lead"])
    page = client.get("/queue/").content.decode()
    assert f'<option value="{colleague.pk}">関東 同僚</option>' in page  # the office's members to choose from
    response = client.post(
        "/queue/bulk/",
        {
            "action": "assign",
            "assignee": str(colleague.pk),
            "consultation": [mine[0].pk, done.pk, invisible.pk, mine[1].pk],
            "back": "status=all",
        },
    )
    assert response["Location"] == "/queue/?status=all"
    html = _report(client, response)
    references = "、".join(c.reference for c in mine)
    assert f"2件の相談の担当者を 関東 同僚 さんにしました（{references}）。" in html
    assert "2件の相談は担当者を割り当てられませんでした" in html
    in_words = " ".join(html.split())
    assert f"{done.reference}「{done.title}」： 現在の状態（回答済み）では「担当者の割当」はできません" in in_words
    assert "相談が見つかりません" in html and invisible.title not in html
    assert {reload(c).assignee_id for c in mine} == {colleague.pk}


def test_page_offers_to_assign_only_whom_one_may(client_of, people, colleague):
    def offered(who):
        return {pk for pk, _name in client_of(people[who]).get("/queue/").context["members"]}

    assert offered("maff_lead") == {people["maff"].pk, people["maff_lead"].pk, colleague.pk}
    assert offered("maff") == {people["maff"].pk}  # not a lead: only themself


def test_page_bulk_transfer_and_collaborate(client_of, people, file):
    one, two = file(people["matsumoto"], title="一件目"), file(people["matsumoto"], title="二件目")
    client = client_of(people["maff"])
    html = _report(
        client,
        client.post(
            "/queue/bulk/",
            {"action": "collaborate", "to_office": "digital-hq", "consultation": [one.pk, two.pk]},
        ),
    )
    assert f"2件の相談にデジタル庁を協力部局として追加しました（{one.reference}、{two.reference}）。" in html
    assert Collaborator.objects.filter(office__slug="digital-hq", consultation__in=[one, two]).count() == 2
    # Transfer needs one reason: without it nothing moves and the report says why.
    html = _report(client, client.post("/queue/bulk/", {"action": "transfer", "to_office": "maff-hq",
                                                         "consultation": [one.pk]}))  # fmt: skip
    assert "実行できませんでした" in html and "移送の理由を入力してください" in html
    assert reload(one).primary_office.slug == KANTO
    html = _report(
        client,
        client.post(
            "/queue/bulk/",
            {"action": "transfer", "to_office": "maff-hq", "reason": "本省の所管", "consultation": [one.pk, two.pk]},
        ),
    )
    hq = Office.objects.get(slug="maff-hq").name
    assert f"2件の相談を{hq}に移送しました（{one.reference}、{two.reference}）。" in html
    assert {reload(c).primary_office.slug for c in (one, two)} == {"maff-hq"}
    assert Event.objects.filter(kind="transferred", reason="本省の所管").count() == 2


def test_page_bulk_accept_through_the_general_form(client_of, people, file):
    one = file(people["matsumoto"], title="一件目")
    client = client_of(people["maff"])
    html = _report(client, client.post("/queue/bulk/", {"action": "accept", "consultation": [one.pk]}))
    assert f"1件の相談を受け付けました（{one.reference}）。" in html
    assert reload(one).status == "in_progress"
    html = _report(client, client.post("/queue/bulk/", {"action": "assign"}))
    assert "相談を選んでください" in html


def test_page_bulk_cap(client_of, people):
    client = client_of(people["maff"])
    ids = [str(n) for n in range(1, services.MAX_BULK + 2)]
    html = _report(client, client.post("/queue/bulk/", {"action": "accept", "consultation": ids}))
    assert f"一度に選べるのは{services.MAX_BULK}件までです" in html
