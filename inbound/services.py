"""The writes of inbound mail: receiving (store the raw message, queue one task),
processing (a reply becomes a message through the same service as the page),
notices (one polite bounce, rate-limited) and the admin's retry."""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from consult import selectors as consult_selectors
from consult import services as consult_services
from consult.attachments import max_files
from consult.lifecycle import IllegalTransition
from notifications import replies
from notifications import selectors as notification_selectors
from notifications.texts import consultation_url, one_line

from . import parsing
from .models import InboundMail, NoticeState, Outcome, Source, Status

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
ORIGINAL_NAME = "original.eml"
# Outcomes that earn the sender a notice saying why (never for auto-replies or bounces).
NOTICE_FOR = {
    Outcome.BAD_ADDRESS,
    Outcome.EXPIRED,
    Outcome.UNKNOWN_SENDER,
    Outcome.NO_PERMISSION,
    Outcome.NOTE_NOT_ALLOWED,
    Outcome.CLOSED,
    Outcome.EMPTY,
    Outcome.INVALID,
}
ATTACHMENTS_DROPPED = "attachments_dropped"  # a notice for a posted mail that lost parts


def _clean_envelope(value: str | None) -> str:
    return (value or "").strip().strip("<>").strip().lower()


# --- receiving ----------------------------------------------------------------------------------


def receive(*, raw: bytes, envelope_from: str | None, envelope_to: Iterable[str], source: str,
            now: datetime.datetime | None = None) -> list[int]:  # fmt: skip
    """Store the raw message once per reply address it was sent to, in one
    transaction, and queue one processing task for each new row after commit.
    A Message-ID already received at that address is counted, not stored again."""
    from . import tasks

    now = now or timezone.now()
    raw = bytes(raw)
    message_id = parsing.header_message_id(raw)
    recipients = [_clean_envelope(address) for address in envelope_to]
    mailboxes = list(dict.fromkeys(address for address in recipients if replies.is_ours(address)))
    if not mailboxes:  # e.g. read over IMAP with no reply address in its headers: recorded, then refused
        mailboxes = [recipients[0] if recipients else ""]
    header = parsing.parse_headers(raw)
    new: list[int] = []
    with transaction.atomic():
        for mailbox in mailboxes:
            try:
                with transaction.atomic():
                    mail = InboundMail.objects.create(
                        source=source,
                        mailbox=mailbox[:254],
                        message_id=message_id,
                        envelope_from="" if envelope_from is None else _clean_envelope(envelope_from)[:254],
                        envelope_to=", ".join(recipients),
                        from_address=header.from_address[:254],
                        subject=header.subject[:500],
                        raw=raw,
                        size=len(raw),
                        received_at=now,
                    )
            except IntegrityError:  # delivered again: one message all the same
                InboundMail.objects.filter(mailbox=mailbox[:254], message_id=message_id).update(
                    deliveries=F("deliveries") + 1
                )
                continue
            new.append(mail.pk)
        transaction.on_commit(lambda: [tasks.publish(tasks.process_mail, pk) for pk in new])
    return new


# --- processing ---------------------------------------------------------------------------------


class Refused(Exception):
    def __init__(self, outcome: str, detail: str = ""):
        self.outcome = outcome
        self.detail = detail
        super().__init__(f"{outcome}: {detail}" if detail else outcome)


class Ignored(Refused):
    """Recorded, never posted, never answered (auto-replies, bounces, our own mail)."""


def process(*, mail_id: int, now: datetime.datetime | None = None) -> str | None:
    """Process one received mail exactly once: the row is locked and only a
    ``received`` one is processed; the message and the outcome commit together.
    An unexpected error is recorded and raised (the task retries) until
    ``MAX_ATTEMPTS``, then the mail is ``failed`` (the admin can retry it)."""
    from . import tasks

    now = now or timezone.now()
    failure = None
    with transaction.atomic():
        mail = (
            InboundMail.objects.select_for_update(skip_locked=True).filter(pk=mail_id, status=Status.RECEIVED).first()
        )
        if mail is None:
            return None  # processed already, or being processed by another worker
        mail.attempts += 1
        try:
            with transaction.atomic():  # what a refusal after posting started leaves nothing behind
                _post(mail, now)
        except Ignored as ignored:
            mail.status, mail.outcome, mail.error = Status.IGNORED, ignored.outcome, ignored.detail[:2000]
        except Refused as refused:
            mail.status, mail.outcome, mail.error = Status.REFUSED, refused.outcome, refused.detail[:2000]
            # Mail to an address that is not even shaped like ours is junk: no notice (no backscatter).
            if refused.outcome in NOTICE_FOR and (
                refused.outcome != Outcome.BAD_ADDRESS or replies.is_ours(mail.mailbox)
            ):
                _want_notice(mail, refused.outcome)
        except Exception as exc:
            log.exception("inbound mail %s could not be processed", mail.pk)
            mail.error = f"{type(exc).__name__}: {exc}"[:2000]
            if mail.attempts >= MAX_ATTEMPTS:
                mail.status, mail.outcome = Status.FAILED, Outcome.ERROR
            else:
                failure = exc
        if mail.status != Status.RECEIVED:
            mail.processed_at = now
        mail.save()
        if mail.notice_state == NoticeState.PENDING:
            transaction.on_commit(lambda: tasks.publish(tasks.send_notice, mail.pk))
    if failure is not None:
        raise failure
    return mail.outcome


def _sender_checked(mail: InboundMail, parsed: parsing.Parsed, user: User | None) -> None:
    """From, and the envelope sender where there is one, are the recipient's own address."""
    if user is None or not user.is_active:
        raise Refused(Outcome.NO_PERMISSION, "the account is closed or unknown")
    expected = user.email.strip().lower()
    senders = {parsed.from_address}
    if mail.source == Source.SMTP:
        senders.add(mail.envelope_from)
    elif parsed.return_path:  # over IMAP, the gateway's Return-Path is the envelope sender
        senders.add(parsed.return_path)
    if senders != {expected}:
        raise Refused(Outcome.UNKNOWN_SENDER, f"sent by {', '.join(sorted(s or '<>' for s in senders))}")


def _post(mail: InboundMail, now: datetime.datetime) -> None:
    parsed = parsing.parse(bytes(mail.raw))
    if parsed.bounce:
        raise Ignored(Outcome.BOUNCE, parsed.bounce)
    if mail.source == Source.SMTP and not mail.envelope_from:
        raise Ignored(Outcome.BOUNCE, "empty envelope sender")
    if parsed.automated:
        raise Ignored(Outcome.AUTO_REPLY, parsed.automated)
    # Banso's own mail coming back (a forward, a misrouted notice) would start a loop.
    if parsed.from_address in parsing.addresses([settings.DEFAULT_FROM_EMAIL]) or replies.is_ours(parsed.from_address):
        raise Ignored(Outcome.OWN_MAIL, parsed.from_address)
    try:
        address = replies.parse(mail.mailbox, now=now)
    except replies.ExpiredAddress as expired:
        raise Refused(Outcome.EXPIRED, f"issued {expired.address.issued_at:%Y-%m-%d}") from None
    except replies.BadAddress:
        raise Refused(Outcome.BAD_ADDRESS, mail.mailbox) from None
    user = User.objects.filter(pk=address.user_id).first()
    _sender_checked(mail, parsed, user)
    mail.author = user
    internal = address.kind == replies.NOTE
    if internal and user.role == Role.STAFF:
        raise Refused(Outcome.NOTE_NOT_ALLOWED)
    try:
        consultation = consult_selectors.access_consultation(user, address.consultation_id)
    except Http404:
        raise Refused(Outcome.NO_PERMISSION, "the consultation is not visible to the sender") from None
    mail.consultation_id = consultation.pk
    body = parsed.reply
    if not body.strip():
        raise Refused(Outcome.EMPTY)
    uploads, dropped = _uploads(parsed, bytes(mail.raw))
    try:
        result = consult_services.post_message(
            actor=user, consultation=consultation, body=body, internal=internal, attachments=uploads, now=now
        )
    except PermissionDenied as exc:
        raise Refused(Outcome.NO_PERMISSION, str(exc)) from None
    except IllegalTransition as exc:
        raise Refused(Outcome.CLOSED, str(exc)) from None
    except ValidationError as exc:
        raise Refused(Outcome.INVALID, "; ".join(exc.messages)) from None
    mail.status, mail.outcome, mail.error = Status.POSTED, Outcome.POSTED, ""
    mail.posted_message = result.message
    mail.dropped = [*dropped, *result.attachment_errors]
    if mail.dropped:
        _want_notice(mail, ATTACHMENTS_DROPPED)


def _uploads(parsed: parsing.Parsed, raw: bytes) -> tuple[list[consult_services.Upload], list[str]]:
    """The mail's files for the message, and the full original as ``original.eml``;
    beyond what one message may carry, the last files are dropped (and said so)."""
    room = max(max_files() - 1, 0)
    parts = parsed.attachments
    dropped = [_("%(name)s: 一度に添付できる数を超えたため除きました") % {"name": part.name} for part in parts[room:]]
    uploads = [consult_services.Upload(name=part.name, content=part.content) for part in parts[:room]]
    return [*uploads, consult_services.Upload(name=ORIGINAL_NAME, content=raw)], dropped


# --- notices ------------------------------------------------------------------------------------


def _want_notice(mail: InboundMail, reason: str) -> None:
    to = mail.envelope_from or mail.from_address
    if not to or replies.is_ours(to):
        return
    mail.notice, mail.notice_to, mail.notice_state = reason, to, NoticeState.PENDING


def _notice_key(address: str) -> str:
    return "inbound:notice:" + hashlib.sha256(address.lower().encode()).hexdigest()[:32]


def notice_text(reason: str, *, mail: InboundMail) -> tuple[str, str]:
    """(subject, body) of a notice, in the active language."""
    url = consultation_url(mail.consultation_id) if mail.consultation_id else settings.SITE_URL
    reasons = {
        Outcome.BAD_ADDRESS: _(
            "この宛先は Banso の返信用アドレスとして確認できませんでした。通知メールの「返信」でお送りいただくか、画面から書き込んでください。"
        ),
        Outcome.EXPIRED: _(
            "返信用アドレスの有効期限が切れています。新しい通知メールに返信するか、画面から書き込んでください。"
        ),
        Outcome.UNKNOWN_SENDER: _(
            "差出人のアドレスが、この通知を受け取った方のアドレスと一致しません。通知を受け取ったアドレスから返信してください。"
        ),
        Outcome.NO_PERMISSION: _(
            "この相談に書き込む権限がありません。必要な場合は担当部局または事務局にお問い合わせください。"
        ),
        Outcome.NOTE_NOT_ALLOWED: _(
            "内部メモは府省庁と事務局のみ書けます。返信として送る場合は、通知メールに返信してください。"
        ),
        Outcome.CLOSED: _(
            "この相談は終了しているため、メールでは書き込めません。画面で相談を確認し、必要であれば再開してください。"
        ),
        Outcome.EMPTY: _("本文が見つかりませんでした（引用部分と署名は除いています）。本文を書いて返信してください。"),
        Outcome.INVALID: _("内容を受け付けられませんでした。画面から書き込んでください。"),
        ATTACHMENTS_DROPPED: _("メッセージは投稿しましたが、次の添付ファイルは受け付けられなかったため除きました。"),
    }
    subject = (
        _("【Banso】メールを受け付けられませんでした")
        if reason != ATTACHMENTS_DROPPED
        else _("【Banso】添付ファイルを除きました")
    )
    lines = [
        _("Banso からの自動送信です。このメールには返信しないでください。"),
        "",
        _("お送りいただいたメール（件名: %(subject)s）について:") % {"subject": mail.subject or "—"},
        "",
        str(reasons.get(reason, reasons[Outcome.INVALID])),
    ]
    if reason == ATTACHMENTS_DROPPED or mail.dropped:
        lines += [f"・{line}" for line in mail.dropped]
    lines += ["", _("相談を開く: %(url)s") % {"url": url}, "", "--", _("伴走型支援 相談窓口 Banso")]
    return one_line(subject), "\n".join(str(line) for line in lines) + "\n"


def send_notice(*, mail_id: int, now: datetime.datetime | None = None) -> bool:
    """Send the pending notice of this mail once; at most one per sender address
    in ``BANSO_INBOUND_NOTICE_SECONDS`` (the others are recorded as suppressed)."""
    now = now or timezone.now()
    with transaction.atomic():
        mail = (
            InboundMail.objects.select_for_update(skip_locked=True)
            .filter(pk=mail_id, notice_state=NoticeState.PENDING)
            .first()
        )
        if mail is None:
            return False
        key = _notice_key(mail.notice_to)
        if not cache.add(key, 1, timeout=settings.BANSO_INBOUND_NOTICE_SECONDS):  # atomic: one sender, one notice
            mail.notice_state = NoticeState.SUPPRESSED
            mail.save(update_fields=["notice_state"])
            return False
        language = notification_selectors.language_of_address(mail.notice_to)
        with translation.override(language):
            subject, body = notice_text(mail.notice, mail=mail)
        domain = settings.BANSO_REPLY_DOMAIN
        headers = {
            "Auto-Submitted": "auto-replied",
            "X-Auto-Response-Suppress": "All",
            "Message-ID": f"<banso-inbound-notice-{mail.pk}@{domain}>",
        }
        if mail.message_id and not mail.message_id.startswith("<sha256-"):
            headers |= {"In-Reply-To": mail.message_id, "References": mail.message_id}
        try:
            EmailMessage(subject=subject, body=body, to=[mail.notice_to], headers=headers).send()
        except Exception:
            cache.delete(key)  # not sent: the retry may send it
            raise
        mail.notice_state, mail.notice_sent_at = NoticeState.SENT, now
        mail.save(update_fields=["notice_state", "notice_sent_at"])
    return True


# --- the admin ----------------------------------------------------------------------------------


def retry(*, mail_ids: Iterable[int]) -> int:
    """Process these mails again (failed or refused ones: an account may have been
    given access since); posted and ignored ones are left as they are."""
    from . import tasks

    with transaction.atomic():
        ids = list(
            InboundMail.objects.select_for_update()
            .filter(pk__in=list(mail_ids), status__in=[Status.FAILED, Status.REFUSED])
            .values_list("pk", flat=True)
        )
        InboundMail.objects.filter(pk__in=ids).update(
            status=Status.RECEIVED, outcome=Outcome.NONE, error="", attempts=0, processed_at=None,
            notice=Outcome.NONE, notice_state=NoticeState.NONE,
        )  # fmt: skip
        transaction.on_commit(lambda: [tasks.publish(tasks.process_mail, pk) for pk in ids])
    return len(ids)
