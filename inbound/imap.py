"""Reading inbound mail from an IMAP mailbox (imap-tools), for deployments where
mail arrives through the organisation's mail gateway rather than our SMTP service.

Each unseen message is read whole and unchanged (``BODY.PEEK[]``), stored by
``services.receive`` and only then flagged seen (or moved to the done folder):
a crash in between reads it again, and its Message-ID makes that harmless."""

from __future__ import annotations

import logging

from imap_tools import AND, MailBox

from . import parsing, services
from .models import Source

log = logging.getLogger(__name__)


def raw_message(mailbox, uid: str) -> bytes:
    status, data = mailbox.client.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        raise OSError(f"IMAP FETCH {uid}: {status}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return bytes(item[1])
    raise OSError(f"IMAP FETCH {uid}: no message data")


def fetch_from(mailbox, *, done_folder: str = "", limit: int = 500) -> int:
    """Store the unseen messages of the selected folder; returns how many were read."""
    read = 0
    for uid in list(mailbox.uids(AND(seen=False)))[:limit]:
        raw = raw_message(mailbox, uid)
        headers = parsing.parse_headers(raw)
        services.receive(
            raw=raw,
            # Behind a gateway the Return-Path header is the envelope sender (None: not given).
            envelope_from=headers.return_path,
            envelope_to=headers.recipients,
            source=Source.IMAP,
        )
        if done_folder:
            mailbox.move(uid, done_folder)
        else:
            mailbox.flag(uid, "\\Seen", True)
        read += 1
    return read


def connect(*, host: str, port: int, user: str, password: str, folder: str) -> MailBox:
    return MailBox(host, port).login(user, password, initial_folder=folder)
