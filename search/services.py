"""The only writers of search text: consultations' texts and vectors, attachments' texts."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from consult.models import Attachment, Consultation, Message

from . import analyzer, extract
from .backend import vector_literal
from .models import AttachmentText, ConsultationText

logger = logging.getLogger(__name__)

# Part of every stamp: a change to the analyzer makes every text out of date.
ANALYZER_VERSION = "1"
# One consultation's text is cut here (a long thread of long attachments stays searchable
# by its beginning and keeps the vector well under PostgreSQL's 1 MB).
MAX_TEXT_CHARS = 300_000


def queue_consultation_text(*, consultation_id: int) -> None:
    """Rebuild the consultation's search text after the current transaction commits. Never
    fails the caller: with the broker away, ``sweep_stale_texts`` builds it later."""
    from . import tasks

    def publish():
        try:
            # No publish retries: with the broker away the request must not wait on it.
            tasks.build_consultation_text.apply_async((consultation_id,), retry=False)
        except Exception:  # the change is committed: never fail it now
            logger.exception("could not queue the search text of %s; the sweep will build it", consultation_id)

    transaction.on_commit(publish)


# The sweep looks this far back for consultations whose text is missing or older than them.
SWEEP_WINDOW = datetime.timedelta(days=2)
SWEEP_BATCH = 500


def sweep_stale_texts(*, now: datetime.datetime | None = None, limit: int = 5000) -> int:
    """Build the texts a lost task left missing or stale (changed in ``SWEEP_WINDOW``)."""
    now = now or timezone.now()
    stale = (
        Consultation.objects.filter(updated_at__gte=now - SWEEP_WINDOW)
        .filter(Q(search_text__isnull=True) | Q(search_text__built_at__lt=F("updated_at")))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(stale)
    return sum(
        build_texts(consultation_ids=ids[start : start + SWEEP_BATCH]) for start in range(0, len(ids), SWEEP_BATCH)
    )


def _counted(model, consultation_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Each consultation's count of ``model`` rows and newest id ((0, 0) for none)."""
    counted = dict.fromkeys(consultation_ids, (0, 0))
    rows = (
        model.objects.filter(consultation_id__in=consultation_ids)
        .values("consultation_id")
        .annotate(count=Count("id"), newest=Max("id"))
        .values_list("consultation_id", "count", "newest")
        .order_by()
    )
    counted.update({pk: (count, newest) for pk, count, newest in rows})
    return counted


def source_stamps(*, consultation_ids: list[int]) -> dict[int, str]:
    """What each consultation's text is built from, as one comparable string: the
    consultation's last change and its messages' and attachments' counts and newest ids."""
    messages, attachments = _counted(Message, consultation_ids), _counted(Attachment, consultation_ids)
    stamps = {}
    for pk, updated_at, reference in Consultation.objects.filter(pk__in=consultation_ids).values_list(
        "pk", "updated_at", "reference"
    ):
        parts = (ANALYZER_VERSION, f"{updated_at.timestamp():.6f}", reference, *messages[pk], *attachments[pk])
        stamps[pk] = ":".join(str(part) for part in parts)
    return stamps


def _attachment_texts(attachments: list[dict]) -> dict[int, str]:
    """The attachments' texts, read from the files once and kept (``AttachmentText``)."""
    ids = [attachment["id"] for attachment in attachments]
    texts = dict(AttachmentText.objects.filter(attachment_id__in=ids).values_list("attachment_id", "text"))
    missing = [attachment for attachment in attachments if attachment["id"] not in texts]
    if missing:
        read = []
        for attachment in Attachment.objects.filter(pk__in=[a["id"] for a in missing]):
            try:
                with attachment.file.open("rb") as handle:
                    data = handle.read(extract.MAX_FILE_BYTES)
            except OSError as exc:
                # Not kept: a file missing now (storage unreachable) may be read next time.
                logger.warning("attachment %s unreadable for search: %s", attachment.pk, exc)
                texts[attachment.pk] = ""
                continue
            text, error = extract.text_of(data, attachment.content_type)
            texts[attachment.pk] = text
            read.append(AttachmentText(attachment_id=attachment.pk, text=text, error=error))
        AttachmentText.objects.bulk_create(read, ignore_conflicts=True)
    return texts


def _joined(pieces: list[str]) -> str:
    return "\n".join(piece for piece in pieces if piece)


@transaction.atomic
def build_texts(*, consultation_ids: list[int], force: bool = False) -> int:
    """Build the search text of these consultations, skipping those already up to date
    (unless ``force``). Idempotent; returns how many were written."""
    if not consultation_ids:
        return 0
    stamps = source_stamps(consultation_ids=consultation_ids)
    if not force:
        current = dict(ConsultationText.objects.filter(pk__in=list(stamps)).values_list("consultation_id", "stamp"))
        stamps = {pk: stamp for pk, stamp in stamps.items() if current.get(pk) != stamp}
    if not stamps:
        return 0
    ids = list(stamps)
    conversations: dict[int, dict[bool, list[str]]] = defaultdict(lambda: {False: [], True: []})
    for pk, internal, body in (
        Message.objects.filter(consultation_id__in=ids).order_by("created_at", "id").values_list(
            "consultation_id", "internal", "body"
        )
    ):  # fmt: skip
        conversations[pk][internal].append(body)
    attachments = list(
        Attachment.objects.filter(consultation_id__in=ids)
        .order_by("created_at", "id")
        .values("id", "consultation_id", "internal", "name")
    )
    attachment_texts = _attachment_texts(attachments)
    files: dict[int, dict[bool, list[str]]] = defaultdict(lambda: {False: [], True: []})
    for attachment in attachments:
        files[attachment["consultation_id"]][attachment["internal"]].append(
            _joined([attachment["name"], attachment_texts.get(attachment["id"], "")])
        )
    now = timezone.now()
    rows = []
    for pk, reference, title, body in Consultation.objects.filter(pk__in=ids).values_list(
        "pk", "reference", "title", "body"
    ):
        heading = _joined([reference, title])
        replies, notes = conversations[pk][False], conversations[pk][True]
        public_files, internal_files = files[pk][False], files[pk][True]
        public_text = _joined([heading, body, *replies, *public_files])[:MAX_TEXT_CHARS]
        internal_text = _joined([*notes, *internal_files])[: max(0, MAX_TEXT_CHARS - len(public_text))]
        public_parts = [
            (analyzer.document_terms(heading), "A"),
            (analyzer.document_terms(body), "B"),
            (analyzer.document_terms(_joined(replies)[:MAX_TEXT_CHARS]), "C"),
            (analyzer.document_terms(_joined(public_files)[:MAX_TEXT_CHARS]), "D"),
        ]
        internal_parts = [
            (analyzer.document_terms(_joined(notes)[:MAX_TEXT_CHARS]), "C"),
            (analyzer.document_terms(_joined(internal_files)[:MAX_TEXT_CHARS]), "D"),
        ]
        rows.append(
            ConsultationText(
                consultation_id=pk,
                public_text=public_text,
                internal_text=internal_text,
                public_vector=vector_literal(public_parts),
                full_vector=vector_literal(public_parts + internal_parts) if notes or internal_files else None,
                stamp=stamps[pk],
                built_at=now,
            )
        )
    ConsultationText.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["consultation"],
        update_fields=["public_text", "internal_text", "public_vector", "full_vector", "stamp", "built_at"],
    )
    return len(rows)
