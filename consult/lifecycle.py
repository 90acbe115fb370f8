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


class Status:
    TRIAGE = "triage"
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    AWAITING_FILER = "awaiting_filer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"

    CHOICES = [
        (TRIAGE, "振り分け待ち"),
        (OPEN, "受付待ち"),
        (IN_PROGRESS, "対応中"),
        (AWAITING_FILER, "回答待ち（相談者）"),
        (RESOLVED, "回答済み"),
        (CLOSED, "完了"),
        (WITHDRAWN, "取下げ"),
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
        Transition("accept", frozenset({Status.OPEN}), Status.IN_PROGRESS, "受付"),
        Transition(
            "request_info", frozenset({Status.OPEN, Status.IN_PROGRESS}), Status.AWAITING_FILER, "追加情報の依頼"
        ),
        Transition("resume", frozenset({Status.AWAITING_FILER}), Status.IN_PROGRESS, "対応再開"),
        Transition(
            "resolve",
            frozenset({Status.OPEN, Status.IN_PROGRESS, Status.AWAITING_FILER}),
            Status.RESOLVED,
            "回答（解決）",
        ),
        Transition("confirm", frozenset({Status.RESOLVED}), Status.CLOSED, "完了の確認"),
        Transition("auto_close", frozenset({Status.RESOLVED}), Status.CLOSED, "自動完了"),
        Transition("reopen", frozenset({Status.RESOLVED, Status.CLOSED}), Status.IN_PROGRESS, "再開"),
        Transition("withdraw", frozenset(Status.ACTIVE), Status.WITHDRAWN, "取下げ"),
        Transition(
            "transfer", frozenset({Status.TRIAGE, Status.OPEN, Status.IN_PROGRESS, Status.AWAITING_FILER}), None, "移送"
        ),
    )
}


class IllegalTransition(Exception):
    def __init__(self, action: str, status: str):
        self.action = action
        self.status = status
        label = TRANSITIONS[action].label if action in TRANSITIONS else action
        super().__init__(
            f"現在の状態（{Status.LABELS.get(status, status)}）では「{label}」はできません "
            f"(cannot {action} a consultation that is {status})"
        )


def next_status(action: str, status: str) -> str:
    """The status after ``action``, or raise ``IllegalTransition``."""
    transition = TRANSITIONS.get(action)
    if transition is None or status not in transition.sources:
        raise IllegalTransition(action, status)
    if transition.target is None:
        return Status.OPEN if status == Status.TRIAGE else status
    return transition.target


def allowed_actions(status: str) -> list[str]:
    return [action for action, transition in TRANSITIONS.items() if status in transition.sources]
