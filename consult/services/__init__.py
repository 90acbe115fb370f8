"""Every write to consultations. Each service checks permission, changes state,
records the event and commits in one transaction; nothing else writes.

Notifications are queued by ``notifications`` from the events recorded here.
The services live by concern in this package; callers import them from here.
"""

from ..permissions import PERMISSIONS, parties
from .bulk import ACCEPT, ASSIGN, BULK_ACTIONS, COLLABORATE, MAX_BULK, TRANSFER, ItemResult, apply_to_each
from .common import MAX_BODY, MAX_CO_FILERS, MAX_TITLE, Result, Upload, calendar_of
from .conversation import MENTION, post_message
from .filing import file_consultation, validate_filing
from .handling import Reassigned, assign, invite_collaborator, notify_ownerless_work, reassign_open_work, transfer
from .lifecycle import AUTO_CLOSE_BUSINESS_DAYS, RATABLE, auto_close_due, escalate, rate, record_reminder, transition
from .merging import merge, unmerge
from .sharing import may_answer_library_consent, set_library_consent
from .templates import create_reply_template, delete_reply_template, record_template_use, update_reply_template

__all__ = [
    "ACCEPT",
    "ASSIGN",
    "AUTO_CLOSE_BUSINESS_DAYS",
    "BULK_ACTIONS",
    "COLLABORATE",
    "MAX_BODY",
    "MAX_BULK",
    "MAX_CO_FILERS",
    "MAX_TITLE",
    "MENTION",
    "PERMISSIONS",
    "RATABLE",
    "TRANSFER",
    "ItemResult",
    "Reassigned",
    "Result",
    "Upload",
    "apply_to_each",
    "assign",
    "auto_close_due",
    "calendar_of",
    "create_reply_template",
    "delete_reply_template",
    "escalate",
    "file_consultation",
    "invite_collaborator",
    "may_answer_library_consent",
    "merge",
    "notify_ownerless_work",
    "parties",
    "post_message",
    "rate",
    "reassign_open_work",
    "record_reminder",
    "record_template_use",
    "set_library_consent",
    "transfer",
    "transition",
    "unmerge",
    "update_reply_template",
    "validate_filing",
]
