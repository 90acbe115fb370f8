"""Answer by e-mail, the services: reply addresses, receiving, processing,
notices and the admin's retry (the SMTP conversation and a real worker:
test_inbound_smtp.py)."""

import base64
import datetime
import email
import email.policy
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core import mail as outbox
from django.utils import timezone

from accounts.models import Role
from accounts.services import upsert_user
from consult import services as consult_services
from consult.lifecycle import Status as ConsultationStatus
from consult.models import Attachment, Message
from inbound import imap, parsing, services
from inbound.models import InboundMail, NoticeState, Outcome, Source, Status
from notifications import replies
from notifications.models import Notification
from notifications.texts import email_for
from routing.models import Office

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def address_of(user, consultation, kind=replies.REPLY, now=None):
    return replies.address(kind=kind, consultation_id=consultation.pk, user_id=user.pk, now=now)


def mail_bytes(*, to, sender, body="補助率は二分の一です。", subject="Re: 【Banso】回答", headers=None, message_id=None,
               attachments=(), html=None) -> bytes:  # fmt: skip
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="example.lg.jp")
    for name, value in (headers or {}).items():
        message[name] = value
    if html is not None:
        message.set_content(html, subtype="html")
    else:
        message.set_content(body)
    for name, content in attachments:
        message.add_attachment(content, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes()


def deliver(raw, *, to, sender, source=Source.SMTP):
    """Receive and process, as the SMTP service and the worker do."""
    ids = services.receive(raw=raw, envelope_from=sender, envelope_to=[to], source=source)
    for pk in ids:
        services.process(mail_id=pk)
    return [InboundMail.objects.get(pk=pk) for pk in ids]


@pytest.fixture
def consultation(people, file):
    return file(people["matsumoto"])


# --- reply addresses --------------------------------------------------------------------------


def test_a_reply_address_names_consultation_person_and_kind_and_survives_lower_or_upper_case(people, consultation):
    address = address_of(people["maff"], consultation)
    local, domain = address.split("@")
    assert local.startswith("reply+") and domain == "reply.banso.example.go.jp"
    assert len(local) <= 64 and local == local.lower()
    for form in (address, address.upper(), f"<{address}>"):
        parsed = replies.parse(form)
        assert (parsed.kind, parsed.consultation_id, parsed.user_id) == ("reply", consultation.pk, people["maff"].pk)


def test_a_tampered_or_re_kinded_address_is_refused(people, consultation):
    address = address_of(people["maff"], consultation)
    token = address.split("+")[1].split("@")[0]
    changed = token[:-3] + ("a" if token[-3] != "a" else "b") + token[-2:]
    with pytest.raises(replies.BadAddress):
        replies.parse(address.replace(token, changed))
    with pytest.raises(replies.BadAddress):  # a reply token is not a note address
        replies.parse(address.replace("reply+", "note+"))
    with pytest.raises(replies.BadAddress):
        replies.parse(address.replace("reply.banso.example.go.jp", "elsewhere.example"))


def test_an_old_address_expires(people, consultation, settings):
    settings.BANSO_REPLY_TTL_DAYS = 30
    old = address_of(people["maff"], consultation, now=timezone.now() - datetime.timedelta(days=31))
    with pytest.raises(replies.ExpiredAddress):
        replies.parse(old)
    assert replies.parse(address_of(people["maff"], consultation, now=timezone.now() - datetime.timedelta(days=29)))


def test_notification_e_mails_carry_each_recipients_own_reply_address(people, file, django_capture_on_commit_callbacks,
                                                                      settings):  # fmt: skip
    settings.BANSO_QUIET_HOURS_START, settings.BANSO_QUIET_HOURS_END = 24, 0  # e-mail at once, whatever the hour
    with django_capture_on_commit_callbacks(execute=True):
        consultation = file(people["matsumoto"])
        consult_services.post_message(actor=people["maff"], consultation=consultation, body="回答します")
    sent = [m for m in outbox.outbox if m.to]
    assert len({m.to[0] for m in sent}) >= 2  # the office's liaison and lead, then the filer
    by_email = {user.email: user for user in people.values()}
    for message in sent:
        assert message.extra_headers["Auto-Submitted"] == "auto-generated"
        (reply_to,) = message.reply_to
        parsed = replies.parse(reply_to)
        recipient = by_email.get(message.to[0]) or type(people["maff"]).objects.get(email=message.to[0])
        assert (parsed.user_id, parsed.consultation_id, parsed.kind) == (recipient.pk, consultation.pk, "reply")
        notes = [line for line in message.body.splitlines() if "note+" in line]
        if recipient.role == Role.STAFF:
            assert notes == []  # staff never get a note address
        else:
            assert replies.parse(notes[0].split()[-1]).kind == "note"
    staff_mail = [m for m in sent if m.to == [people["matsumoto"].email]]
    assert staff_mail, "the filer is told of the office's reply"


def test_an_e_mail_about_an_internal_note_is_answered_by_another_note(people, file, django_capture_on_commit_callbacks,
                                                                     settings):  # fmt: skip
    settings.BANSO_QUIET_HOURS_START, settings.BANSO_QUIET_HOURS_END = 24, 0
    consultation = file(people["matsumoto"])
    outbox.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        consult_services.post_message(actor=people["maff"], consultation=consultation, body="内部で検討", internal=True)
    (message,) = [m for m in outbox.outbox if m.to == [people["maff_lead"].email]]
    (reply_to,) = message.reply_to
    assert replies.parse(reply_to).kind == "note"  # a reply quoting the note stays internal
    assert "内部メモとして届きます" in message.body
    assert not [m for m in outbox.outbox if m.to == [people["matsumoto"].email]]


def test_junk_to_an_address_that_is_not_ours_gets_no_notice(people):
    (mail,) = deliver(mail_bytes(to="info@example.com", sender="spam@example.net"), to="info@example.com",
                      sender="spam@example.net", source=Source.IMAP)  # fmt: skip
    assert (mail.status, mail.outcome, mail.notice_state) == (Status.REFUSED, Outcome.BAD_ADDRESS, "")


def test_an_e_mail_not_about_a_consultation_has_no_reply_address(people):
    notification = Notification.objects.create(
        recipient=people["maff_lead"], kind="webhook_disabled", data={"detail": "x"}, created_at=timezone.now()
    )
    assert email_for(notification, language="ja").reply_to == []


# --- processing -------------------------------------------------------------------------------


def test_a_reply_becomes_one_message_for_the_right_consultation_and_person(people, consultation, file):
    other = file(people["matsumoto"], title="別の相談")
    liaison = people["maff"]
    to = address_of(liaison, consultation)
    (mail,) = deliver(mail_bytes(to=to, sender="Kanto <LIAISON@kanto.maff.example.go.jp>"), to=to, sender=liaison.email)
    assert (mail.status, mail.outcome) == (Status.POSTED, Outcome.POSTED)
    (message,) = Message.objects.filter(consultation=consultation, author=liaison)
    assert message.body == "補助率は二分の一です。" and not message.internal
    assert mail.posted_message == message and mail.consultation_id == consultation.pk
    assert not Message.objects.filter(consultation=other).exists()
    (original,) = Attachment.objects.filter(message=message)
    assert (original.name, original.content_type) == ("original.eml", "message/rfc822")
    assert original.file.read() == bytes(mail.raw)
    consultation.refresh_from_db()
    assert consultation.first_responded_at == message.created_at  # as a reply on the page
    assert consultation.events.filter(kind="replied", actor=liaison).count() == 1


def test_a_mail_delivered_twice_makes_one_message(people, consultation):
    liaison = people["maff"]
    to = address_of(liaison, consultation)
    raw = mail_bytes(to=to, sender=liaison.email, message_id="<same@kanto.maff.example.go.jp>")
    deliver(raw, to=to, sender=liaison.email)
    assert deliver(raw, to=to, sender=liaison.email) == []
    (mail,) = InboundMail.objects.all()
    assert mail.deliveries == 2
    assert Message.objects.filter(consultation=consultation, author=liaison).count() == 1
    assert services.process(mail_id=mail.pk) is None  # a repeated task does nothing
    assert Message.objects.filter(consultation=consultation, author=liaison).count() == 1


def test_a_forged_sender_is_refused_and_told_once(people, consultation, settings):
    to = address_of(people["maff"], consultation)
    for header_from, envelope in (("intruder@example.com", "intruder@example.com"),
                                  (people["maff"].email, "intruder@example.com"),
                                  ("intruder@example.com", people["maff"].email)):  # fmt: skip
        (mail,) = deliver(mail_bytes(to=to, sender=header_from), to=to, sender=envelope)
        assert (mail.status, mail.outcome) == (Status.REFUSED, Outcome.UNKNOWN_SENDER)
    assert not Message.objects.filter(consultation=consultation, author=people["maff"]).exists()
    outbox.outbox.clear()
    for mail in InboundMail.objects.order_by("pk"):
        services.send_notice(mail_id=mail.pk)
    states = list(InboundMail.objects.order_by("pk").values_list("notice_to", "notice_state"))
    # To the envelope sender, one notice per address: the intruder's once, the liaison's own once.
    assert states == [("intruder@example.com", NoticeState.SENT), ("intruder@example.com", NoticeState.SUPPRESSED),
                      (people["maff"].email, NoticeState.SENT)]  # fmt: skip
    assert len(outbox.outbox) == 2
    notice = outbox.outbox[0]
    assert notice.to == ["intruder@example.com"]
    assert notice.extra_headers["Auto-Submitted"] == "auto-replied"
    assert "差出人のアドレス" in notice.body


def test_an_expired_address_is_refused_with_a_notice_in_the_senders_language(people, consultation):
    from notifications.models import Profile

    Profile.objects.update_or_create(user=people["maff"], defaults={"language": "en"})
    to = address_of(people["maff"], consultation, now=timezone.now() - datetime.timedelta(days=40))
    (mail,) = deliver(mail_bytes(to=to, sender=people["maff"].email), to=to, sender=people["maff"].email)
    assert (mail.status, mail.outcome) == (Status.REFUSED, Outcome.EXPIRED)
    assert services.send_notice(mail_id=mail.pk)
    assert "expired" in outbox.outbox[-1].body
    assert not services.send_notice(mail_id=mail.pk)  # once


def test_a_person_who_lost_access_is_refused(people, consultation):
    liaison = people["maff"]
    to = address_of(liaison, consultation)
    upsert_user(email=liaison.email, display_name=liaison.display_name, role=Role.LIAISON,
                offices=[Office.objects.get(slug="maff-hq")])  # fmt: skip
    (mail,) = deliver(mail_bytes(to=to, sender=liaison.email), to=to, sender=liaison.email)
    assert (mail.status, mail.outcome) == (Status.REFUSED, Outcome.NO_PERMISSION)
    assert not Message.objects.filter(consultation=consultation, author=liaison).exists()


def test_a_closed_account_is_refused(people, consultation):
    liaison = people["maff"]
    to = address_of(liaison, consultation)
    type(liaison).objects.filter(pk=liaison.pk).update(is_active=False)
    (mail,) = deliver(mail_bytes(to=to, sender=liaison.email), to=to, sender=liaison.email)
    assert (mail.status, mail.outcome) == (Status.REFUSED, Outcome.NO_PERMISSION)


def test_another_towns_staff_cannot_use_a_reply_address_meant_for_them(people, consultation):
    niigata = people["niigata"]  # not a party: an address for them (were one made) is refused
    to = address_of(niigata, consultation)
    (mail,) = deliver(mail_bytes(to=to, sender=niigata.email), to=to, sender=niigata.email)
    assert (mail.status, mail.outcome) == (Status.REFUSED, Outcome.NO_PERMISSION)


@pytest.mark.parametrize(
    "headers, subject",
    [
        ({"Auto-Submitted": "auto-replied"}, "Re: 【Banso】回答"),
        ({"Precedence": "bulk"}, "Re: 【Banso】回答"),
        ({"X-Autoreply": "yes"}, "Re: 【Banso】回答"),
        ({}, "自動応答: 【Banso】回答"),
        ({}, "【不在】12月3日まで"),
        ({}, "不在通知"),
        ({}, "Out of Office: 【Banso】回答"),
        ({}, "Automatic reply: 【Banso】回答"),
    ],
)
def test_auto_replies_are_recorded_never_posted_never_answered(people, consultation, headers, subject):
    liaison = people["maff"]
    to = address_of(liaison, consultation)
    (mail,) = deliver(mail_bytes(to=to, sender=liaison.email, subject=subject, headers=headers), to=to,
                      sender=liaison.email)  # fmt: skip
    assert (mail.status, mail.outcome, mail.notice_state) == (Status.IGNORED, Outcome.AUTO_REPLY, "")
    assert not Message.objects.filter(consultation=consultation, author=liaison).exists()


def test_a_reply_about_absentee_voting_is_not_an_auto_reply(people, consultation):
    liaison = people["maff"]
    to = address_of(liaison, consultation)
    raw = mail_bytes(to=to, sender=liaison.email, subject="Re: 不在者投票の補助について")
    (mail,) = deliver(raw, to=to, sender=liaison.email)
    assert mail.status == Status.POSTED


def _bounce(to) -> bytes:
    report = EmailMessage()
    report["From"] = "MAILER-DAEMON@mx.example.lg.jp"
    report["To"] = to
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Message-ID"] = make_msgid()
    report.set_content("This is the mail system.")
    report.make_mixed()
    report.set_type("multipart/report")
    report.set_param("report-type", "delivery-status")
    return report.as_bytes()


def test_bounces_are_recorded_never_posted_never_answered(people, consultation):
    liaison = people["maff"]
    to = address_of(liaison, consultation)
    (report,) = deliver(_bounce(to), to=to, sender="")
    (empty_sender,) = deliver(mail_bytes(to=to, sender=liaison.email), to=to, sender="")
    (daemon,) = deliver(mail_bytes(to=to, sender="MAILER-DAEMON@mx.example.lg.jp"), to=to, sender="bounces@mx.example")
    for mail in (report, empty_sender, daemon):
        assert (mail.status, mail.outcome, mail.notice_state) == (Status.IGNORED, Outcome.BOUNCE, "")
    assert not Message.objects.filter(consultation=consultation, author=liaison).exists()


def test_an_attachment_disguised_as_pdf_is_dropped_and_said_so(people, consultation):
    liaison = people["maff"]
    to = address_of(liaison, consultation)
    raw = mail_bytes(to=to, sender=liaison.email, attachments=[("資料.pdf", PDF), ("請求書.pdf", PROGRAM)])
    (mail,) = deliver(raw, to=to, sender=liaison.email)
    assert mail.status == Status.POSTED
    names = set(Attachment.objects.filter(message=mail.posted_message).values_list("name", flat=True))
    assert names == {"資料.pdf", "original.eml"}
    assert len(mail.dropped) == 1 and mail.dropped[0].startswith("請求書.pdf")
    assert (mail.notice, mail.notice_state) == (services.ATTACHMENTS_DROPPED, NoticeState.PENDING)
    services.send_notice(mail_id=mail.pk)
    assert "請求書.pdf" in outbox.outbox[-1].body


def test_quoted_history_and_signature_are_removed(people, consultation):
    liaison = people["maff"]
    to = address_of(liaison, consultation)
    body = (
        "承知しました。来週までに申請書を確認します。\n\n"
        "――――――――――――――\n関東農政局 経営局\n農政 太郎\n\n"
        "2026/12/03 10:00、Banso <no-reply@banso.example.go.jp>のメッセージ:\n\n"
        "> 松本市から相談が届きました。\n> 相談を開く: http://127.0.0.1:8000/consultations/1/\n"
    )
    (mail,) = deliver(mail_bytes(to=to, sender=liaison.email, body=body), to=to, sender=liaison.email)
    assert mail.posted_message.body == "承知しました。来週までに申請書を確認します。"


@pytest.mark.parametrize(
    "body",
    [
        "了解です。\n\n2026年12月3日(木) 10:00 Banso <no-reply@banso.example.go.jp>:\n> 以前の本文\n",
        "了解です。\n\n農政 太郎 wrote:\n> 以前の本文\n",
        "了解です。\n\n2026/12/03 10:00 に Banso さんは書きました:\n> 以前の本文\n",
        "了解です。\n\nOn Thu, Dec 3, 2026 at 10:00 AM Banso <no-reply@banso.example.go.jp> wrote:\n> 以前の本文\n",
        "了解です。\n\n-----Original Message-----\nFrom: Banso\n以前の本文\n",
        "了解です。\n\n-----元のメッセージ-----\n以前の本文\n",
        "了解です。\n\n差出人: Banso <no-reply@banso.example.go.jp>\n送信日時: 2026年12月3日 10:00\n宛先: 農政 太郎\n"
        "件名: 【Banso】回答\n\n以前の本文\n",
        "了解です。\n\n--\n関東農政局\n",
        "了解です。\n\n> 以前の本文\n> 続き\n",
    ],
)
def test_the_reply_forms_of_japanese_and_english_clients(body):
    assert parsing.latest_reply(body) == "了解です。"


def test_a_mail_of_only_quoted_text_is_refused_as_empty(people, consultation):
    liaison = people["maff"]
    to = address_of(liaison, consultation)
    raw = mail_bytes(to=to, sender=liaison.email, body="> 以前の本文\n> 続き\n")
    (mail,) = deliver(raw, to=to, sender=liaison.email)
    assert (mail.status, mail.outcome, mail.notice_state) == (Status.REFUSED, Outcome.EMPTY, NoticeState.PENDING)


def _iso_2022_jp(*, sender, to, body: bytes) -> bytes:
    """A mail as an older Japanese client writes it: 7-bit ISO-2022-JP, the subject RFC 2047-encoded."""
    subject = "=?ISO-2022-JP?B?" + base64.b64encode("Re: 【Banso】追加の質問".encode("iso2022_jp")).decode() + "?="
    headers = (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: {make_msgid()}\r\n"
               "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n")  # fmt: skip
    return headers.encode() + body


def test_an_iso_2022_jp_message_from_an_older_client_is_decoded(people, consultation):
    staff = people["matsumoto"]
    to = address_of(staff, consultation)
    body = "補助金の申請期限は来年３月末ですか。\r\n".encode("iso2022_jp")
    (mail,) = deliver(_iso_2022_jp(sender=staff.email, to=to, body=body), to=to, sender=staff.email)
    assert mail.status == Status.POSTED
    assert mail.posted_message.body == "補助金の申請期限は来年３月末ですか。"
    assert mail.subject == "Re: 【Banso】追加の質問"


def test_iso_2022_jp_with_windows_extensions_is_decoded():
    # ① (NEC row 13, 0x2D21) and ㈱ (0x2D6A) inside ESC $ B, as Outlook writes them.
    body = b"\x1b$B-!\x1b(B 1" + "月、".encode("iso2022_jp") + b" \x1b$B-j\x1b(B"
    part = email.message_from_bytes(
        b"Content-Type: text/plain; charset=iso-2022-jp\r\n\r\n" + body, policy=email.policy.default
    )
    assert parsing.decode_text(part) == "① 1月、 ㈱"


def test_an_html_only_mail_is_turned_into_text(people, consultation):
    liaison = people["maff"]
    to = address_of(liaison, consultation)
    html = "<html><body><p>ご確認<b>ありがとうございます</b>。</p><script>alert(1)</script></body></html>"
    (mail,) = deliver(mail_bytes(to=to, sender=liaison.email, html=html), to=to, sender=liaison.email)
    assert mail.posted_message.body == "ご確認ありがとうございます。"


def test_a_note_address_writes_an_internal_note_for_an_office(people, consultation):
    liaison = people["maff"]
    to = address_of(liaison, consultation, kind=replies.NOTE)
    (mail,) = deliver(mail_bytes(to=to, sender=liaison.email, body="内部で確認中"), to=to, sender=liaison.email)
    assert mail.status == Status.POSTED
    assert mail.posted_message.internal and mail.posted_message.kind == "note"
    assert Attachment.objects.get(message=mail.posted_message).internal  # the original too


def test_staff_can_never_write_a_note_by_mail(people, consultation):
    staff = people["matsumoto"]
    to = address_of(staff, consultation, kind=replies.NOTE)
    (mail,) = deliver(mail_bytes(to=to, sender=staff.email), to=to, sender=staff.email)
    assert (mail.status, mail.outcome) == (Status.REFUSED, Outcome.NOTE_NOT_ALLOWED)
    assert not Message.objects.filter(consultation=consultation, internal=True).exists()


def test_a_reply_from_the_filer_resumes_a_consultation_waiting_for_them(people, consultation):
    consult_services.transition(actor=people["maff"], consultation=consultation, action="accept")
    consult_services.transition(actor=people["maff"], consultation=consultation, action="request_info",
                                comment="図面を送ってください")  # fmt: skip
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.AWAITING_FILER
    staff = people["matsumoto"]
    to = address_of(staff, consultation)
    (mail,) = deliver(mail_bytes(to=to, sender=staff.email, body="図面を添付します。"), to=to, sender=staff.email)
    assert mail.status == Status.POSTED
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.IN_PROGRESS


def test_a_withdrawn_consultation_refuses_replies_by_mail(people, consultation):
    consult_services.transition(actor=people["matsumoto"], consultation=consultation, action="withdraw")
    to = address_of(people["maff"], consultation)
    (mail,) = deliver(mail_bytes(to=to, sender=people["maff"].email), to=to, sender=people["maff"].email)
    assert (mail.status, mail.outcome) == (Status.REFUSED, Outcome.CLOSED)
    assert mail.notice_state == NoticeState.PENDING


def test_banso_s_own_mail_coming_back_is_ignored(people, consultation):
    to = address_of(people["maff"], consultation)
    (mail,) = deliver(
        mail_bytes(to=to, sender="no-reply@banso.example.go.jp"), to=to, sender="no-reply@banso.example.go.jp"
    )
    assert (mail.status, mail.outcome, mail.notice_state) == (Status.IGNORED, Outcome.OWN_MAIL, "")


def test_the_admin_retry_processes_a_refused_mail_again(people, consultation):
    liaison = people["maff"]
    to = address_of(liaison, consultation)
    type(liaison).objects.filter(pk=liaison.pk).update(is_active=False)
    (mail,) = deliver(mail_bytes(to=to, sender=liaison.email), to=to, sender=liaison.email)
    assert mail.status == Status.REFUSED
    type(liaison).objects.filter(pk=liaison.pk).update(is_active=True)
    assert services.retry(mail_ids=[mail.pk]) == 1
    services.process(mail_id=mail.pk)
    mail.refresh_from_db()
    assert mail.status == Status.POSTED
    assert services.retry(mail_ids=[mail.pk]) == 0  # a posted mail is never posted again


def test_an_unexpected_error_is_retried_then_marked_failed(people, consultation, monkeypatch):
    liaison = people["maff"]
    to = address_of(liaison, consultation)
    (pk,) = services.receive(raw=mail_bytes(to=to, sender=liaison.email), envelope_from=liaison.email,
                             envelope_to=[to], source=Source.SMTP)  # fmt: skip

    def broken(raw):
        raise RuntimeError("parser broke")

    monkeypatch.setattr(parsing, "parse", broken)
    for _ in range(services.MAX_ATTEMPTS - 1):
        with pytest.raises(RuntimeError):
            services.process(mail_id=pk)
        assert InboundMail.objects.get(pk=pk).status == Status.RECEIVED  # kept for the next try
    services.process(mail_id=pk)
    mail = InboundMail.objects.get(pk=pk)
    assert (mail.status, mail.outcome, mail.attempts) == (Status.FAILED, Outcome.ERROR, services.MAX_ATTEMPTS)
    assert "parser broke" in mail.error


def test_the_admin_lists_inbound_mail_by_status_and_its_retry_calls_the_service(people, consultation, client):
    liaison = people["maff"]
    to = address_of(liaison, consultation)
    type(liaison).objects.filter(pk=liaison.pk).update(is_active=False)
    (mail,) = deliver(mail_bytes(to=to, sender=liaison.email), to=to, sender=liaison.email)
    type(liaison).objects.filter(pk=liaison.pk).update(is_active=True)
    client.force_login(people["secretariat"])
    listing = client.get("/admin/inbound/inboundmail/?status__exact=refused")
    assert listing.status_code == 200 and mail.subject in listing.content.decode()
    assert client.get("/admin/inbound/inboundmail/?status__exact=posted").context["cl"].result_count == 0
    page = client.get(f"/admin/inbound/inboundmail/{mail.pk}/change/")
    assert page.status_code == 200 and "Message-ID:" in page.content.decode()
    answer = client.post("/admin/inbound/inboundmail/", {"action": "retry", "_selected_action": [mail.pk]})
    assert answer.status_code == 302
    mail.refresh_from_db()
    assert mail.status == Status.RECEIVED  # queued again (the task runs after commit)
    services.process(mail_id=mail.pk)
    mail.refresh_from_db()
    assert mail.status == Status.POSTED


# --- IMAP ------------------------------------------------------------------------------------------


class FakeMailbox:
    """What ``imap.fetch_from`` asks of an imap-tools MailBox."""

    def __init__(self, messages: dict[str, bytes]):
        self.messages = messages
        self.seen: set[str] = set()
        self.client = self

    def uids(self, criteria):
        return [uid for uid in self.messages if uid not in self.seen]

    def uid(self, command, uid, what):
        assert (command, what) == ("FETCH", "(BODY.PEEK[])")
        return "OK", [(f"{uid} (BODY[] {{n}}".encode(), self.messages[uid]), b")"]

    def flag(self, uid, flag, value):
        assert flag == "\\Seen" and value
        self.seen.add(uid)


def test_imap_reads_each_unseen_message_once(people, consultation, django_capture_on_commit_callbacks):
    liaison = people["maff"]
    to = address_of(liaison, consultation)
    raw = mail_bytes(to=to, sender=liaison.email, headers={"Return-Path": f"<{liaison.email}>", "Delivered-To": to})
    mailbox = FakeMailbox({"7": raw})
    with django_capture_on_commit_callbacks(execute=True):
        assert imap.fetch_from(mailbox) == 1
    assert imap.fetch_from(mailbox) == 0
    (mail,) = InboundMail.objects.all()
    assert (mail.source, mail.mailbox, mail.envelope_from, mail.status) == ("imap", to, liaison.email, Status.POSTED)
