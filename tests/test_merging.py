"""Duplicates: merging a consultation into the one kept, and undoing it (issue 17).

The joint filing that arrives twice (松本市 and 静岡市 ask 関東農政局 the same
question) is the common case: merged, both towns see the kept one and are told."""

import pytest

from consult import rules, services
from consult.lifecycle import IllegalTransition, MergedConsultation, Status
from consult.models import Event
from notifications.kinds import Kind
from notifications.models import Follow, Notification

pytestmark = pytest.mark.django_db
API = "/api/v1/consultations/"


@pytest.fixture
def pair(people, file):
    """Two filings of the same question by two towns, both held by 関東農政局."""
    kept = file(people["matsumoto"], title="スマート農業の補助（松本市）")
    duplicate = file(people["shizuoka"], title="スマート農業の補助（静岡市）")
    assert kept.primary_office_id == duplicate.primary_office_id == people["maff"].offices.get().pk
    return kept, duplicate


def merge(people, pair, who="maff"):
    kept, duplicate = pair
    return services.merge(
        actor=people[who], consultation=duplicate, into=kept, reason="同じ質問の共同提出"
    ).consultation


def told(user, consultation, kind):
    return Notification.objects.filter(recipient=user, consultation=consultation, kind=kind).count()


def test_a_merge_links_both_histories(people, pair):
    kept, duplicate = pair
    merged = merge(people, pair)
    assert merged.merged_into_id == kept.pk and merged.merged_at is not None
    assert merged.status == Status.OPEN  # it keeps its status; the pointer closes it to work
    into = Event.objects.get(consultation=duplicate, kind="merged_into")
    absorbed = Event.objects.get(consultation=kept, kind="absorbed")
    assert into.data["into"] == kept.pk and into.data["other_reference"] == kept.reference
    assert absorbed.data["merged"] == duplicate.pk and absorbed.data["other_reference"] == duplicate.reference
    assert into.actor == absorbed.actor == people["maff"] and into.reason == "同じ質問の共同提出"


def test_the_joint_filing_both_towns_see_the_kept_one_and_are_told(api, people, pair):
    kept, duplicate = pair
    merge(people, pair)
    shizuoka = api(people["shizuoka"])
    assert shizuoka.get(f"{API}{kept.pk}/").status_code == 200
    assert kept.pk in {row["id"] for row in shizuoka.get(API).json()["results"]}
    assert told(people["shizuoka"], duplicate, Kind.MERGED) == 1  # on their own consultation
    assert told(people["matsumoto"], kept, Kind.MERGED) == 1
    assert told(people["shizuoka"], kept, Kind.MERGED) == 0  # once, not on both
    assert told(people["maff"], kept, Kind.MERGED) == 0  # nobody is told of their own action
    # The filer side of the merged one follows the kept one from now on.
    assert Follow.objects.filter(user=people["shizuoka"], consultation=kept, active=True).exists()
    services.post_message(actor=people["maff"], consultation=kept, body="両市への回答です。")
    assert told(people["shizuoka"], kept, Kind.REPLIED) == 1
    assert told(people["matsumoto"], kept, Kind.REPLIED) == 1
    # Seeing is not being a party: the merged side reads the kept one.
    assert shizuoka.get(f"{API}{kept.pk}/").json()["allowed_actions"] == []


def test_an_unrelated_town_still_does_not_see_the_kept_one(api, people, pair):
    kept, _ = pair
    merge(people, pair)
    assert api(people["niigata"]).get(f"{API}{kept.pk}/").status_code == 404


def test_the_merged_one_answers_with_a_pointer(api, people, pair):
    kept, duplicate = pair
    merge(people, pair)
    detail = api(people["shizuoka"]).get(f"{API}{duplicate.pk}/").json()
    assert detail["merged_into"] == {"id": kept.pk, "reference": kept.reference}
    assert detail["status"] == "open" and detail["allowed_actions"] == []
    assert api(people["maff"]).get(f"{API}{duplicate.pk}/").json()["allowed_actions"] == ["unmerge"]
    assert api(people["secretariat"]).get(f"{API}{duplicate.pk}/").json()["allowed_actions"] == ["unmerge"]
    kept_detail = api(people["maff"]).get(f"{API}{kept.pk}/").json()
    assert kept_detail["merged_into"] is None and "merge" in kept_detail["allowed_actions"]


def test_a_merged_one_is_closed_to_new_work(api, people, pair):
    kept, duplicate = pair
    merge(people, pair)
    liaison = api(people["maff"])
    for url, body in (
        (f"{API}{duplicate.pk}/accept/", {}),
        (f"{API}{duplicate.pk}/messages/", {"body": "x"}),
        (f"{API}{duplicate.pk}/transfer/", {"office": "maff-hq", "reason": "x"}),
        (f"{API}{duplicate.pk}/collaborators/", {"office": "digital-hq"}),
    ):
        response = liaison.post(url, body, format="json")
        assert response.status_code == 409, url
        assert kept.reference in response.json()["detail"], url
    with pytest.raises(MergedConsultation):
        services.post_message(actor=people["shizuoka"], consultation=duplicate, body="追加です")
    duplicate.refresh_from_db()
    assert rules.allowed_actions({"office"}, duplicate.status, kept_standing={"office"}) == ["unmerge"]
    assert not rules.deadline_counts(duplicate, rules.RESOLUTION)  # its deadlines no longer run


def test_merge_errors_name_the_field(api, people, pair, file):
    kept, duplicate = pair
    liaison = api(people["maff"])

    def post(consultation, **body):
        return liaison.post(f"{API}{consultation.pk}/merge/", {"reason": "重複", **body}, format="json")

    itself = post(duplicate, into=duplicate.pk)
    assert itself.status_code == 400 and "into" in itself.json()["errors"]
    no_reason = liaison.post(f"{API}{duplicate.pk}/merge/", {"into": kept.pk, "reason": ""}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]

    third = file(people["matsumoto"], title="三件目")
    assert post(third, into=kept.pk).status_code == 200
    into_merged = post(duplicate, into=third.pk)
    assert into_merged.status_code == 400 and "into" in into_merged.json()["errors"]
    loop = post(kept, into=third.pk)  # third is merged into kept
    assert loop.status_code == 400 and "循環" in loop.json()["errors"]["into"][0]
    chained = post(kept, into=duplicate.pk)  # kept has third merged into it
    assert chained.status_code == 400 and third.reference in chained.json()["errors"]["into"][0]
    again = post(third, into=duplicate.pk)
    assert again.status_code == 409 and kept.reference in again.json()["detail"]


def test_merge_by_role(api, people, pair, file):
    kept, duplicate = pair
    body = {"into": kept.pk, "reason": "重複"}
    assert api(people["matsumoto"]).post(f"{API}{kept.pk}/merge/", {"into": kept.pk, "reason": "x"},
                                         format="json").status_code == 400  # fmt: skip
    assert api(people["shizuoka"]).post(f"{API}{duplicate.pk}/merge/", body, format="json").status_code == 404
    # A collaborator on both sees both, but only the kept one's office (or the secretariat) merges.
    for consultation in pair:
        services.invite_collaborator(actor=people["maff"], consultation=consultation, office="digital-hq")
    assert api(people["digital"]).post(f"{API}{duplicate.pk}/merge/", body, format="json").status_code == 403
    other = file(people["niigata"])  # held by 北陸農政局: 関東 does not see it
    assert api(people["maff"]).post(f"{API}{other.pk}/merge/", body, format="json").status_code == 404
    assert api(people["maff"]).post(f"{API}{duplicate.pk}/merge/", {"into": other.pk, "reason": "x"},
                                    format="json").status_code == 404  # fmt: skip
    assert api(people["secretariat"]).post(f"{API}{other.pk}/merge/", body, format="json").status_code == 200


def test_unmerge_restores_the_merged_one(api, people, pair):
    kept, duplicate = pair
    merge(people, pair)
    assert api(people["shizuoka"]).post(f"{API}{duplicate.pk}/unmerge/", {}, format="json").status_code == 403
    response = api(people["maff"]).post(f"{API}{duplicate.pk}/unmerge/", {"reason": "別の質問でした"}, format="json")
    assert response.status_code == 200 and response.json()["merged_into"] is None
    assert "accept" in response.json()["allowed_actions"]
    assert api(people["shizuoka"]).get(f"{API}{kept.pk}/").status_code == 404  # the merge's party is gone
    assert not Follow.objects.filter(user=people["shizuoka"], consultation=kept).exists()
    assert Event.objects.get(consultation=duplicate, kind="unmerged").data["other_reference"] == kept.reference
    assert Event.objects.get(consultation=kept, kind="released").reason == "別の質問でした"
    assert told(people["shizuoka"], duplicate, Kind.UNMERGED) == 1
    assert told(people["matsumoto"], kept, Kind.UNMERGED) == 1
    services.transition(actor=people["maff"], consultation=duplicate, action="accept")  # open to work again
    again = api(people["maff"]).post(f"{API}{duplicate.pk}/unmerge/", {}, format="json")
    assert again.status_code == 409
    with pytest.raises(IllegalTransition):
        services.unmerge(actor=people["maff"], consultation=duplicate)


def test_unmerge_keeps_a_follow_the_person_had_before(people, file):
    # 静岡市 co-filed the kept one and follows it of its own accord: the unmerge leaves that.
    kept = file(people["matsumoto"], co_filers=["221007"])
    duplicate = file(people["shizuoka"])
    from notifications import services as notification_services

    notification_services.set_following(user=people["shizuoka"], consultation=kept, follow=True)
    services.merge(actor=people["maff"], consultation=duplicate, into=kept, reason="重複")
    assert Event.objects.get(consultation=kept, kind="absorbed").data["followers_added"] == []
    services.unmerge(actor=people["maff"], consultation=duplicate)
    assert Follow.objects.filter(user=people["shizuoka"], consultation=kept, active=True).exists()


def test_a_merged_one_is_neither_overdue_nor_escalated_nor_auto_closed(people, pair):
    import datetime

    from django.core.exceptions import ValidationError

    from consult.models import Consultation
    from notifications.models import Alarm

    kept, duplicate = pair

    def armed():
        return Alarm.objects.filter(consultation=duplicate, due_at__isnull=False).exists()

    assert armed()
    merge(people, pair)
    assert not armed()  # its deadlines no longer run: the kept one's do
    later = duplicate.created_at + datetime.timedelta(days=60)
    assert not Consultation.objects.filter(rules.overdue_q(later), pk=duplicate.pk).exists()
    assert Consultation.objects.filter(rules.overdue_q(later), pk=kept.pk).exists()
    with pytest.raises((MergedConsultation, ValidationError)):
        services.escalate(actor=people["secretariat"], consultation=duplicate, now=later)
    services.unmerge(actor=people["maff"], consultation=duplicate)
    assert armed()  # re-armed by the unmerge

    services.transition(actor=people["maff"], consultation=duplicate, action="accept")
    services.transition(actor=people["maff"], consultation=duplicate, action="resolve", comment="回答")
    merge(people, pair)
    assert services.auto_close_due(now=later) == 0  # it stays as it was merged
    assert Consultation.objects.get(pk=duplicate.pk).status == Status.RESOLVED
