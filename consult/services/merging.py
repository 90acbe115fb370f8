"""Duplicates: merging a consultation into another (the kept one), and undoing it.

The merged one keeps its status and history but is closed to new work; the kept
one carries on. The filer side of the merged one sees the kept one (the
visibility rule of ``consult.selectors``) and follows it; an unmerge removes the
follows the merge added. Each side records an event naming the other."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notifications import services as notifications

from ..lifecycle import IllegalTransition, NotMerged, Status
from ..models import Consultation, Event
from ..permissions import require
from .common import Result, _locked, _open_to_work, _record, _schedule

MAX_REASON = 2000


def _locked_pair(first_pk: int, second_pk: int) -> dict[int, Consultation]:
    """Both consultations under a row lock, always taken in id order, so that two
    merges of the same pair in opposite directions cannot deadlock."""
    return {pk: _locked(Consultation(pk=pk)) for pk in sorted({first_pk, second_pk})}


@transaction.atomic
def merge(*, actor: User, consultation: Consultation, into: Consultation, reason: str,
          now: datetime.datetime | None = None) -> Result:  # fmt: skip
    """Merge ``consultation`` (a duplicate) into ``into``, the kept one. The actor is
    the kept one's office or the secretariat; the caller checked that they see both."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if consultation.pk == into.pk:
        raise ValidationError({"into": [_("相談をそれ自身に統合することはできません")]})
    locked = _locked_pair(consultation.pk, into.pk)
    merged, kept = locked[consultation.pk], locked[into.pk]
    require(actor, kept, "merge")
    _open_to_work(merged, "merge")
    if merged.status == Status.WITHDRAWN or kept.status == Status.WITHDRAWN:
        raise IllegalTransition("merge", Status.WITHDRAWN)
    errors: dict[str, list[str]] = {}
    if kept.merged_into_id == merged.pk:
        errors["into"] = [_("%(kept)s はこの相談に統合されています（統合が循環します）") % {"kept": kept.reference}]
    elif kept.merged_into_id is not None:
        errors["into"] = [
            _("%(kept)s は既にほかの相談に統合されています。統合先の相談を選んでください") % {"kept": kept.reference}
        ]
    absorbed = list(Consultation.objects.filter(merged_into=merged).order_by("id").values_list("reference", flat=True))
    if absorbed and "into" not in errors:
        # One level only: every merged consultation points straight at the one that carries on.
        errors["into"] = [
            _("この相談には %(references)s が統合されています。先にそれらの統合を解除してください")
            % {"references": "、".join(absorbed)}
        ]
    if not reason:
        errors["reason"] = [_("統合の理由を入力してください")]
    elif len(reason) > MAX_REASON:
        errors["reason"] = [_("理由は%(max)s文字以内です") % {"max": f"{MAX_REASON:,}"}]
    if errors:
        raise ValidationError(errors)

    merged.merged_into, merged.merged_at, merged.updated_at = kept, now, now
    merged.save(update_fields=["merged_into", "merged_at", "updated_at"])
    kept.updated_at = now
    kept.save(update_fields=["updated_at"])
    # Each side is told on its own consultation, before the merged one's followers
    # follow the kept one (so that nobody hears of the merge twice).
    added = notifications.carried_followers(source=merged, target=kept)
    _record(merged, "merged_into", actor=actor, now=now, reason=reason,
            data={"into": kept.pk, "other_reference": kept.reference})  # fmt: skip
    _record(kept, "absorbed", actor=actor, now=now, reason=reason,
            data={"merged": merged.pk, "other_reference": merged.reference, "followers_added": added})  # fmt: skip
    notifications.add_followers(consultation_id=kept.pk, user_ids=added, now=now)
    _schedule(merged)  # disarms its deadline alarms
    return Result(consultation=merged)


@transaction.atomic
def unmerge(*, actor: User, consultation: Consultation, reason: str = "",
            now: datetime.datetime | None = None) -> Result:  # fmt: skip
    """Restore a merged consultation: open to work again, its deadlines re-armed, and
    the people the merge made follow the kept one no longer follow it."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": [_("理由は%(max)s文字以内です") % {"max": f"{MAX_REASON:,}"}]})
    current = Consultation.objects.filter(pk=consultation.pk).values_list("merged_into_id", "status").get()
    if current[0] is None:
        raise NotMerged(current[1])
    locked = _locked_pair(consultation.pk, current[0])
    merged, kept = locked[consultation.pk], locked[current[0]]
    if merged.merged_into_id != kept.pk:  # unmerged (or merged elsewhere) meanwhile
        raise NotMerged(merged.status)
    require(actor, kept, "unmerge")
    merge_event = (
        Event.objects.filter(consultation=kept, kind="absorbed", data__merged=merged.pk).order_by("-id").first()
    )
    added = (merge_event.data or {}).get("followers_added", []) if merge_event else []
    notifications.stop_following_instead(consultation_id=kept.pk, user_ids=added)

    merged.merged_into, merged.merged_at, merged.updated_at = None, None, now
    merged.save(update_fields=["merged_into", "merged_at", "updated_at"])
    kept.updated_at = now
    kept.save(update_fields=["updated_at"])
    _record(merged, "unmerged", actor=actor, now=now, reason=reason,
            data={"from": kept.pk, "other_reference": kept.reference})  # fmt: skip
    _record(kept, "released", actor=actor, now=now, reason=reason,
            data={"merged": merged.pk, "other_reference": merged.reference})  # fmt: skip
    _schedule(merged)
    return Result(consultation=merged)
