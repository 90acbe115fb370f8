"""Every write of the good-answer library: a proposal from an answered
consultation, the secretariat's edits (each a new version), publishing and
withdrawing, readers' "useful" marks and views.

Where the source consultation is concerned (a proposal, publishing,
withdrawing) an ``Event`` is recorded in its history, in the same transaction.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from consult import permissions, rules
from consult import selectors as consult_selectors
from consult.lifecycle import IllegalTransition
from consult.models import Consultation, Event, Message
from measures.models import Introduction, Measure
from notifications import services as notifications
from routing.models import PolicyArea

from .models import Entry, EntryStatus, EntryVersion, Useful
from .redaction import redact

MAX_TITLE = 200
MAX_TEXT = 20_000
MAX_TAGS = 10
MAX_TAG = 30
MAX_MEASURES = 30
# Who proposes an entry from a consultation: the offices answering it and the secretariat.
PROPOSING = {"office", "collaborator", "secretariat"}
PROPOSE = "回答事例として提案"
log = logging.getLogger(__name__)


def may_propose(user: User, consultation: Consultation) -> bool:
    return bool(permissions.parties(user, consultation) & PROPOSING)


def may_review(user: User) -> bool:
    return user.role == Role.SECRETARIAT


def _require_secretariat(actor: User) -> None:
    if not may_review(actor):
        raise PermissionDenied(_("回答事例を審査・公開できるのは事務局です"))


def _clean_text(values: dict) -> dict:
    """The entry's text, checked: every error at its field."""
    errors: dict[str, list[str]] = {}
    title = (values.get("title") or "").strip()
    question = (values.get("question") or "").strip()
    answer = (values.get("answer") or "").strip()
    if not title or len(title) > MAX_TITLE:
        errors["title"] = [_("件名を%(n)d文字以内で入力してください") % {"n": MAX_TITLE}]
    for name, text, label in (("question", question, _("質問")), ("answer", answer, _("回答"))):
        if not text or len(text) > MAX_TEXT:
            errors[name] = [_("%(label)sを%(n)d文字以内で入力してください") % {"label": label, "n": MAX_TEXT}]
    tags = list(dict.fromkeys(tag.strip() for tag in values.get("tags") or () if tag and tag.strip()))
    if len(tags) > MAX_TAGS or any(len(tag) > MAX_TAG for tag in tags):
        errors["tags"] = [_("タグは%(n)d個まで、1つ%(m)d文字以内です") % {"n": MAX_TAGS, "m": MAX_TAG}]
    if errors:
        raise ValidationError(errors)
    return {"title": title, "question": question, "answer": answer, "tags": tags}


def people_of(consultation: Consultation) -> list[str]:
    """The display names of everyone who wrote on the consultation: its filer, the
    offices' liaisons and the secretariat (the names the library must not carry)."""
    authors = Message.objects.filter(consultation=consultation).values_list("author_id", flat=True)
    actors = Event.objects.filter(consultation=consultation, actor__isnull=False).values_list("actor_id", flat=True)
    ids = {consultation.filed_by_id, consultation.assignee_id, *authors.distinct(), *actors.distinct()}
    names = User.objects.filter(pk__in=[pk for pk in ids if pk]).values_list("display_name", flat=True)
    return sorted({name for name in names if name})


def _redacted(text: dict, names: list[str]) -> dict:
    return {
        "title": redact(text["title"], names=names),
        "question": redact(text["question"], names=names),
        "answer": redact(text["answer"], names=names),
        "tags": [redact(tag, names=names) for tag in text["tags"]],
    }


def _measures(ids: Iterable[int]) -> list[int]:
    wanted = list(dict.fromkeys(int(pk) for pk in ids))
    if len(wanted) > MAX_MEASURES:
        raise ValidationError({"measures": [_("関連施策は%(n)d件までです") % {"n": MAX_MEASURES}]})
    found = set(Measure.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ValidationError({"measures": [_("施策 %(id)s はありません") % {"id": missing[0]}]})
    return wanted


def _version(entry: Entry, text: dict, *, editor: User, note: str, now) -> EntryVersion:
    number = (entry.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = EntryVersion.objects.create(entry=entry, number=number, editor=editor, note=note[:200],
                                          created_at=now, **text)  # fmt: skip
    entry.current = version
    return version


def _event(entry: Entry, kind: str, *, actor: User, now, reason: str = "") -> Event:
    event = Event.objects.create(
        consultation_id=entry.source_id, kind=kind, actor=actor, reason=reason,
        data={"entry": entry.pk, "version": entry.current.number if entry.current else None}, created_at=now,
    )  # fmt: skip
    notifications.notify(consultation=entry.source, event=event)
    return event


@transaction.atomic
def propose_entry(*, actor: User, consultation: Consultation, title: str, question: str, answer: str,
                  tags: Iterable[str] = (), measure_ids: Iterable[int] | None = None,
                  now: datetime.datetime | None = None) -> Entry:  # fmt: skip
    """A draft entry from an answered (resolved or closed) consultation, by its
    offices or the secretariat; the people's names and e-mail addresses are removed.
    The caller fetched the consultation through its visibility (404 outside).
    Without ``measure_ids``, the measures introduced in the answer."""
    now = now or timezone.now()
    consultation = Consultation.objects.select_for_update(of=("self",)).get(pk=consultation.pk)
    consultation = consult_selectors.attach_parties([consultation])[0]
    if not may_propose(actor, consultation):
        raise PermissionDenied(_("回答事例を提案できるのは、この相談を担当する部局と事務局です"))
    if consultation.status not in rules.ANSWERED:
        raise IllegalTransition(PROPOSE, consultation.status)
    text = _redacted(_clean_text({"title": title, "question": question, "answer": answer, "tags": tags}),
                     people_of(consultation))  # fmt: skip
    if measure_ids is None:
        measure_ids = Introduction.objects.filter(consultation=consultation).values_list("measure_id", flat=True)
    measures = _measures(measure_ids)
    entry = Entry.objects.create(source=consultation, policy_area_id=consultation.policy_area_id,
                                 proposed_by=actor, created_at=now, updated_at=now)  # fmt: skip
    _version(entry, text, editor=actor, note=_("提案"), now=now)
    entry.save(update_fields=["current"])
    entry.measures.set(measures)
    _event(entry, "library_proposed", actor=actor, now=now)
    return entry


def _locked(entry: Entry) -> Entry:
    return Entry.objects.select_for_update(of=("self",)).select_related("current", "source").get(pk=entry.pk)


@transaction.atomic
def edit_entry(*, actor: User, entry: Entry, title: str, question: str, answer: str, tags: Iterable[str] = (),
               policy_area: PolicyArea | None = None, measure_ids: Iterable[int] | None = None, note: str = "",
               now: datetime.datetime | None = None) -> Entry:  # fmt: skip
    """The secretariat's edit: a new version (readers keep the published one until
    it is published again). Names are removed again from the new text."""
    _require_secretariat(actor)
    now = now or timezone.now()
    entry = _locked(entry)
    text = _redacted(_clean_text({"title": title, "question": question, "answer": answer, "tags": tags}),
                     people_of(entry.source))  # fmt: skip
    current = entry.current
    if current is None or any(getattr(current, name) != value for name, value in text.items()):
        _version(entry, text, editor=actor, note=note or _("編集"), now=now)
    if policy_area is not None:
        entry.policy_area = policy_area
    if measure_ids is not None:
        entry.measures.set(_measures(measure_ids))
    entry.updated_at = now
    entry.save(update_fields=["current", "policy_area", "updated_at"])
    return entry


def _index_on_commit(entry_id: int) -> None:
    """Write the search text after commit, by a worker; if the broker is away, here (one
    entry's text is small): the publication is committed and must not fail now."""
    from . import indexing, tasks

    def enqueue():
        try:
            tasks.index_entry.delay(entry_id)
        except Exception:
            log.exception("could not queue the search text of library entry %d; writing it now", entry_id)
            indexing.index_entry(entry_id)

    transaction.on_commit(enqueue)


@transaction.atomic
def publish_entry(*, actor: User, entry: Entry, now: datetime.datetime | None = None) -> Entry:
    """Publish the latest version: readers see it from now on. Refused (409) when
    that version is already the published one."""
    _require_secretariat(actor)
    now = now or timezone.now()
    entry = _locked(entry)
    if entry.status == EntryStatus.PUBLISHED and entry.published_id == entry.current_id:
        raise IllegalTransition(_("公開"), entry.status)
    entry.status, entry.published, entry.title = EntryStatus.PUBLISHED, entry.current, entry.current.title
    entry.reviewed_by, entry.published_at, entry.withdrawn_at, entry.updated_at = actor, now, None, now
    entry.save(update_fields=["status", "published", "title", "reviewed_by", "published_at", "withdrawn_at",
                              "updated_at"])  # fmt: skip
    _event(entry, "library_published", actor=actor, now=now)
    _index_on_commit(entry.pk)
    return entry


@transaction.atomic
def withdraw_entry(*, actor: User, entry: Entry, reason: str = "", now: datetime.datetime | None = None) -> Entry:
    """End publication (or turn down a draft): readers no longer find it."""
    _require_secretariat(actor)
    now = now or timezone.now()
    entry = _locked(entry)
    if entry.status == EntryStatus.WITHDRAWN:
        raise IllegalTransition(_("公開終了"), entry.status)
    entry.status, entry.withdrawn_at, entry.updated_at = EntryStatus.WITHDRAWN, now, now
    entry.save(update_fields=["status", "withdrawn_at", "updated_at"])
    _event(entry, "library_withdrawn", actor=actor, now=now, reason=(reason or "").strip()[:500])
    # Its words leave the index too (the status already hides it): nothing left to find by mistake.
    _index_on_commit(entry.pk)
    return entry


@transaction.atomic
def mark_useful(*, user: User, entry: Entry, now: datetime.datetime | None = None) -> tuple[bool, int]:
    """The reader found the entry useful: counted once per person, however often
    they say it. Returns (counted now, the entry's count)."""
    try:
        with transaction.atomic():
            Useful.objects.create(entry=entry, user=user, created_at=now or timezone.now())
            Entry.objects.filter(pk=entry.pk).update(useful_count=F("useful_count") + 1)
        counted = True
    except IntegrityError:
        counted = False
    return counted, Entry.objects.values_list("useful_count", flat=True).get(pk=entry.pk)


@transaction.atomic
def record_view(*, entry: Entry) -> None:
    """One more reading of a published entry (the secretariat's figures)."""
    Entry.objects.filter(pk=entry.pk, status=EntryStatus.PUBLISHED).update(view_count=F("view_count") + 1)
