"""The receiving SMTP service (aiosmtpd): only our reply addresses are accepted
(RCPT), and the data is stored as it came before the 250 (``services.receive``)."""

from __future__ import annotations

import logging

from aiosmtpd.controller import Controller
from asgiref.sync import sync_to_async
from django.db import close_old_connections

from notifications import replies

from . import services
from .models import Source

log = logging.getLogger(__name__)

# The whole mail: attachments up to the upload limit each, base64 (4/3) and headers.
DATA_SIZE_LIMIT = 64 * 1024 * 1024


def _receive(raw: bytes, envelope_from: str, envelope_to: list[str]) -> list[int]:
    close_old_connections()  # a long-lived thread: never reuse a connection the database dropped
    try:
        return services.receive(raw=raw, envelope_from=envelope_from, envelope_to=envelope_to, source=Source.SMTP)
    finally:
        close_old_connections()


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not replies.is_ours(address):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        try:
            await sync_to_async(_receive, thread_sensitive=True)(raw, envelope.mail_from or "", list(envelope.rcpt_tos))
        except Exception:
            log.exception("could not store an inbound mail")
            return "451 4.3.0 Try again later"  # the sending server keeps it and retries
        return "250 2.0.0 Message accepted"


def controller(*, host: str, port: int) -> Controller:
    return Controller(
        Handler(),
        hostname=host,
        port=port,
        data_size_limit=DATA_SIZE_LIMIT,
        enable_SMTPUTF8=True,
        server_hostname="banso-inbound",
        ready_timeout=10,
    )
