"""The lifecycle of a consultation as one explicit transition table (pure).

    triage ──route──▶ open ──accept──▶ in_progress ⇄ awaiting_filer
                                            │   (request-info / resume)
                                            ▼
                        resolved ──confirm / auto-close──▶ closed
              resolved, closed ──reopen──▶ in_progress
    triage, open, in_progress, awaiting_filer ──withdraw──▶ withdrawn

Transfers keep the status (a transfer out of triage routes it: → open).
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop


class Status:
    TRIAGE = "triage"
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    AWAITING_FILER = "awaiting_filer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"

    CHOICES = [
        (TRIAGE, gettext_noop("振り分け待ち")),
        (OPEN, gettext_noop("受付待ち")),
        (IN_PROGRESS, gettext_noop("対応中")),
        (AWAITING_FILER, gettext_noop("回答待ち（相談者）")),
        (RESOLVED, gettext_noop("回答済み")),
        (CLOSED, gettext_noop("完了")),
        (WITHDRAWN, gettext_noop("取下げ済み")),
    ]
    LABELS = dict(CHOICES)
    ACTIVE = frozenset({TRIAGE, OPEN, IN_PROGRESS, AWAITING_FILER})
    FINISHED = frozenset({RESOLVED, CLOSED, WITHDRAWN})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the status does not change
    label: str


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("accept", frozenset({Status.OPEN}), Status.IN_PROGRESS, gettext_noop("受付")),
        Transition(
            "request_info",
            frozenset({Status.OPEN, Status.IN_PROGRESS}),
            Status.AWAITING_FILER,
            gettext_noop("追加情報の依頼"),
        ),
        Transition("resume", frozenset({Status.AWAITING_FILER}), Status.IN_PROGRESS, gettext_noop("対応再開")),
        Transition(
            "resolve",
            frozenset({Status.OPEN, Status.IN_PROGRESS, Status.AWAITING_FILER}),
            Status.RESOLVED,
            gettext_noop("回答（解決）"),
        ),
        Transition("confirm", frozenset({Status.RESOLVED}), Status.CLOSED, gettext_noop("完了の確認")),
        Transition("auto_close", frozenset({Status.RESOLVED}), Status.CLOSED, gettext_noop("自動完了")),
        Transition("reopen", frozenset({Status.RESOLVED, Status.CLOSED}), Status.IN_PROGRESS, gettext_noop("再開")),
        Transition("withdraw", frozenset(Status.ACTIVE), Status.WITHDRAWN, gettext_noop("取下げ")),
        Transition(
            "transfer",
            frozenset({Status.TRIAGE, Status.OPEN, Status.IN_PROGRESS, Status.AWAITING_FILER}),
            None,
            gettext_noop("移送"),
        ),
    )
}


# Actions outside the table that still depend on the status (consult.rules.ASSIGNABLE).
OTHER_LABELS = {"assign": gettext_noop("担当者の割当")}


class IllegalTransition(Exception):
    def __init__(self, action: str, status: str):
        self.action = action
        self.status = status
        label = TRANSITIONS[action].label if action in TRANSITIONS else OTHER_LABELS.get(action, action)
        super().__init__(
            _("現在の状態（%(status)s）では「%(action)s」はできません")
            % {"status": _(Status.LABELS.get(status, status)), "action": _(label)}
        )


def next_status(action: str, status: str) -> str:
    """The status after ``action``, or raise ``IllegalTransition``."""
    transition = TRANSITIONS.get(action)
    if transition is None or status not in transition.sources:
        raise IllegalTransition(action, status)
    if transition.target is None:
        return Status.OPEN if status == Status.TRIAGE else status
    return transition.target


class MergedConsultation(IllegalTransition):
    """A merged consultation is closed to new work (``consult.rules``): answered as 409,
    naming the consultation it was merged into."""

    def __init__(self, action: str, status: str, into_reference: str):
        self.action = action
        self.status = status
        self.into_reference = into_reference
        Exception.__init__(
            self,
            _("この相談は %(reference)s に統合されています。統合先の相談で対応するか、統合を解除してください")
            % {"reference": into_reference},
        )


class NotMerged(IllegalTransition):
    """Unmerging a consultation that is not merged (409)."""

    def __init__(self, status: str):
        self.action = "unmerge"
        self.status = status
        Exception.__init__(self, _("この相談は統合されていません"))
