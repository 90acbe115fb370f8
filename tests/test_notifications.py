"""Notifications: the outbox written with the change, delivery after commit,
e-mail, the inbox API, preferences, quiet hours, digests and following."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consult import services
from notifications import delivery, tasks
from notifications import services as notification_services
from notifications.kinds import Kind
from notifications.models import EmailStatus, Notification, Preference
from routing.business_time import JST

pytestmark = pytest.mark.django_db
INBOX = "/api/v1/notifications/"


def jst(*parts):
    return datetime.datetime(*parts, tzinfo=JST)


def mine(user, **filters):
    return Notification.objects.filter(recipient=user, **filters)


# A Tuesday in office hours: no quiet-hours delay.
DAY = jst(2026, 12, 1, 10, 0)


def test_filing_tells_the_office_in_the_same_transaction_and_delivers_after_commit(
    people, file, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        consultation = file(people["matsumoto"], now=DAY)
    written = Notification.objects.filter(consultation=consultation)
    # The rows exist before anything is sent: the outbox.
    assert {n.recipient for n in written} == {people["maff"], people["maff_lead"]}
    assert {n.kind for n in written} == {Kind.ROUTED}
    assert all(n.delivered_at is None and n.email_status == EmailStatus.PENDING for n in written)
    assert not mine(people["matsumoto"]).exists()  # nobody is told of their own action
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert all(n.delivered_at is not None for n in written.all())
    assert sorted(m.to[0] for m in mail.outbox) == sorted([people["maff"].email, people["maff_lead"].email])


def test_the_email_names_the_event_links_to_the_consultation_and_has_html(
    people, file, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://banso.example.go.jp"
    with django_capture_on_commit_callbacks(execute=True):
        consultation = file(people["matsumoto"], now=DAY, title="<b>ドローン</b>の活用")
    message = next(m for m in mail.outbox if m.to == [people["maff"].email])
    assert consultation.reference in message.subject and "新しい相談" in message.subject
    assert f"https://banso.example.go.jp/consultations/{consultation.pk}/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "&lt;b&gt;ドローン&lt;/b&gt;" in html  # escaped, never markup
    notification = mine(people["maff"]).get()
    assert message.extra_headers["Message-ID"] == f"<banso-email-{notification.pk}@banso.example.go.jp>"


def test_english_e_mail_for_people_who_chose_it(people, file, django_capture_on_commit_callbacks):
    notification_services.set_preferences(user=people["maff"], choices={}, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        file(people["matsumoto"], now=DAY)
    message = next(m for m in mail.outbox if m.to == [people["maff"].email])
    assert message.subject.startswith("[Banso] ") and "New consultation routed" in message.subject
    assert "Open the consultation" in message.body


def test_e_mails_are_in_the_recipients_language_whatever_the_requests(people, file, django_capture_on_commit_callbacks):
    from django.utils import translation

    notification_services.set_preferences(user=people["maff"], choices={}, language="en")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):  # filed from an English page
        file(people["matsumoto"], now=DAY)
    by_recipient = {m.to[0]: m for m in mail.outbox}
    english = by_recipient.pop(people["maff"].email)
    assert english.subject.startswith("[Banso] ") and "New consultation routed" in english.subject
    assert by_recipient and all(
        m.subject.startswith("【Banso】") and "新しい相談（振り分け）" in m.subject for m in by_recipient.values()
    )


def test_the_digest_in_english_names_the_kind_and_the_deadline(people):
    from notifications.texts import digest_email

    due = Notification(kind=Kind.DUE_SOON, created_at=DAY,
                       data={"reference": "B-1", "title": "件名", "deadline_kind": "first_response"})  # fmt: skip
    message = digest_email(people["maff"], [due], language="en", key="1-1")
    assert message.subject == "[Banso] Daily digest: 1 notifications"
    assert "Deadline in one business day first response deadline" in message.body
    japanese = digest_email(people["maff"], [due], language="ja", key="1-1")
    assert japanese.subject == "【Banso】本日のまとめ（1件）" and "期限前のお知らせ 初回回答期限" in japanese.body


def test_internal_notes_never_notify_municipal_staff(people, file, django_capture_on_commit_callbacks):
    consultation = file(people["matsumoto"], now=DAY)
    services.transition(actor=people["maff"], consultation=consultation, action="accept", now=DAY)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_message(
            actor=people["maff"], consultation=consultation, internal=True, now=DAY,
            body="内部の確認です @staff@matsumoto.example.lg.jp @maff-hq",
        )  # fmt: skip
    note = Notification.objects.filter(consultation=consultation, kind__in=[Kind.NOTE, Kind.MENTIONED])
    assert not note.filter(recipient__role="staff").exists()
    assert all("staff@" not in m.to[0] for m in mail.outbox)


def test_mentions_tell_people_who_may_see_it_and_nobody_else(people, file):
    consultation = file(people["matsumoto"], now=DAY)
    services.post_message(
        actor=people["maff"], consultation=consultation, now=DAY,
        body="@liaison@kanto.meti.example.go.jp と @lead@kanto.maff.example.go.jp にも共有します",
    )  # fmt: skip
    assert mine(people["maff_lead"], kind=Kind.MENTIONED).exists()
    assert not mine(people["meti"]).exists()  # METI's liaison may not see this consultation


def test_a_reply_from_the_filer_resumes_and_is_told_once(people, file):
    consultation = file(people["matsumoto"], now=DAY)
    services.transition(actor=people["maff"], consultation=consultation, action="accept", now=DAY)
    services.transition(actor=people["maff"], consultation=consultation, action="request_info",
                        comment="面積を教えてください", now=DAY)  # fmt: skip
    assert mine(people["matsumoto"], kind=Kind.INFO_REQUESTED).count() == 1
    services.post_message(actor=people["matsumoto"], consultation=consultation, body="12haです", now=DAY)
    assert list(mine(people["maff"]).exclude(kind=Kind.ROUTED).values_list("kind", flat=True)) == [Kind.FILER_ANSWERED]


def test_preferences_off_and_digest(people, file, django_capture_on_commit_callbacks):
    notification_services.set_preferences(user=people["maff"], choices={"routed": "off"})
    notification_services.set_preferences(user=people["maff_lead"], choices={"routed": "digest"})
    with django_capture_on_commit_callbacks(execute=True):
        file(people["matsumoto"], now=DAY)
    assert not mine(people["maff"]).exists()
    assert mine(people["maff_lead"]).get().email_status == EmailStatus.DIGEST
    assert mail.outbox == []
    assert delivery.send_digest(people["maff_lead"].pk) == 1
    assert len(mail.outbox) == 1 and "本日のまとめ（1件）" in mail.outbox[0].subject
    assert mine(people["maff_lead"]).get().email_status == EmailStatus.SENT
    assert delivery.send_digest(people["maff_lead"].pk) == 0  # nothing twice


def test_escalations_cannot_be_turned_off(api, people):
    response = api(people["maff_lead"]).put(
        f"{INBOX}preferences/", {"preferences": {"escalated": "off", "routed": "never"}}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"escalated", "routed"}
    assert not Preference.objects.exists()


def test_quiet_hours_hold_e_mail_until_eight_unless_urgent(people, file, django_capture_on_commit_callbacks):
    night = jst(2026, 12, 1, 22, 30)
    with django_capture_on_commit_callbacks(execute=True):
        file(people["matsumoto"], now=night)
        urgent = file(people["matsumoto"], now=night, urgency="urgent", title="至急")
    held = mine(people["maff"]).exclude(consultation=urgent).get()
    assert held.email_not_before == jst(2026, 12, 2, 8, 0)
    assert held.email_status == EmailStatus.PENDING and held.delivered_at is not None  # the inbox has it
    assert [m.subject for m in mail.outbox if m.to == [people["maff"].email]] == [
        f"【Banso】{urgent.reference}「至急」 新しい相談（振り分け）"
    ]
    assert delivery.send_emails([held.pk], now=jst(2026, 12, 2, 7, 59)) == 0
    assert delivery.send_emails([held.pk], now=jst(2026, 12, 2, 8, 0)) == 1
    assert delivery.send_emails([held.pk], now=jst(2026, 12, 2, 8, 1)) == 0  # never twice


def test_a_refused_address_is_recorded_retried_and_does_not_block_others(people, file, monkeypatch):
    consultation = file(people["matsumoto"], now=DAY)
    rows = list(Notification.objects.filter(consultation=consultation).order_by("pk"))
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages

    def refuse_the_lead(self, messages):
        import smtplib

        if messages[0].to == [people["maff_lead"].email]:
            raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (550, b"no such user")})
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_the_lead)
    assert delivery.send_emails([n.pk for n in rows]) == 1
    lead = mine(people["maff_lead"]).get()
    assert lead.email_status == EmailStatus.PENDING and lead.email_attempts == 1
    assert "SMTPRecipientsRefused" in lead.email_error and lead.email_not_before is not None
    for _ in range(4):
        Notification.objects.filter(pk=lead.pk).update(email_not_before=None)
        delivery.send_emails([lead.pk])
    lead.refresh_from_db()
    assert lead.email_status == EmailStatus.FAILED and lead.email_attempts == 5
    monkeypatch.setattr(EmailBackend, "send_messages", original)
    assert notification_services.retry_emails(notification_ids=[lead.pk]) == 1
    delivery.send_emails([lead.pk])
    lead.refresh_from_db()
    assert lead.email_status == EmailStatus.SENT


def test_the_outbox_sweep_sends_what_was_never_queued(people, file, time_machine):
    time_machine.move_to(DAY)
    consultation = file(people["matsumoto"], now=DAY)  # no commit callbacks: as if the broker were down
    assert Notification.objects.filter(consultation=consultation, delivered_at__isnull=True).count() == 2
    assert tasks.sweep_outbox() == {"inbox": 0, "emails": 0, "webhooks": 0}  # too fresh: its own task may come
    time_machine.move_to(DAY + datetime.timedelta(minutes=1))
    assert tasks.sweep_outbox() == {"inbox": 2, "emails": 2, "webhooks": 0}
    assert not Notification.objects.filter(delivered_at__isnull=True).exists()
    assert len(mail.outbox) == 2
    assert tasks.sweep_outbox()["emails"] == 0 and len(mail.outbox) == 2


# --- the inbox API ---------------------------------------------------------------------------


def test_the_inbox_lists_only_ones_own_with_unread_count(api, people, file):
    consultation = file(people["matsumoto"], now=DAY)
    services.transition(actor=people["maff"], consultation=consultation, action="accept", now=DAY)
    body = api(people["matsumoto"]).get(INBOX).json()
    assert body["count"] == 1 and body["unread_count"] == 1
    item = body["results"][0]
    assert item["kind"] == "accepted" and item["read"] is False
    assert item["consultation"] == {"id": consultation.pk, "reference": consultation.reference,
                                    "title": consultation.title}  # fmt: skip
    assert item["actor"]["display_name"] == people["maff"].display_name
    assert item["url"].endswith(f"/consultations/{consultation.pk}/")
    assert "受付" in item["summary"]
    english = api(people["matsumoto"]).get(INBOX, HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    assert english["kind_label"] == "Accepted"
    # Someone else's notification does not exist for the caller.
    other = mine(people["maff_lead"]).first()
    assert api(people["matsumoto"]).post(f"{INBOX}{other.pk}/read/").status_code == 404
    response = api(people["matsumoto"]).post(f"{INBOX}{item['id']}/read/")
    assert response.status_code == 200 and response.json()["read"] is True
    assert api(people["matsumoto"]).get(INBOX).json()["unread_count"] == 0
    assert api(people["matsumoto"]).get(f"{INBOX}?unread=true").json()["count"] == 0


def test_read_all(api, people, file):
    file(people["matsumoto"], now=DAY)
    file(people["matsumoto"], now=DAY)
    assert api(people["maff"]).post(f"{INBOX}read-all/").json() == {"marked": 2}
    assert api(people["maff"]).get(INBOX).json()["unread_count"] == 0


@pytest.mark.parametrize("page_size", [1, 50])
def test_the_inbox_reads_in_a_constant_number_of_queries(api, people, file, page_size):
    for _ in range(6):
        consultation = file(people["matsumoto"], now=DAY)
        services.transition(actor=people["maff"], consultation=consultation, action="accept", now=DAY)
    client = api(people["matsumoto"])
    client.get(INBOX)  # warm the unread count
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{INBOX}?page_size={page_size}")
    assert response.status_code == 200 and len(response.json()["results"]) == min(page_size, 6)
    assert len(queries) == 2  # count and page (the unread count is cached)


def test_the_inbox_needs_sign_in(api):
    assert api().get(INBOX).status_code == 401


def test_preferences_api_round_trip(api, people):
    client = api(people["maff"])
    body = client.get(f"{INBOX}preferences/").json()
    assert body["language"] == "ja"
    escalated = next(p for p in body["preferences"] if p["kind"] == "escalated")
    assert escalated == {"kind": "escalated", "label": "期限超過の継続（エスカレーション）", "delivery": "immediate",
                         "can_turn_off": True}  # fmt: skip
    lead = api(people["maff_lead"]).get(f"{INBOX}preferences/").json()
    assert next(p for p in lead["preferences"] if p["kind"] == "escalated")["can_turn_off"] is False
    body = client.put(f"{INBOX}preferences/", {"language": "en", "preferences": {"replied": "digest"}},
                      format="json").json()  # fmt: skip
    assert body["language"] == "en"
    assert next(p for p in body["preferences"] if p["kind"] == "replied")["delivery"] == "digest"


def test_following_needs_visibility_and_unfollowing_stops_notifications(api, people, file):
    consultation = file(people["matsumoto"], now=DAY)
    url = f"/api/v1/consultations/{consultation.pk}/follow/"
    assert api(people["niigata"]).post(url).status_code == 404
    assert api(people["meti"]).post(url).status_code == 404
    assert api(people["matsumoto"]).delete(url).json() == {"following": False}
    services.transition(actor=people["maff"], consultation=consultation, action="accept", now=DAY)
    assert not mine(people["matsumoto"]).exists()
    assert api(people["maff_lead"]).post(url).json() == {"following": True}
    services.post_message(actor=people["matsumoto"], consultation=consultation, body="補足です", now=DAY)
    assert mine(people["maff_lead"], kind=Kind.FILER_ANSWERED).exists()


def test_the_cache_going_away_does_not_stop_filing(people, file, settings):
    from django.core.cache import cache

    from config import memo

    # The configured cache (django-redis, IGNORE_EXCEPTIONS) with nothing listening.
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    memo.forget()
    cache.set("banso:probe", 1)  # skipped, not raised
    assert cache.get("banso:probe", "missed") == "missed"
    consultation = file(people["matsumoto"], now=DAY)
    assert consultation.pk and Notification.objects.filter(consultation=consultation).count() == 2


def test_office_membership_changes_reach_the_next_notification(people, file, django_capture_on_commit_callbacks):
    from accounts.models import Role
    from accounts.services import upsert_user
    from routing.models import Office

    file(people["matsumoto"], now=DAY)  # the office's members are now remembered in this process
    newcomer, _ = upsert_user(email="new@kanto.maff.example.go.jp", display_name="新任 担当", role=Role.LIAISON,
                              offices=[Office.objects.get(slug="maff-rab-kanto")])  # fmt: skip
    second = file(people["matsumoto"], now=DAY)
    assert mine(newcomer, consultation=second).exists()
    newcomer.is_active = False
    with django_capture_on_commit_callbacks(execute=True):
        newcomer.save()
    third = file(people["matsumoto"], now=DAY)
    assert not mine(newcomer, consultation=third).exists()


def test_the_relay_hands_over_several_events_in_one_message(people, file, settings):
    from notifications.relay import Relay

    settings.BANSO_OUTBOX_RELAY_SECONDS = 3600  # the test flushes by hand
    first, second = file(people["matsumoto"], now=DAY), file(people["matsumoto"], now=DAY)
    rows = list(Notification.objects.filter(consultation__in=[first, second]).order_by("pk"))
    relay = Relay()
    relay.add([n.pk for n in rows[:2]], [n.pk for n in rows[:2]])
    relay.add([n.pk for n in rows[2:]], [n.pk for n in rows[2:]])
    assert not Notification.objects.filter(delivered_at__isnull=False).exists()
    relay.flush()  # one `deliver` message for both events (tasks run in-process here)
    assert Notification.objects.filter(pk__in=[n.pk for n in rows], delivered_at__isnull=False).count() == 4
    assert len(mail.outbox) == 4
    relay.flush()
    assert len(mail.outbox) == 4


def test_a_title_with_line_breaks_still_makes_a_one_line_subject(people, file, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        file(people["matsumoto"], now=DAY, title="改行\r\nを含む件名")
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == 2 and all("\r" not in s and "\n" not in s for s in subjects)
    assert not Notification.objects.exclude(email_status=EmailStatus.SENT).exists()


def test_people_who_left_get_no_e_mail(people, file):
    consultation = file(people["matsumoto"], now=DAY)
    lead = people["maff_lead"]
    lead.is_active = False
    lead.save()
    rows = list(Notification.objects.filter(consultation=consultation).values_list("pk", flat=True))
    assert delivery.send_emails(rows) == 1
    assert mine(lead).get().email_status == EmailStatus.NONE


def test_only_leads_and_the_secretariat_cannot_turn_escalations_off(people, file):
    from consult.alarms import fire_alarm
    from notifications.delivery import claim_due_alarms

    notification_services.set_preferences(user=people["maff"], choices={"overdue": "off", "escalated": "off"})
    consultation = file(people["matsumoto"], now=DAY)
    services.transition(actor=people["maff"], consultation=consultation, action="accept", now=DAY)
    for now in (jst(2026, 12, 3, 10, 0), jst(2026, 12, 7, 10, 0)):
        for pk in claim_due_alarms(now=now):
            fire_alarm(pk, now=now)
    kinds = set(Notification.objects.filter(consultation=consultation).values_list("recipient__email", "kind"))
    assert ("liaison@kanto.maff.example.go.jp", Kind.OVERDUE) not in kinds  # the assignee chose off
    assert ("lead@kanto.maff.example.go.jp", Kind.OVERDUE) in kinds
    assert ("lead@kanto.maff.example.go.jp", Kind.ESCALATED) in kinds
    assert ("secretariat@cao.example.go.jp", Kind.ESCALATED) in kinds
