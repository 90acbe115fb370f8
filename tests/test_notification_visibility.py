"""Nobody is told about a consultation they may not see at that moment: every
recipient is checked by the visibility rule (and the rule for internal notes)
when the notification is written, and again when its e-mail or digest is sent."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import OfficeMembership, Role
from accounts.services import upsert_user
from consult import services
from notifications import delivery
from notifications import services as notification_services
from notifications.kinds import Kind
from notifications.models import EmailStatus, Follow, Notification
from routing.business_time import JST
from routing.models import LocalGovernment, Office

pytestmark = pytest.mark.django_db

DAY = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=JST)  # a Tuesday in office hours
NIGHT = datetime.datetime(2026, 12, 1, 22, 0, tzinfo=JST)  # quiet hours: e-mail waits until 08:00


def told(user, consultation, **filters):
    return Notification.objects.filter(recipient=user, consultation=consultation, **filters)


def follow(user, consultation):
    notification_services.set_following(user=user, consultation=consultation, follow=True)


def leave_office(user, *, to="maff-hq"):
    """The liaison moves to another office (their membership of Kanto ends)."""
    upsert_user(email=user.email, display_name=user.display_name, role=Role.LIAISON,
                offices=[Office.objects.get(slug=to)])  # fmt: skip


def test_after_a_transfer_the_old_offices_follower_hears_of_no_internal_note(people, file):
    consultation = file(people["matsumoto"], now=DAY)
    follow(people["maff"], consultation)
    services.transfer(actor=people["secretariat"], consultation=consultation, office="meti-rbe-kanto",
                      reason="所管外", now=DAY)  # fmt: skip
    services.post_message(actor=people["meti"], consultation=consultation, body="経産局の内部メモ", internal=True,
                          now=DAY + datetime.timedelta(minutes=5))  # fmt: skip
    assert not told(people["maff"], consultation, kind=Kind.NOTE).exists()
    assert not told(people["maff_lead"], consultation, kind=Kind.NOTE).exists()
    # A public reply is still theirs to see (the former office reads the public thread).
    services.post_message(actor=people["meti"], consultation=consultation, body="回答します",
                          now=DAY + datetime.timedelta(minutes=6))  # fmt: skip
    assert told(people["maff"], consultation, kind=Kind.REPLIED).exists()


def test_a_liaison_who_left_the_office_is_no_longer_told(people, file):
    consultation = file(people["matsumoto"], now=DAY)
    follow(people["maff"], consultation)
    services.transition(actor=people["maff"], consultation=consultation, action="accept", now=DAY)
    leave_office(people["maff"])
    services.post_message(actor=people["matsumoto"], consultation=consultation, body="追加の資料です", now=DAY)
    assert not told(people["maff"], consultation).exclude(kind=Kind.ROUTED).exists()
    services.transition(actor=people["matsumoto"], consultation=consultation, action="withdraw", now=DAY)
    assert not told(people["maff"], consultation, kind=Kind.WITHDRAWN).exists()


def test_a_liaison_removed_from_every_office_is_no_longer_told(people, file):
    consultation = file(people["matsumoto"], now=DAY)
    follow(people["maff"], consultation)
    OfficeMembership.objects.filter(user=people["maff"]).delete()
    services.post_message(actor=people["matsumoto"], consultation=consultation, body="追加です", now=DAY)
    assert not told(people["maff"], consultation).exclude(kind=Kind.ROUTED).exists()
    assert told(people["maff_lead"], consultation, kind=Kind.FILER_ANSWERED).exists()


def test_a_staff_follower_whose_government_is_no_longer_a_party_is_not_told(people, file):
    consultation = file(people["matsumoto"], now=DAY)
    follow(people["niigata"], consultation)  # a follow row the visibility rule never allowed
    services.transition(actor=people["maff"], consultation=consultation, action="accept", now=DAY)
    assert told(people["matsumoto"], consultation, kind=Kind.ACCEPTED).exists()
    assert not told(people["niigata"], consultation).exists()


def test_a_deactivated_person_is_told_nothing(people, file):
    consultation = file(people["matsumoto"], now=DAY)
    follow(people["maff"], consultation)
    people["maff"].is_active = False
    people["maff"].save()
    services.post_message(actor=people["matsumoto"], consultation=consultation, body="追加です", now=DAY)
    assert not told(people["maff"], consultation).exclude(kind=Kind.ROUTED).exists()


def test_no_digest_for_a_person_deactivated_after_it_was_queued(people, file):
    notification_services.set_preferences(user=people["maff_lead"], choices={"routed": "digest"})
    consultation = file(people["matsumoto"], now=DAY)
    assert told(people["maff_lead"], consultation).get().email_status == EmailStatus.DIGEST
    people["maff_lead"].is_active = False
    people["maff_lead"].save()
    mail.outbox.clear()
    assert delivery.send_digest(people["maff_lead"].pk) == 0
    assert mail.outbox == []
    assert told(people["maff_lead"], consultation).get().email_status == EmailStatus.NONE


def test_no_digest_line_about_a_consultation_the_person_may_no_longer_see(people, file):
    notification_services.set_preferences(user=people["maff_lead"], choices={"routed": "digest"})
    kept = file(people["matsumoto"], now=DAY, title="残る相談")
    lost = file(people["matsumoto"], now=DAY, title="見えなくなる相談")
    leave_office(people["maff_lead"])  # the lead moves to MAFF HQ
    services.transfer(actor=people["secretariat"], consultation=kept, office="maff-hq", reason="本省へ", now=DAY)
    mail.outbox.clear()
    # Kanto's consultation is now out of the lead's sight; the one handed to HQ is theirs again.
    assert delivery.send_digest(people["maff_lead"].pk) == 1
    (digest,) = mail.outbox
    assert "残る相談" in digest.body and "見えなくなる相談" not in digest.body
    assert told(people["maff_lead"], lost).get().email_status == EmailStatus.NONE


def test_an_e_mail_queued_before_deactivation_is_not_sent(people, file):
    consultation = file(people["matsumoto"], now=NIGHT)  # held until the morning
    waiting = told(people["maff"], consultation).get()
    assert waiting.email_status == EmailStatus.PENDING and waiting.email_not_before is not None
    people["maff"].is_active = False
    people["maff"].save()
    mail.outbox.clear()
    delivery.send_emails([waiting.pk], now=waiting.email_not_before)
    assert mail.outbox == []
    waiting.refresh_from_db()
    assert waiting.email_status == EmailStatus.NONE


def test_an_e_mail_queued_before_leaving_the_office_is_not_sent(people, file):
    consultation = file(people["matsumoto"], now=NIGHT)
    rows = list(Notification.objects.filter(consultation=consultation))
    leave_office(people["maff"])
    mail.outbox.clear()
    delivery.send_emails([n.pk for n in rows], now=rows[0].email_not_before)
    assert [m.to for m in mail.outbox] == [[people["maff_lead"].email]]
    assert told(people["maff"], consultation).get().email_status == EmailStatus.NONE


def test_an_internal_note_e_mail_is_not_sent_once_the_office_handed_it_on(people, file):
    consultation = file(people["matsumoto"], now=DAY)
    services.post_message(actor=people["maff"], consultation=consultation, body="内部メモ", internal=True, now=NIGHT)
    note = told(people["maff_lead"], consultation, kind=Kind.NOTE).get()
    assert note.email_status == EmailStatus.PENDING and note.email_not_before is not None
    services.transfer(actor=people["secretariat"], consultation=consultation, office="meti-rbe-kanto",
                      reason="所管外", now=NIGHT + datetime.timedelta(hours=1))  # fmt: skip
    mail.outbox.clear()
    delivery.send_emails([note.pk], now=note.email_not_before)
    # Written while Kanto held it: still theirs to read, so still sent.
    assert [m.to for m in mail.outbox] == [[people["maff_lead"].email]]


def test_a_mention_of_someone_who_cannot_see_it_notifies_nobody(people, file):
    consultation = file(people["matsumoto"], now=DAY)
    services.post_message(
        actor=people["maff"], consultation=consultation, now=DAY,
        body="@staff@niigata.example.lg.jp @liaison@kanto.meti.example.go.jp @meti-rbe-kanto 共有します",
    )  # fmt: skip
    assert not Notification.objects.filter(consultation=consultation, kind=Kind.MENTIONED).exists()
    assert not Notification.objects.filter(
        consultation=consultation, recipient__in=[people["niigata"], people["meti"]]
    ).exists()


def test_a_mention_in_an_internal_note_never_reaches_the_filer_side(people, file):
    consultation = file(people["matsumoto"], now=DAY)
    services.post_message(actor=people["maff"], consultation=consultation, internal=True, now=DAY,
                          body="@staff@matsumoto.example.lg.jp @lead@kanto.maff.example.go.jp")  # fmt: skip
    assert told(people["maff_lead"], consultation, kind=Kind.MENTIONED).exists()
    assert not told(people["matsumoto"], consultation).exists()


def test_a_mention_of_a_deactivated_person_notifies_nobody(people, file):
    consultation = file(people["matsumoto"], now=DAY)
    people["maff_lead"].is_active = False
    people["maff_lead"].save()
    services.post_message(actor=people["maff"], consultation=consultation, now=DAY,
                          body="@lead@kanto.maff.example.go.jp 確認を")  # fmt: skip
    assert not told(people["maff_lead"], consultation).exclude(kind=Kind.ROUTED).exists()


def _followers(consultation, count: int):
    for index in range(count):
        user, _ = upsert_user(email=f"follower{index}-{consultation.pk}@kanto.maff.example.go.jp",
                              display_name=f"担当{index}", role=Role.LIAISON,
                              offices=[Office.objects.get(slug="maff-rab-kanto")])  # fmt: skip
        follow(user, consultation)
        staff, _ = upsert_user(email=f"staff{index}-{consultation.pk}@matsumoto.example.lg.jp",
                               display_name=f"職員{index}", role=Role.STAFF,
                               local_government=LocalGovernment.objects.get(code="202029"))  # fmt: skip
        follow(staff, consultation)


@pytest.mark.parametrize("internal", [False, True])
def test_recipient_checks_take_the_same_queries_for_2_and_20_followers(people, file, internal):
    """The visibility check is batched: it does not grow with the number of people told."""
    counts = []
    for size in (1, 10):
        consultation = file(people["matsumoto"], now=DAY)
        services.transfer(actor=people["secretariat"], consultation=consultation, office="meti-rbe-kanto",
                          reason="所管外", now=DAY)  # fmt: skip
        services.transfer(actor=people["secretariat"], consultation=consultation, office="maff-rab-kanto",
                          reason="戻し", now=DAY)  # fmt: skip
        _followers(consultation, size)
        Follow.objects.create(user=people["meti"], consultation=consultation, created_at=DAY)  # a former office
        services.post_message(actor=people["maff"], consultation=consultation, body="準備", now=DAY)  # warm
        with CaptureQueriesContext(connection) as queries:
            services.post_message(actor=people["secretariat"], consultation=consultation, body="確認します",
                                  internal=internal, now=DAY + datetime.timedelta(minutes=1))  # fmt: skip
        counts.append(len(queries))
        latest = Notification.objects.filter(
            consultation=consultation, event__actor=people["secretariat"], event__kind__in=["replied", "note_added"]
        )
        office = OfficeMembership.objects.filter(office__slug="maff-rab-kanto").count()
        # The office; for a public reply also the filer, the staff following and the former office (METI).
        assert latest.count() == office + (0 if internal else size + 2)
    assert counts[0] == counts[1]


def test_the_message_records_only_mentions_of_people_who_may_see_it(people, file):
    consultation = file(people["matsumoto"], now=DAY)
    result = services.post_message(
        actor=people["maff"], consultation=consultation, now=DAY,
        body="@staff@niigata.example.lg.jp @liaison@kanto.meti.example.go.jp @lead@kanto.maff.example.go.jp",
    )  # fmt: skip
    assert result.message.mentions["users"] == [people["maff_lead"].pk]
    note = services.post_message(actor=people["maff"], consultation=consultation, internal=True, now=DAY,
                                 body="@staff@matsumoto.example.lg.jp @lead@kanto.maff.example.go.jp")  # fmt: skip
    assert note.message.mentions["users"] == [people["maff_lead"].pk]  # the filer side never sees notes


def test_the_recipient_check_answers_as_the_visibility_rule_for_each_consultation(people, file):
    """The check is compiled once per kind of person and reused: for consultations
    with different parties, one after the other, it still lets through exactly
    the people ``visible_consultations`` lets see each one (another office's
    liaison and another town's staff never)."""
    from consult.selectors import visible_consultations
    from notifications.audience import who_sees

    maff_only = file(people["matsumoto"], now=DAY)
    co_filed = file(people["niigata"], co_filers=["221007"], policy_area="sme-dx", now=DAY)
    services.invite_collaborator(actor=people["secretariat"], consultation=co_filed, office="digital-hq", now=DAY)
    everyone = {person.pk for person in people.values()}
    for consultation in (maff_only, co_filed, maff_only):
        expected = {
            person.pk for person in people.values() if visible_consultations(person).filter(pk=consultation.pk).exists()
        }
        assert who_sees(consultation, everyone) == expected
    assert who_sees(maff_only, everyone) == {
        people[name].pk for name in ("matsumoto", "maff", "maff_lead", "secretariat")
    }
    assert who_sees(co_filed, everyone) >= {people["niigata"].pk, people["shizuoka"].pk, people["digital"].pk}
    assert not who_sees(co_filed, everyone) & {people["matsumoto"].pk, people["maff"].pk}
