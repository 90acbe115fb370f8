"""Reply addresses: ``reply+<token>@<BANSO_REPLY_DOMAIN>`` on the notification
e-mails about a consultation, ``note+<token>@…`` for an internal note.

The token names the consultation, the recipient and the time it was issued,
and carries a truncated HMAC from ``django.core.signing`` (salted, keyed with
``SECRET_KEY`` and checked against ``SECRET_KEY_FALLBACKS`` too) over those and
the kind, so a reply token cannot be used as a note address. It is lower-case
base32: some mail systems lower-case local parts, and base32 survives that
(base64 would not). Pure apart from the settings: the inbound app checks what
this module writes."""

from __future__ import annotations

import base64
import datetime
import re
import struct
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.crypto import constant_time_compare

REPLY = "reply"
NOTE = "note"
KINDS = (REPLY, NOTE)
SALT = "banso.inbound.reply-address"
MAC_BYTES = 10  # 80 bits: guessing one is out of reach, and the local part stays short
PAYLOAD = struct.Struct(">III")  # consultation id, user id, issued at (Unix seconds)
TOKEN_LENGTH = -(-(PAYLOAD.size + MAC_BYTES) * 8 // 5)  # base32 characters, unpadded
ADDRESS = re.compile(rf"^(?P<kind>{'|'.join(KINDS)})\+(?P<token>[a-z2-7]{{{TOKEN_LENGTH}}})@(?P<domain>[^@\s]+)$")


class BadAddress(ValueError):
    """Not one of ours, or its signature does not match."""


class ExpiredAddress(ValueError):
    """Ours and intact, but older than ``BANSO_REPLY_TTL_DAYS``."""

    def __init__(self, address: ReplyAddress):
        self.address = address
        super().__init__("reply address expired")


@dataclass(frozen=True)
class ReplyAddress:
    kind: str
    consultation_id: int
    user_id: int
    issued_at: datetime.datetime


def _mac(kind: str, payload: bytes, key: str) -> bytes:
    signer = signing.Signer(key=key, salt=SALT, algorithm="sha256")
    return signing.b64_decode(signer.signature(f"{kind}:{payload.hex()}").encode())[:MAC_BYTES]


def token(*, kind: str, consultation_id: int, user_id: int, now: datetime.datetime | None = None) -> str:
    if kind not in KINDS:
        raise ValueError(kind)
    issued = int((now or timezone.now()).timestamp())
    payload = PAYLOAD.pack(consultation_id, user_id, issued)
    raw = payload + _mac(kind, payload, settings.SECRET_KEY)
    return base64.b32encode(raw).decode().rstrip("=").lower()


def address(*, kind: str, consultation_id: int, user_id: int, now: datetime.datetime | None = None) -> str:
    """The address that files what is sent to it as ``kind`` by this person on this consultation."""
    value = token(kind=kind, consultation_id=consultation_id, user_id=user_id, now=now)
    return f"{kind}+{value}@{settings.BANSO_REPLY_DOMAIN}"


def is_ours(value: str) -> bool:
    """Shaped like one of our addresses, at our domain (the signature is not checked)."""
    found = ADDRESS.match((value or "").strip().strip("<>").lower())
    return bool(found) and found["domain"] == settings.BANSO_REPLY_DOMAIN


def parse(value: str, *, now: datetime.datetime | None = None) -> ReplyAddress:
    """The reply address ``value`` stands for; raises ``BadAddress`` or ``ExpiredAddress``."""
    found = ADDRESS.match((value or "").strip().strip("<>").lower())
    if not found or found["domain"] != settings.BANSO_REPLY_DOMAIN:
        raise BadAddress(value)
    text = found["token"].upper()
    raw = base64.b32decode(text + "=" * (-len(text) % 8))
    payload, mac = raw[: PAYLOAD.size], raw[PAYLOAD.size :]
    kind = found["kind"]
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if not any(constant_time_compare(mac, _mac(kind, payload, key)) for key in keys):
        raise BadAddress(value)
    consultation_id, user_id, issued = PAYLOAD.unpack(payload)
    result = ReplyAddress(
        kind=kind,
        consultation_id=consultation_id,
        user_id=user_id,
        issued_at=datetime.datetime.fromtimestamp(issued, tz=datetime.UTC),
    )
    if (now or timezone.now()) - result.issued_at > datetime.timedelta(days=settings.BANSO_REPLY_TTL_DAYS):
        raise ExpiredAddress(result)
    return result
