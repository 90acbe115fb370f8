"""What a notification says: a snapshot taken when it is written, the one-line
summary, the e-mails and the webhook body. Words follow the active language:
pages and the API read in the reader's, e-mails are written in the recipient's
(``translation.override``)."""

from __future__ import annotations

import datetime
import unicodedata

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import pgettext, pgettext_lazy

from . import replies
from .kinds import label
from .models import Notification

JST = datetime.timezone(datetime.timedelta(hours=9))
DEADLINE_NAMES = {
    "first_response": pgettext_lazy("notification", "初回回答期限"),
    "resolution": pgettext_lazy("notification", "解決期限"),
}


def consultation_url(consultation_id: int | None) -> str:
    base = settings.SITE_URL.rstrip("/")
    return f"{base}/consultations/{consultation_id}/" if consultation_id else f"{base}/"


def notification_path(notification) -> str:
    """The page a notification without a consultation leads to (a followed measure's),
    as the writer recorded it in ``data["path"]``; a site path only."""
    path = (notification.data or {}).get("path", "")
    if notification.consultation_id or not isinstance(path, str):
        return ""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else ""


def notification_url(notification) -> str:
    """Where a notification leads: its consultation, else the page it names, else the site."""
    path = notification_path(notification)
    return settings.SITE_URL.rstrip("/") + path if path else consultation_url(notification.consultation_id)


def snapshot(consultation, event) -> dict:
    """The facts a notification shows, frozen at the event (names may change later)."""
    from routing import selectors as routing_selectors

    maps = routing_selectors.reference_maps()
    actor = event.actor if event.actor_id else None
    office = maps.office_json(consultation.primary_office_id) if consultation.primary_office_id else None
    data = {
        "reference": consultation.reference,
        "title": consultation.title,
        "event": event.kind,
        "actor_name": actor.display_name if actor is not None else "",
        "office": office["name"] if office else "",
    }
    for key in ("deadline", "deadline_kind", "other_reference"):
        if key in (event.data or {}):
            data[key] = event.data[key]
    if event.reason and not event.internal:
        data["reason"] = event.reason[:200]
    return data


def summary(notification) -> str:
    data = notification.data or {}
    kind = label(notification.kind)
    subject = f"{data.get('reference', '')}「{data.get('title', '')}」" if data.get("reference") else ""
    if not subject and data.get("title") and notification_path(notification):
        subject = f"「{data['title']}」"  # the measure a followed-measure notice is about
    parts = [subject, kind] if subject else [kind]
    if data.get("deadline_kind") in DEADLINE_NAMES:
        parts.append(str(DEADLINE_NAMES[data["deadline_kind"]]))
    if data.get("actor_name"):
        parts.append(pgettext("notification", "（%(actor)s）") % {"actor": data["actor_name"]})
    if data.get("other_reference"):
        # The other consultation of a merge or unmerge.
        parts.append(pgettext("notification", "（関連: %(reference)s）") % {"reference": data["other_reference"]})
    if data.get("detail"):
        parts.append(data["detail"])
    return " ".join(p for p in parts if p)


def one_line(text: str) -> str:
    """A header value: no line breaks or other control characters (titles may hold them)."""
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)


def local_time(value: datetime.datetime | None) -> str:
    return value.astimezone(JST).strftime("%Y-%m-%d %H:%M JST") if value else ""


def message_id(notification_id: int, channel: str = "email") -> str:
    """Stable per delivery: a resent e-mail is recognisably the same message."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "banso.invalid"
    return f"<banso-{channel}-{notification_id}@{domain}>"


# RFC 3834: a notification is machine-made, so well-behaved auto-responders stay quiet.
AUTOMATED = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "OOF, AutoReply"}


def reply_addresses(recipient, consultation_id: int | None) -> tuple[str, str]:
    """(reply address, note address) of this person for this consultation; empty when
    not about a consultation. Only offices and the secretariat get a note address:
    municipal staff never write internal notes."""
    from accounts.models import Role

    if not consultation_id:
        return "", ""
    reply = replies.address(kind=replies.REPLY, consultation_id=consultation_id, user_id=recipient.pk)
    note = ""
    if recipient.role in (Role.LIAISON, Role.SECRETARIAT):
        note = replies.address(kind=replies.NOTE, consultation_id=consultation_id, user_id=recipient.pk)
    return reply, note


def email_for(notification, *, language: str) -> EmailMultiAlternatives:
    """The e-mail of one notification, in the recipient's ``language``; about a
    consultation, it carries the recipient's own reply address (Reply-To)."""
    reply_address, note_address = reply_addresses(notification.recipient, notification.consultation_id)
    reply_internal = notification.event_id is not None and notification.event.internal
    if reply_internal:
        # About an internal note: answering it continues the internal thread, so a
        # reply that quotes the note can never become a public message.
        reply_address, note_address = note_address, ""
    with translation.override(language):
        context = {
            "reply_internal": reply_internal,
            "reply_address": reply_address,
            "note_address": note_address,
            "notification": notification,
            "kind": label(notification.kind),
            "summary": summary(notification),
            "data": notification.data or {},
            "url": notification_url(notification),
            "opens_page": bool(notification_path(notification)),
            "created": local_time(notification.created_at),
            "recipient": notification.recipient,
            "preferences_url": f"{settings.SITE_URL.rstrip('/')}/inbox/preferences/",
        }
        subject = (pgettext("notification e-mail", "【Banso】") + context["summary"])[:200]
        text = render_to_string(f"notifications/email/notification.{language}.txt", context)
        html = render_to_string(f"notifications/email/notification.{language}.html", context)
    message = EmailMultiAlternatives(
        subject=one_line(subject),
        body=text,
        to=[notification.recipient.email],
        reply_to=[reply_address] if reply_address else None,
        headers={"Message-ID": message_id(notification.pk), **AUTOMATED},
    )
    message.attach_alternative(html, "text/html")
    return message


def digest_email(user, notifications: list, *, language: str, key: str) -> EmailMultiAlternatives:
    """The day's digest, in the recipient's ``language``. A digest about one
    consultation only carries the reply address for it; one about several has
    none (a reply could not say which it answers)."""
    about = {n.consultation_id for n in notifications}
    reply_address = ""
    if len(about) == 1:
        reply_address, note_address = reply_addresses(user, about.pop())
        if Notification.objects.filter(pk__in=[n.pk for n in notifications], event__internal=True).exists():
            reply_address = note_address  # as for one e-mail about an internal note
    with translation.override(language):
        items = [
            {
                "summary": summary(n),
                "url": notification_url(n),
                "created": local_time(n.created_at),
            }
            for n in notifications
        ]
        context = {"items": items, "count": len(items), "recipient": user}
        subject = pgettext("notification e-mail", "【Banso】本日のまとめ（%(count)d件）") % {"count": len(items)}
        text = render_to_string(f"notifications/email/digest.{language}.txt", context)
        html = render_to_string(f"notifications/email/digest.{language}.html", context)
    message = EmailMultiAlternatives(
        subject=one_line(subject),
        body=text,
        to=[user.email],
        reply_to=[reply_address] if reply_address else None,
        headers={"Message-ID": message_id(key, "digest"), **AUTOMATED},
    )
    message.attach_alternative(html, "text/html")
    return message


def webhook_payload(consultation, event) -> dict:
    from routing import selectors as routing_selectors

    maps = routing_selectors.reference_maps()

    def office(office_id):
        found = maps.office_json(office_id) if office_id else None
        return found["slug"] if found else None

    return {
        "event": {
            "id": event.pk,
            "kind": event.kind,
            "created_at": event.created_at.isoformat(),
            "from_status": event.from_status,
            "to_status": event.to_status,
            "from_office": office(event.from_office_id),
            "to_office": office(event.to_office_id),
            "internal": event.internal,
        },
        "consultation": {
            "id": consultation.pk,
            "reference": consultation.reference,
            "title": consultation.title,
            "status": consultation.status,
            "primary_office": office(consultation.primary_office_id),
            "url": consultation_url(consultation.pk),
        },
    }
