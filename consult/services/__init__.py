"""Every write to consultations. Each service checks permission, changes state,
records the event and commits in one transaction; nothing else writes.

Notifications are queued by ``notifications`` from the events recorded here.
The services live by concern in this package; callers import them from here.
"""

from ..permissions import PERMISSIONS, parties
from .common import MAX_BODY, MAX_CO_FILERS, MAX_TITLE, Result, Upload, calendar_of
from .conversation import MENTION, post_message
from .filing import file_consultation, validate_filing
from .handling import invite_collaborator, transfer
from .lifecycle import AUTO_CLOSE_BUSINESS_DAYS, RATABLE, auto_close_due, escalate, rate, record_reminder, transition
from .merging import merge, unmerge
from .sharing import may_answer_library_consent, set_library_consent

__all__ = [
    "AUTO_CLOSE_BUSINESS_DAYS",
    "MAX_BODY",
    "MAX_CO_FILERS",
    "MAX_TITLE",
    "MENTION",
    "PERMISSIONS",
    "RATABLE",
    "Result",
    "Upload",
    "auto_close_due",
    "calendar_of",
    "escalate",
    "file_consultation",
    "invite_collaborator",
    "may_answer_library_consent",
    "merge",
    "parties",
    "post_message",
    "rate",
    "record_reminder",
    "set_library_consent",
    "transfer",
    "transition",
    "unmerge",
    "validate_filing",
]
